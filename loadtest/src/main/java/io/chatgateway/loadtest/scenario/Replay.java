package io.chatgateway.loadtest.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatgateway.loadtest.client.WsClient;
import io.chatgateway.loadtest.metrics.LatencyRecorder;
import io.chatgateway.gateway.trace.Trace;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A surge rehearsal: plays a recorded arrival trace against a gateway, {@code speed} times faster
 * and with {@code scale} times the arrivals. Open model: every shopper arrives when the trace says
 * (time compressed), whether or not the gateway kept up, and every latency is measured from that
 * due time (coordinated omission corrected). Shoppers carry the trace's tier, tags and group,
 * write the trace's messages per chat; auto-accepting agents answer at once and close each chat
 * after a recorded handling time (compressed by {@code speed}). Waits and first replies are
 * reported in trace time (measured × speed), so they compare with the recorded ones; the greeting
 * is the gateway's own latency and is not scaled.
 */
public final class Replay {
    private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    private Replay() {
    }

    /** What the rehearsal saw. Waits and first replies in microseconds of wall time (multiply by {@code speed} for trace time). */
    public record Result(double speed, double scale, long arrivals, long greeted, long assigned, long closed, long unserved,
                         Histogram waits, Histogram firstReplies, Histogram greetings, long maxQueueDepth, double meanQueueDepth) {
        /** Share of greetings within 15 s (wall time: the gateway's own latency). */
        public double greetingMet() {
            return greetings.getTotalCount() == 0 ? Double.NaN
                    : greetings.getCountBetweenValues(0, 15_000_000) / (double) greetings.getTotalCount();
        }

        /** Share of shoppers answered within 30 s of trace time (those never answered count as missed). */
        public double firstReplyMet() {
            long answered = firstReplies.getTotalCount();
            long all = Math.max(answered, assigned + unserved);
            return all == 0 ? Double.NaN : firstReplies.getCountBetweenValues(0, (long) (30_000_000 / speed)) / (double) all;
        }
    }

    public static Result run(Context ctx, Trace trace, double speed, double scale, int agentCount, PrintStream out) throws Exception {
        if (speed <= 0 || scale <= 0) {
            throw new IllegalArgumentException("speed " + speed + ", scale " + scale + " (expected: both > 0)");
        }
        long[] handled = trace.handledSeconds().length > 0 ? trace.handledSeconds() : new long[] {120};
        long messagesPerChat = Math.max(1, Math.round(trace.customerMessagesPerChat()));
        LatencyRecorder waits = new LatencyRecorder();
        LatencyRecorder firstReplies = new LatencyRecorder();
        AtomicLong nextHandle = new AtomicLong();
        List<WsClient> agents = Scenarios.connectAgents(ctx, "replay-agent-" + RUN, agentCount, trace.groups(), (c, m) -> {
            String chatId = m.path("chatId").asText();
            switch (m.path("type").asText()) {
                case "assigned" -> {
                    c.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"Hello, how can I help?\"}");
                    long took = handled[(int) Math.floorMod(nextHandle.getAndIncrement(), (long) handled.length)];
                    ctx.timer.schedule(() -> c.send("{\"type\":\"close\",\"chatId\":\"" + chatId + "\"}"),
                            Math.max(50, Math.round(took * 1000 / speed)), TimeUnit.MILLISECONDS);
                }
                case "message" -> {
                    if ("customer".equals(m.path("from").asText())) {
                        c.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"Noted.\"}");
                    }
                }
                default -> {
                }
            }
        });
        List<WsClient> shoppers = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Progress p = new Progress(ctx, out, "replay: " + trace.duration() + " s of trace (" + trace.arrivals() + " chats) at speed "
                + speed + " and scale " + scale + ", " + agentCount + " agents")) {
            long start = System.nanoTime();
            double carry = 0;
            long i = 0;
            for (Trace.Second s : trace.seconds()) {
                List<Trace.Arrival> due = new ArrayList<>();
                for (Trace.Arrival a : s.arrivals()) {
                    carry += a.n() * scale;
                    for (; carry >= 1; carry--) {
                        due.add(a);
                    }
                }
                for (int k = 0; k < due.size(); k++) {
                    long dueNanos = start + (long) ((s.t() + k / (double) due.size()) / speed * 1e9);
                    LockSupport.parkNanos(dueNanos - System.nanoTime());
                    Trace.Arrival a = due.get(k);
                    ctx.count("arrivals");
                    arrive(ctx, "replay-" + RUN + "-" + i++, a, dueNanos, messagesPerChat, speed, waits, firstReplies, shoppers);
                }
            }
            // Let the last chats finish: the longest recorded handling time (compressed), plus a margin.
            long maxHandle = java.util.Arrays.stream(handled).max().orElse(120);
            long deadline = System.nanoTime() + (long) ((maxHandle / speed + 30) * 1e9);
            while (System.nanoTime() < deadline && ctx.counter("closed") + ctx.counter("failures") < ctx.counter("arrivals")) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        long unserved = ctx.counter("arrivals") - ctx.counter("closed") - ctx.counter("failures");
        ctx.add("unserved", Math.max(0, unserved));
        synchronized (shoppers) {
            shoppers.forEach(WsClient::close);
        }
        agents.forEach(WsClient::close);
        List<long[]> depth = ctx.queueDepthSeries().stream().filter(d -> d[1] >= 0).toList();
        return new Result(speed, scale, ctx.counter("arrivals"), ctx.counter("greeted"), ctx.counter("assigned"), ctx.counter("closed"),
                Math.max(0, unserved), waits.total(), firstReplies.total(), ctx.greeting.total(),
                depth.stream().mapToLong(d -> d[1]).max().orElse(-1), depth.stream().mapToLong(d -> d[1]).average().orElse(-1));
    }

    private static void arrive(Context ctx, String id, Trace.Arrival a, long due, long messages, double speed,
                               LatencyRecorder waits, LatencyRecorder firstReplies, List<WsClient> shoppers) {
        ctx.connect(ctx.customerUri, new WsClient.Listener() {
            private volatile boolean greeted;
            private volatile boolean answered;
            private volatile boolean closed;

            @Override
            public void onOpen(WsClient c) {
                shoppers.add(c);
                c.send(ctx.customerHello(id, a.tier(), a.tags(), a.group()));
            }

            @Override
            public void onText(WsClient c, String text) {
                JsonNode m = Context.parse(text);
                switch (m.path("type").asText()) {
                    case "script" -> {
                        if (!greeted && "greeting".equals(m.path("kind").asText())) {
                            greeted = true;
                            ctx.greeting.recordMicros(Scenarios.micros(due));
                            ctx.count("greeted");
                            for (long k = 0; k < messages; k++) { // the trace's messages per chat, a second of trace time apart
                                ctx.timer.schedule(() -> c.send("{\"type\":\"message\",\"text\":\"about my order\"}"),
                                        Math.round(k * 1000 / speed), TimeUnit.MILLISECONDS);
                            }
                        }
                    }
                    case "queued" -> ctx.count("queued");
                    case "assigned" -> {
                        ctx.count("assigned");
                        waits.recordMicros(Scenarios.micros(due));
                    }
                    case "message" -> {
                        if (!answered && "agent".equals(m.path("from").asText())) {
                            answered = true;
                            firstReplies.recordMicros(Scenarios.micros(due));
                        }
                    }
                    case "closed" -> {
                        closed = true;
                        ctx.count("closed");
                        c.close();
                    }
                    case "error" -> ctx.count("errors");
                    default -> {
                    }
                }
            }

            @Override
            public void onClose(WsClient c, int code) {
                if (!closed && !greeted) {
                    ctx.fail("closed before the greeting, code " + code);
                }
            }
        }).whenComplete((c, e) -> {
            if (e != null) {
                ctx.fail("connect failed: " + e.getClass().getSimpleName());
            }
        });
    }
}
