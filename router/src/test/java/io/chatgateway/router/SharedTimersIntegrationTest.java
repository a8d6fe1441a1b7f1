package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.store.RedisChatStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two routers (two nodes) on one real Redis, in virtual time: the shopper talks to node A, the
 * agent to node B, and the silence-care deadlines are claimed from the shared store, so the prompt
 * and the close each happen exactly once whichever node claims them. (The 15-minute defaults
 * themselves are tested on one node in {@code CareAndGuardTest}.)
 */
class SharedTimersIntegrationTest {
    private TwoNodes nodes;
    private VirtualLanes time;
    private RedisChatStore storeA;
    private Router nodeA;
    private Router nodeB;

    @BeforeEach
    void start() throws Exception {
        // One-minute care periods keep the virtual hour short (every virtual second runs both nodes' ticks on Redis).
        RoutingConfig care = RouterFixture.config(j -> j.with("care").put("silencePromptSeconds", 60).put("silenceCloseSeconds", 60));
        nodes = new TwoNodes(care, bus -> bus);
        time = nodes.time;
        storeA = nodes.storeA;
        nodeA = nodes.nodeA;
        nodeB = nodes.nodeB;
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    private void until(String what, BooleanSupplier condition) {
        nodes.until(what, condition);
    }

    private long logged(String chatId, Class<? extends ServerMessage.ChatEvent> type, String kindOrReason) {
        return storeA.eventsAfter(chatId, 0).stream().filter(type::isInstance).filter(e ->
                e instanceof ServerMessage.Script s ? s.kind().equals(kindOrReason)
                        : !(e instanceof ServerMessage.Closed c) || c.reason().equals(kindOrReason)).count();
    }

    @Test
    void silenceCareAcrossTwoNodesPromptsOnceAndClosesOnce() throws Exception {
        RecordingPeer agent = new RecordingPeer();
        nodeB.agentHello(agent, new AgentIdentity("ann", "Ann", AgentLevel.REGULAR, Set.of(), Set.of(), false), List.of(), true);
        time.advanceTime();
        RecordingPeer shopper = new RecordingPeer();
        nodeA.customerHello(shopper, new CustomerIdentity("lee", null, Tier.REGULAR, List.of(), null, "en", false, null), null);
        until("the shopper on A is assigned to the agent on B", () -> !shopper.all(ServerMessage.Assigned.class).isEmpty());
        String chatId = RouterFixture.chatId(shopper);
        nodeB.agentFrame(agent, new ClientMessage.SendText(null, chatId, "Hello, how can I help?", false));
        until("the agent's greeting reaches the shopper on the other node", () -> shopper.all(ServerMessage.ChatText.class).size() == 1);

        // The shopper writes through A, the agent answers through B: the care state both write is one.
        time.advanceTimeBy(Duration.ofSeconds(30));
        nodeA.customerFrame(shopper, new ClientMessage.SendText("q1", null, "one more thing", false));
        until("the question reaches the agent on B", () -> agent.all(ServerMessage.ChatText.class).stream()
                .anyMatch(t -> t.text().equals("one more thing")));
        time.advanceTimeBy(Duration.ofSeconds(10));
        nodeB.agentFrame(agent, new ClientMessage.SendText("r1", chatId, "sure, go ahead", false));
        until("the answer reaches the shopper on A", () -> shopper.all(ServerMessage.ChatText.class).size() == 3);

        time.advanceTimeBy(Duration.ofSeconds(58)); // 58 s after the agent's last answer
        assertThat(logged(chatId, ServerMessage.Script.class, "silence_care")).as("not before the period").isZero();
        time.advanceTimeBy(Duration.ofSeconds(3));
        until("the prompt reaches the shopper", () -> shopper.all(ServerMessage.Script.class).stream()
                .anyMatch(s -> s.kind().equals("silence_care")));
        time.advanceTimeBy(Duration.ofSeconds(20));
        assertThat(logged(chatId, ServerMessage.Script.class, "silence_care")).as("prompted once by the two nodes").isEqualTo(1);

        time.advanceTimeBy(Duration.ofSeconds(42));
        until("the chat closes for silence", () -> !shopper.all(ServerMessage.Closed.class).isEmpty());
        time.advanceTimeBy(Duration.ofSeconds(60));
        assertThat(logged(chatId, ServerMessage.Closed.class, "silence")).as("closed once").isEqualTo(1);
        assertThat(shopper.all(ServerMessage.Closed.class)).hasSize(1);
        assertThat(storeA.chat(chatId).orElseThrow().state().name()).isEqualTo("CLOSED");
    }
}
