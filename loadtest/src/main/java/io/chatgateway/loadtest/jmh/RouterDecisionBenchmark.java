package io.chatgateway.loadtest.jmh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.OutboundFrame;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The routing decisions of one node on 1 or 2 router lanes ({@code RouterOptions.workers}): each
 * operation is a batch of whole chats as the gateway drives them, a shopper's {@code hello} (greeting, routing
 * to one of 64 auto-accepting agents, the assignment and the history sent to the agent), then the
 * shopper's {@code close} (closing frames, the agent's slot freed), waited for as a widget would.
 * One calling thread plays the event loops: it hands the router a batch of {@value #BATCH}
 * shoppers at once and sleeps until all are assigned, then closes them all, so its own cost is
 * small beside the lanes' and what is measured is how many chats the lanes route; memory store.
 * Scores are batches: chats = score × {@value #BATCH}. {@code weights=mixed} gives the agents
 * different weights (saturation routing), {@code equal} the default.
 *
 * <pre>java -jar loadtest/target/chat-loadtest.jar jmh RouterDecisionBenchmark [-p lanes=1 -p weights=mixed]</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC", "-DCHAT_GATEWAY_LOG_LEVEL=WARN"})
public class RouterDecisionBenchmark {
    static final int AGENTS = 64;
    static final int BATCH = 64;

    /** A shopper's connection: serialises what it is sent (as the gateway's does) and opens latches on the frames waited for. */
    static final class ShopperPeer implements Peer {
        private static final AtomicInteger IDS = new AtomicInteger();
        final String id = "bench-" + IDS.incrementAndGet();
        final CountDownLatch assigned;
        final CountDownLatch closed;

        ShopperPeer(CountDownLatch assigned, CountDownLatch closed) {
            this.assigned = assigned;
            this.closed = closed;
        }

        @Override
        public String connectionId() {
            return id;
        }

        @Override
        public void send(OutboundFrame frame) {
            frame.bytes(RouterMessageBenchmark.CODEC);
            if (frame.message() instanceof ServerMessage.Assigned) {
                assigned.countDown();
            } else if (frame.message() instanceof ServerMessage.Closed) {
                closed.countDown();
            }
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    /** One node: a router on the memory store with {@code lanes} lanes on as many threads. */
    @State(Scope.Benchmark)
    public static class Node {
        @Param({"1", "2"})
        int lanes;
        /** {@code equal}: every agent the default weight; {@code mixed}: weights 50, 100, 150, 200 in turn (saturation routing at work). */
        @Param({"equal", "mixed"})
        String weights;
        Router router;
        Scheduler scheduler;
        final AtomicInteger shoppers = new AtomicInteger();

        @Setup(Level.Trial)
        public void setUp() {
            ObjectNode json = RoutingConfig.defaults().toJson();
            json.with("capacity").put("senior", 50).put("regular", 50).put("trainee", 50);
            scheduler = Schedulers.newParallel("router", lanes);
            router = Routers.create(RouterOptions.builder().workers(lanes).build(),
                    new MemoryChatStore(64, 10_000, RoutingConfig.fromJson(json)), scheduler);
            for (int a = 0; a < AGENTS; a++) {
                router.agentHello(new RouterMessageBenchmark.CountingPeer(),
                        new AgentIdentity("agent" + a, "Agent " + a, AgentLevel.REGULAR, Set.of(), Set.of(), false,
                                "mixed".equals(weights) ? 50 * (1 + a % 4) : null), List.of(), true);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            router.close();
            scheduler.dispose();
        }
    }

    @Benchmark
    @Threads(1)
    public void chats(Node node) throws InterruptedException {
        CountDownLatch assigned = new CountDownLatch(BATCH);
        CountDownLatch closed = new CountDownLatch(BATCH);
        ShopperPeer[] batch = new ShopperPeer[BATCH];
        for (int i = 0; i < BATCH; i++) {
            batch[i] = new ShopperPeer(assigned, closed);
            node.router.customerHello(batch[i], new CustomerIdentity("u" + node.shoppers.incrementAndGet(), null, Tier.REGULAR,
                    List.of(), null, "en", false, null), null);
        }
        await(assigned);
        for (ShopperPeer p : batch) {
            node.router.customerFrame(p, new ClientMessage.Close(null, null));
        }
        await(closed);
        for (ShopperPeer p : batch) {
            node.router.customerGone(p);
        }
    }


    private static void await(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the router did not answer within 10 s");
        }
    }
}
