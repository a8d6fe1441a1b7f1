package io.chatgateway.router;

import io.chatgateway.router.engine.Routers;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.store.MemoryChatStore;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import reactor.test.scheduler.VirtualTimeScheduler;

/** A router on a memory store in virtual time, with helpers to play shoppers and agents. */
class RouterFixture implements AutoCloseable {
    final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    final MemoryChatStore store;
    final Router router;

    RouterFixture(RoutingConfig config, RouterOptions options) {
        store = new MemoryChatStore(config);
        router = Routers.create(options, store, time);
    }

    RouterFixture(RoutingConfig config) {
        this(config, RouterOptions.defaults());
    }

    /** The default config changed through its JSON form, as ops would change it. */
    static RoutingConfig config(Consumer<ObjectNode> change) {
        ObjectNode json = RoutingConfig.defaults().toJson();
        change.accept(json);
        return RoutingConfig.fromJson(json);
    }

    static RoutingConfig capacity(int each) {
        return config(j -> j.with("capacity").put("senior", each).put("regular", each).put("trainee", each));
    }

    @Override
    public void close() {
        router.close();
    }

    RecordingPeer customer(String id, Tier tier, String... tags) {
        return customerIn(null, id, tier, tags);
    }

    RecordingPeer customerIn(String group, String id, Tier tier, String... tags) {
        RecordingPeer p = new RecordingPeer();
        router.customerHello(p, new CustomerIdentity(id, null, tier, List.of(tags), group, "en", false, null), null);
        time.advanceTime();
        return p;
    }

    /** An agent who takes every chat at once (auto-accept), as most skeleton rules assume. */
    RecordingPeer agent(String id, AgentLevel level) {
        return agent(id, level, true, Set.of(), Set.of(), false);
    }

    RecordingPeer agent(String id, AgentLevel level, boolean autoAccept, Set<String> groups, Set<String> skills, boolean supervisor) {
        RecordingPeer p = new RecordingPeer();
        router.agentHello(p, new AgentIdentity(id, "Agent " + id, level, groups, skills, supervisor), List.of(), autoAccept);
        time.advanceTime();
        return p;
    }

    void advance(java.time.Duration d) {
        time.advanceTimeBy(d);
    }

    static String chatId(RecordingPeer customer) {
        return customer.last(ServerMessage.CustomerWelcome.class).chatId();
    }

    static Set<String> assignedChats(RecordingPeer agent) {
        return agent.all(ServerMessage.Assigned.class).stream().map(ServerMessage.Assigned::chatId).collect(Collectors.toSet());
    }

    static List<String> offeredChats(RecordingPeer agent) {
        return agent.all(ServerMessage.Offer.class).stream().map(ServerMessage.Offer::chatId).toList();
    }
}
