package io.chatgateway.router.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ETA honesty, measured: for every chat that had to queue and was promised a wait, the actual
 * wait to its first assignment minus the promise, in seconds (positive: the shopper waited longer
 * than told). Kept per group and tier over the last {@link #WINDOW} chats of this node, so the
 * figures follow the current routing and load; shown at {@code /admin/queues} and as the gauges
 * {@code chat.eta.error{group,tier,quantile=0.5|0.9}} and {@code chat.eta.samples{group,tier}}.
 */
public final class EtaAccuracy {
    /** Chats per group and tier the percentiles are taken over. */
    static final int WINDOW = 1000;

    private final MeterRegistry registry;
    private final Map<String, Window> windows = new ConcurrentHashMap<>(); // "group|tier"

    /** p50 and p90 of actual − promised seconds over {@code samples} chats (0 samples: both 0). */
    public record Figures(int samples, long p50Seconds, long p90Seconds) {
        public static final Figures NONE = new Figures(0, 0, 0);
    }

    EtaAccuracy(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A promised chat got its first agent after waiting {@code actualSeconds}. */
    public void record(String group, String tier, long promisedSeconds, long actualSeconds) {
        windows.computeIfAbsent(group + "|" + tier, k -> register(group, tier, new Window())).add(actualSeconds - promisedSeconds);
    }

    public Figures figures(String group, String tier) {
        Window w = windows.get(group + "|" + tier);
        return w == null ? Figures.NONE : w.figures();
    }

    private Window register(String group, String tier, Window w) {
        Gauge.builder("chat.eta.error", w, x -> x.figures().p50Seconds()).tag("group", group).tag("tier", tier).tag("quantile", "0.5")
                .baseUnit("seconds").description("actual minus promised wait, this node's last " + WINDOW + " chats").register(registry);
        Gauge.builder("chat.eta.error", w, x -> x.figures().p90Seconds()).tag("group", group).tag("tier", tier).tag("quantile", "0.9")
                .baseUnit("seconds").description("actual minus promised wait, this node's last " + WINDOW + " chats").register(registry);
        Gauge.builder("chat.eta.samples", w, x -> x.figures().samples()).tag("group", group).tag("tier", tier)
                .description("promised chats the ETA error is taken over").register(registry);
        return w;
    }

    /** The last {@link #WINDOW} errors of one group and tier (a ring). */
    private static final class Window {
        private final long[] errors = new long[WINDOW];
        private int next;
        private int size;

        synchronized void add(long error) {
            errors[next] = error;
            next = (next + 1) % WINDOW;
            size = Math.min(WINDOW, size + 1);
        }

        synchronized Figures figures() {
            if (size == 0) {
                return Figures.NONE;
            }
            long[] sorted = Arrays.copyOf(errors, size);
            Arrays.sort(sorted);
            return new Figures(size, sorted[(int) Math.ceil(0.5 * size) - 1], sorted[(int) Math.ceil(0.9 * size) - 1]);
        }
    }
}
