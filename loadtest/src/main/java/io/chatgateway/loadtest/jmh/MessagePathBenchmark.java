package io.chatgateway.loadtest.jmh;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.MemoryChatStore;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The two store steps that carry a node, with one and with two threads (this machine has two
 * cores; compare the pairs in one run):
 *
 * <ul>
 *   <li>{@code message*}: a chat message ({@code ChatStore.say} on the memory store: route check,
 *       de-dup key, numbering, storing, care update) in one of 1,024 assigned chats, each thread on
 *       chats of its own, as connections on different event loops would be. Chats have a lock each,
 *       so this should scale with threads.</li>
 *   <li>{@code routing*}: a routing decision's atomic step (offer a waiting chat to an agent with
 *       room, then withdraw it: the chat goes back to its place and the agent's load back down).
 *       Routing state is one lock per store on purpose (a decision changes a chat and an agent's
 *       capacity together), so this shows what serialising decisions costs.</li>
 * </ul>
 *
 * <pre>java -jar loadtest/target/chat-loadtest.jar jmh MessagePathBenchmark</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC", "-DCHAT_GATEWAY_LOG_LEVEL=WARN"})
public class MessagePathBenchmark {
    static final int CHATS = 1024;
    static final int AGENTS = 64;

    /** One store shared by all threads, as on a node. */
    @State(Scope.Benchmark)
    public static class Node {
        // Short logs: the live set stays small, so garbage collection does not dominate what is measured.
        final ChatStore store = new MemoryChatStore(32, 10_000, RoutingConfig.defaults());
        final String[] chats = new String[CHATS];
        final String[] waiting = new String[CHATS];
        final AtomicInteger threads = new AtomicInteger();

        @Setup
        public void setUp() {
            for (int a = 0; a < AGENTS; a++) {
                store.upsertAgent(new AgentRecord("agent" + a, "Agent " + a, AgentLevel.REGULAR, Set.of("general"), Set.of(), false,
                        AgentStatus.ONLINE, true, false, 1_000, 0, 0));
            }
            for (int i = 0; i < CHATS; i++) {
                String id = String.format("c%07d", i);
                chats[i] = id;
                store.createWaitingChat(new ChatRecord(id, "u" + i, null, Tier.REGULAR, List.of(), "general", "en", i, 100 - i,
                        ChatState.WAITING, null, null));
                String agent = "agent" + (i % AGENTS);
                store.tryAssign(id, agent);
                store.append(id, seq -> new ServerMessage.Assigned(id, seq, new ServerMessage.AgentInfo(agent, agent), null));
                store.putCare(id, new ChatStore.Care(0, 0, ChatStore.Care.NONE, false, ChatStore.Care.NONE, true));
                String w = String.format("w%07d", i);
                waiting[i] = w;
                store.createWaitingChat(new ChatRecord(w, "v" + i, null, Tier.REGULAR, List.of(), "general", "en", i, 100 - i,
                        ChatState.WAITING, null, null));
            }
        }
    }

    /** Each thread works on its own half (or all) of the chats, like connections spread over event loops. */
    @State(Scope.Thread)
    public static class Lane {
        int offset;
        int next;
        long now;

        @Setup
        public void setUp(Node node) {
            offset = node.threads.getAndIncrement() * (CHATS / 2);
        }

        int index() {
            return (offset + (next++ & (CHATS / 2 - 1))) % CHATS;
        }
    }

    private static void say(Node node, Lane lane, Blackhole bh) {
        int i = lane.index();
        String chat = node.chats[i];
        boolean agent = (lane.next & 1) == 0;
        long now = ++lane.now;
        node.store.say(chat, agent ? "agent" + (i % AGENTS) : null, null, now, "care|" + chat, 60_000,
                seq -> new ServerMessage.ChatText(chat, seq, agent ? "agent" : "customer", "where is my parcel?", now), bh::consume, bh::consume);
    }

    private static void route(Node node, Lane lane, Blackhole bh) {
        int i = lane.index();
        String chat = node.waiting[i];
        String agent = "agent" + (i % AGENTS);
        bh.consume(node.store.tryOffer(chat, agent));
        bh.consume(node.store.withdrawOffer(chat, agent));
    }

    @Benchmark
    @Threads(1)
    public void message1Thread(Node node, Lane lane, Blackhole bh) {
        say(node, lane, bh);
    }

    @Benchmark
    @Threads(2)
    public void message2Threads(Node node, Lane lane, Blackhole bh) {
        say(node, lane, bh);
    }

    @Benchmark
    @Threads(1)
    public void routing1Thread(Node node, Lane lane, Blackhole bh) {
        route(node, lane, bh);
    }

    @Benchmark
    @Threads(2)
    public void routing2Threads(Node node, Lane lane, Blackhole bh) {
        route(node, lane, bh);
    }
}
