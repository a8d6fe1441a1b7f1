package io.chatgateway.router.internal;

import io.chatgateway.protocol.Tier;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.StoreUnavailableException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ETA honesty, measured: for every chat that had to queue and was promised a wait, the actual
 * wait to its first assignment minus the promise, in seconds (positive: the shopper waited longer
 * than told).
 *
 * <p>The store keeps the last {@link ChatStore#ETA_ERRORS_KEPT} errors per group and tier from every
 * node, so the figures follow the current routing and load, and every node's {@code /admin/queues}
 * shows the same ones (read when asked). The gauges {@code chat.eta.error{group,tier,quantile=0.5|0.9}}
 * and {@code chat.eta.samples{group,tier}} show the figures last read: by {@code /admin/queues}, or by
 * the router's tick at most every {@link #REFRESH_MILLIS} ms, so a scrape never waits for the store.
 */
public final class EtaAccuracy {
    /** How often the tick rereads the figures behind the gauges. */
    static final long REFRESH_MILLIS = 15_000;

    private final MeterRegistry registry;
    private final ChatStore store;
    private final Map<Key, Figures> latest = new ConcurrentHashMap<>(); // gauged figures

    private record Key(String group, String tier) {
    }
    private volatile long refreshedAt = Long.MIN_VALUE / 2;

    /** p50 and p90 of actual − promised seconds over {@code samples} chats (0 samples: both 0). */
    public record Figures(int samples, long p50Seconds, long p90Seconds) {
        public static final Figures NONE = new Figures(0, 0, 0);

        static Figures of(List<Long> errors) {
            if (errors.isEmpty()) {
                return NONE;
            }
            long[] sorted = errors.stream().mapToLong(Long::longValue).sorted().toArray();
            int n = sorted.length;
            return new Figures(n, sorted[(int) Math.ceil(0.5 * n) - 1], sorted[(int) Math.ceil(0.9 * n) - 1]);
        }
    }

    EtaAccuracy(MeterRegistry registry, ChatStore store) {
        this.registry = registry;
        this.store = store;
    }

    /** A promised chat got its first agent after waiting {@code actualSeconds}. */
    public void record(String group, String tier, long promisedSeconds, long actualSeconds) {
        try {
            store.noteEtaError(group, tier, actualSeconds - promisedSeconds); // not waited for: any thread may call it
        } catch (StoreUnavailableException e) {
            // The chat is assigned already; one sample fewer is better than failing the hand-over for a figure.
        }
    }

    /** The figures of every node's chats of this group and tier, read now. */
    public Figures figures(String group, String tier) {
        Figures f = Figures.of(store.etaErrors(group, tier));
        Key key = new Key(group, tier);
        if (f.samples() > 0 && latest.put(key, f) == null) {
            register(key); // a series only where there is something to show (0 would read as "exact")
        }
        return f;
    }

    /** Rereads the gauged figures and those of the configured groups, at most every {@link #REFRESH_MILLIS} ms. */
    public void refresh(Iterable<String> groups, long nowMillis) {
        if (nowMillis - refreshedAt < REFRESH_MILLIS) {
            return;
        }
        refreshedAt = nowMillis;
        Set<Key> keys = new HashSet<>(latest.keySet());
        for (String g : groups) {
            for (Tier t : Tier.values()) {
                keys.add(new Key(g, t.wire()));
            }
        }
        for (Key key : keys) {
            figures(key.group(), key.tier());
        }
    }

    private void register(Key key) {
        String group = key.group();
        String tier = key.tier();
        String about = "actual minus promised wait, the last " + ChatStore.ETA_ERRORS_KEPT + " chats of all nodes";
        Gauge.builder("chat.eta.error", latest, m -> m.getOrDefault(key, Figures.NONE).p50Seconds())
                .tag("group", group).tag("tier", tier).tag("quantile", "0.5").baseUnit("seconds").description(about).register(registry);
        Gauge.builder("chat.eta.error", latest, m -> m.getOrDefault(key, Figures.NONE).p90Seconds())
                .tag("group", group).tag("tier", tier).tag("quantile", "0.9").baseUnit("seconds").description(about).register(registry);
        Gauge.builder("chat.eta.samples", latest, m -> m.getOrDefault(key, Figures.NONE).samples()).tag("group", group).tag("tier", tier)
                .description("promised chats the ETA error is taken over").register(registry);
    }
}
