package io.chatgateway.loadtest.jmh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.CustomerIdentity;
import io.chatgateway.router.Peer;
import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.engine.Routers;
import io.chatgateway.router.store.MemoryChatStore;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.scheduler.Schedulers;

/**
 * The whole message path of one node as the gateway calls it: {@code Router.customerFrame} /
 * {@code agentFrame} with a chat message in one of 1,024 assigned chats (the language guard for
 * agents, the store step, the frames to the shopper and the agent, serialised as a connection
 * would), with one and with two calling threads, as connections on one or two event loops. The
 * router's worker is not on this path, so two threads should route nearly twice as many.
 *
 * <pre>java -jar loadtest/target/chat-loadtest.jar jmh RouterMessageBenchmark</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC", "-DCHAT_GATEWAY_LOG_LEVEL=WARN"})
public class RouterMessageBenchmark {
    static final int CHATS = 1024;
    static final int AGENTS = 64;
    static final MessageCodec CODEC = MessageCodec.json(ProtocolLimits.defaults());

    /** A connection that serialises what it is sent (as the gateway's does) and counts it. */
    static final class CountingPeer implements Peer {
        private static final AtomicInteger IDS = new AtomicInteger();
        final String id = "bench-" + IDS.incrementAndGet();
        final java.util.concurrent.atomic.LongAdder bytes = new java.util.concurrent.atomic.LongAdder(); // agents get frames from both threads
        volatile ServerMessage.CustomerWelcome welcome;
        volatile String assignedTo;

        @Override
        public String connectionId() {
            return id;
        }

        @Override
        public void send(OutboundFrame frame) {
            if (frame.message() instanceof ServerMessage.CustomerWelcome w) {
                welcome = w;
            } else if (frame.message() instanceof ServerMessage.Assigned a && a.agent() != null) {
                assignedTo = a.agent().id();
            }
            bytes.add(frame.bytes(CODEC).length);
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    /** One node: a router on the memory store with its real worker, every chat assigned. */
    @State(Scope.Benchmark)
    public static class Node {
        Router router;
        final CountingPeer[] customers = new CountingPeer[CHATS];
        final CountingPeer[] agentOf = new CountingPeer[CHATS];
        final String[] chatIds = new String[CHATS];
        final AtomicInteger threads = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() throws InterruptedException {
            ObjectNode json = RoutingConfig.defaults().toJson();
            json.with("capacity").put("senior", 20).put("regular", 20).put("trainee", 20);
            router = Routers.create(RouterOptions.defaults(), new MemoryChatStore(32, 10_000, RoutingConfig.fromJson(json)),
                    Schedulers.newSingle("router"));
            CountingPeer[] agents = new CountingPeer[AGENTS];
            for (int a = 0; a < AGENTS; a++) {
                agents[a] = new CountingPeer();
                router.agentHello(agents[a], new AgentIdentity("agent" + a, "Agent " + a, AgentLevel.REGULAR, Set.of(), Set.of(), false),
                        List.of(), true);
            }
            for (int i = 0; i < CHATS; i++) {
                customers[i] = new CountingPeer();
                router.customerHello(customers[i], new CustomerIdentity("u" + i, null, Tier.REGULAR, List.of(), null, "en", false, null),
                        null);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int i = 0; i < CHATS; i++) {
                while (customers[i].welcome == null || customers[i].assignedTo == null) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("chat " + i + " not assigned");
                    }
                    Thread.sleep(1); // set-up only, not measured
                }
                chatIds[i] = customers[i].welcome.chatId();
                agentOf[i] = agents[Integer.parseInt(customers[i].assignedTo.substring("agent".length()))];
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            router.close();
        }
    }

    /** Each thread writes in its own half of the chats, like connections on different event loops. */
    @State(Scope.Thread)
    public static class Lane {
        int offset;
        int next;

        @Setup
        public void setUp(Node node) {
            offset = node.threads.getAndIncrement() * (CHATS / 2);
        }
    }

    /** Shopper and agent take turns, as in a conversation (agents' messages pass the language guard). */
    private static void message(Node node, Lane lane) {
        int n = lane.next++;
        int i = (lane.offset + ((n >> 1) & (CHATS / 2 - 1))) % CHATS;
        if ((n & 1) == 0) {
            node.router.customerFrame(node.customers[i], new ClientMessage.SendText(null, null, "where is my parcel?", false));
        } else {
            node.router.agentFrame(node.agentOf[i], new ClientMessage.SendText(null, node.chatIds[i], "it left the depot today", false));
        }
    }

    @Benchmark
    @Threads(1)
    public void message1Thread(Node node, Lane lane) {
        message(node, lane);
    }

    @Benchmark
    @Threads(2)
    public void message2Threads(Node node, Lane lane) {
        message(node, lane);
    }
}
