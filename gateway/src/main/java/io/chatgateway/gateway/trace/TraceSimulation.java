package io.chatgateway.gateway.trace;

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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * "What would these weights have done to that surge?": the trace's shoppers arrive at a real
 * router (memory store, one lane) that runs the given routing document in virtual time, served by
 * {@code agents} simulated auto-accepting agents (one in three senior, serving every group of the
 * trace) who answer at once and close each chat after the trace's handling times in turn. Every
 * rule runs as in production (ranking, ladders, capacities, business hours from the trace's own
 * clock, overflow); nothing sleeps, so an hour of trace takes seconds of CPU.
 */
public final class TraceSimulation {
    private TraceSimulation() {
    }

    /**
     * Waits of one tier (seconds), how many were still waiting when the trace and its chats had
     * ended, and how honest the first promised wait was: p50 and p90 of actual minus promised over
     * the {@code promised} chats that queued with an estimate and were served.
     */
    public record TierOutcome(String tier, long chats, long assigned, long unserved, double meanWaitSeconds, long p50WaitSeconds,
                              long p99WaitSeconds, long maxWaitSeconds, double assignedWithin30sShare,
                              long promised, long etaErrorP50Seconds, long etaErrorP90Seconds) {
    }

    /** The whole run: every tier, the deepest queue seen, and how many chats there were. */
    public record Outcome(long chats, long maxQueueDepth, List<TierOutcome> tiers) {
    }

    public static Outcome run(Trace trace, RoutingConfig config, int agents) {
        VirtualTimeScheduler time = VirtualTimeScheduler.create();
        try {
            time.advanceTimeTo(Instant.ofEpochSecond(trace.startSecond())); // business hours as on the recorded day
            MemoryChatStore store = new MemoryChatStore(config);
            Router router = Routers.create(RouterOptions.builder().workers(1).build(), store, time);
            try {
                return simulate(trace, router, store, time, agents);
            } finally {
                router.close();
            }
        } finally {
            time.dispose();
        }
    }

    private static Outcome simulate(Trace trace, Router router, MemoryChatStore store, VirtualTimeScheduler time, int agents) {
        long[] handled = trace.handledSeconds().length > 0 ? trace.handledSeconds() : new long[] {120};
        AtomicLong nextHandle = new AtomicLong();
        Set<String> groups = Set.copyOf(trace.groups());
        for (int i = 0; i < agents; i++) {
            SimAgent agent = new SimAgent(router, time, handled, nextHandle);
            AgentIdentity who = new AgentIdentity("sim-agent-" + i, "Agent " + i, i % 3 == 0 ? AgentLevel.SENIOR : AgentLevel.REGULAR,
                    groups, Set.of(), false);
            router.agentHello(agent, who, List.of(), true);
        }
        time.advanceTime();

        Map<Tier, List<SimShopper>> shoppers = new EnumMap<>(Tier.class);
        long start = time.now(TimeUnit.MILLISECONDS);
        long n = 0;
        for (Trace.Second s : trace.seconds()) {
            long count = s.arrivalCount();
            long k = 0;
            for (Trace.Arrival a : s.arrivals()) {
                Tier tier = Tier.parse(a.tier()) == null ? Tier.REGULAR : Tier.parse(a.tier());
                for (long j = 0; j < a.n(); j++, k++) {
                    long at = start + s.t() * 1000 + k * 1000 / Math.max(1, count);
                    SimShopper shopper = new SimShopper(time, at);
                    shoppers.computeIfAbsent(tier, t -> new ArrayList<>()).add(shopper);
                    CustomerIdentity who = new CustomerIdentity("sim-shopper-" + n++, null, tier, a.tags(), a.group(), "en", false, null);
                    time.schedule(() -> router.customerHello(shopper, who, null), at - time.now(TimeUnit.MILLISECONDS), TimeUnit.MILLISECONDS);
                }
            }
        }
        long maxDepth = 0;
        long maxHandle = Arrays.stream(handled).max().orElse(120);
        long end = start + (trace.duration() + maxHandle + 60) * 1000;
        while (time.now(TimeUnit.MILLISECONDS) < end) {
            time.advanceTimeBy(Duration.ofSeconds(1));
            maxDepth = Math.max(maxDepth, store.queueDepths().values().stream()
                    .flatMap(m -> m.values().stream()).mapToLong(Integer::longValue).sum());
        }
        List<TierOutcome> tiers = new ArrayList<>();
        for (Map.Entry<Tier, List<SimShopper>> e : shoppers.entrySet()) {
            tiers.add(outcome(e.getKey(), e.getValue()));
        }
        return new Outcome(n, maxDepth, tiers);
    }

    private static TierOutcome outcome(Tier tier, List<SimShopper> shoppers) {
        long[] waits = shoppers.stream().filter(s -> s.assignedAt >= 0).mapToLong(s -> (s.assignedAt - s.arrivedAt) / 1000).sorted().toArray();
        long within30 = Arrays.stream(waits).filter(w -> w <= 30).count();
        long[] errors = shoppers.stream().filter(s -> s.assignedAt >= 0 && s.promised >= 0)
                .mapToLong(s -> Math.round((s.assignedAt - s.arrivedAt) / 1000.0) - s.promised).sorted().toArray();
        return new TierOutcome(tier.wire(), shoppers.size(), waits.length, shoppers.size() - waits.length,
                waits.length == 0 ? 0 : Arrays.stream(waits).average().orElse(0), pick(waits, 0.5), pick(waits, 0.99),
                waits.length == 0 ? 0 : waits[waits.length - 1], shoppers.isEmpty() ? 0 : within30 / (double) shoppers.size(),
                errors.length, pick(errors, 0.5), pick(errors, 0.9));
    }

    private static long pick(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.floor(q * (sorted.length - 1))];
    }

    /** Side by side: the same trace under the routing document in force and under a proposed one. */
    public static Map<String, Object> compare(Trace trace, RoutingConfig current, RoutingConfig proposed, int agents) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("traceSeconds", trace.duration());
        out.put("chats", trace.arrivals());
        out.put("agents", agents);
        out.put("current", run(trace, current, agents));
        out.put("proposed", run(trace, proposed, agents));
        return out;
    }

    /** What both simulated sides share: an id, and nothing to close. */
    private abstract static class SimPeer implements Peer {
        @Override
        public String connectionId() {
            return "sim-" + System.identityHashCode(this);
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    /** A simulated shopper: notes the first wait promised and when the chat got its first agent. */
    private static final class SimShopper extends SimPeer {
        final VirtualTimeScheduler time;
        final long arrivedAt;
        volatile long assignedAt = -1;
        volatile long promised = -1;

        SimShopper(VirtualTimeScheduler time, long arrivedAt) {
            this.time = time;
            this.arrivedAt = arrivedAt;
        }

        @Override
        public void send(OutboundFrame frame) {
            if (frame.message() instanceof ServerMessage.Assigned && assignedAt < 0) {
                assignedAt = time.now(TimeUnit.MILLISECONDS);
            } else if (frame.message() instanceof ServerMessage.Queued q && q.reason() == null && promised < 0 && assignedAt < 0) {
                promised = q.etaSeconds();
            }
        }
    }

    /** A simulated agent desktop: takes every chat (auto-accept), answers at once, closes it after a recorded handling time. */
    private static final class SimAgent extends SimPeer {
        final Router router;
        final VirtualTimeScheduler time;
        final long[] handled;
        final AtomicLong next;

        SimAgent(Router router, VirtualTimeScheduler time, long[] handled, AtomicLong next) {
            this.router = router;
            this.time = time;
            this.handled = handled;
            this.next = next;
        }

        @Override
        public void send(OutboundFrame frame) {
            if (frame.message() instanceof ServerMessage.Assigned a) {
                long took = handled[(int) Math.floorMod(next.getAndIncrement(), (long) handled.length)];
                time.schedule(() -> router.agentFrame(this, new ClientMessage.SendText(null, a.chatId(), "Hello!", false)));
                time.schedule(() -> router.agentFrame(this, new ClientMessage.Close(null, a.chatId())), took, TimeUnit.SECONDS);
            }
        }
    }
}
