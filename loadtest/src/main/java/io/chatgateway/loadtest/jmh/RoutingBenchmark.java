package io.chatgateway.loadtest.jmh;

import io.chatgateway.router.engine.Routers;
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
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.MemoryChatStore;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Cost of routing decisions with a long queue: {@code agents} agents, all full, and {@code waiting}
 * shoppers waiting across tiers. One operation is a steady-state turn of a surge: an agent
 * closes a chat, the router picks the best chat that agent may take (agent-driven decision) and
 * assigns it, and a new shopper arrives and looks for an agent (chat-driven decision, nobody free,
 * so it queues). The queue length stays constant.
 *
 * <p>{@code naiveFullScan} is the baseline the design avoids: choosing the next chat by scanning
 * every waiting chat, as a router without a ranked index would. Compare the two in one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g", "-XX:+UseParallelGC", "-DCHAT_GATEWAY_LOG_LEVEL=WARN"})
public class RoutingBenchmark {

    @Param({"10000"})
    int waiting;

    @Param({"2000"})
    int agents;

    private VirtualTimeScheduler time;
    private MemoryChatStore store;
    private Router router;
    private AgentPeer[] agentPeers;
    private int next;
    private long customers;

    /** An agent desktop that remembers its chats so the benchmark can close the oldest. */
    static final class AgentPeer implements Peer {
        final String id;
        final ArrayDeque<String> chats = new ArrayDeque<>();

        AgentPeer(String id) {
            this.id = id;
        }

        @Override
        public String connectionId() {
            return id;
        }

        @Override
        public void send(OutboundFrame frame) {
            if (frame.message() instanceof ServerMessage.Assigned a) {
                chats.addLast(a.chatId());
            }
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    static final Peer SINK = new Peer() {
        @Override
        public String connectionId() {
            return "sink";
        }

        @Override
        public void send(OutboundFrame frame) {
        }

        @Override
        public void close(int code, String reason) {
        }
    };

    @Setup(Level.Trial)
    public void setup() {
        time = VirtualTimeScheduler.create();
        store = new MemoryChatStore(RoutingConfig.defaults());
        router = Routers.create(RouterOptions.defaults(), store, time);
        agentPeers = new AgentPeer[agents];
        AgentLevel[] levels = AgentLevel.values();
        for (int i = 0; i < agents; i++) {
            agentPeers[i] = new AgentPeer("agent-" + i);
            router.agentHello(agentPeers[i], new AgentIdentity("agent-" + i, "A", levels[i % 3], Set.of(), false), List.of(), true);
        }
        // Fill every agent, then queue `waiting` more.
        int total = agents * 10 + waiting;
        for (int i = 0; i < total; i++) {
            arrive();
        }
        time.advanceTime();
    }

    private void arrive() {
        long n = customers++;
        Tier tier = n % 7 == 0 ? Tier.VIP : n % 3 == 0 ? Tier.NEW : Tier.REGULAR;
        List<String> tags = n % 11 == 0 ? List.of("urgent_order") : List.of();
        router.customerHello(SINK, new CustomerIdentity("u" + n, null, tier, tags, null, "en", false, null), null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        router.close();
    }

    @Benchmark
    public int closeAssignAndArrive() {
        AgentPeer a = agentPeers[next++ % agents];
        String chat = a.chats.pollFirst();
        router.agentFrame(a, new ClientMessage.Close(null, chat));
        arrive();
        return a.chats.size();
    }

    /** The baseline: pick the next chat for a free agent by scanning all waiting chats. */
    @Benchmark
    public ChatRecord naiveFullScan() {
        ChatRecord best = null;
        RoutingConfig c = store.config().config();
        long now = time.now(TimeUnit.MILLISECONDS);
        for (ChatRecord r : store.waiting("general", Integer.MAX_VALUE)) {
            double score = c.score(r.tier(), r.tags(), r.queuedAt(), now);
            if (best == null || score > c.score(best.tier(), best.tags(), best.queuedAt(), now)) {
                best = r;
            }
        }
        return best;
    }
}
