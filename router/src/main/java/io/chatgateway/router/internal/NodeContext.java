package io.chatgateway.router.internal;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.chatgateway.router.script.ScriptLibrary;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.StoreUnavailableException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * What every rule of one node shares: the options, the store, the bus to other nodes, the clock
 * and worker, the routing configuration and scripts in force, and the meters.
 *
 * <p>Changed only on the router's worker; read also by the threads that take chat messages (the
 * hot path does not go through the worker), so what those read is immutable and volatile.
 */
public final class NodeContext {
    private static final Logger log = LoggerFactory.getLogger("io.chatgateway.router.Router");
    /**
     * Bound of this node's notes per chat. With several nodes a chat may close on another node, so
     * its notes here are never removed; the bound keeps that from growing without end. It is far
     * above the open chats one node holds (~20,000), so one node never loses a live note.
     */
    private static final int MAX_CHAT_NOTES = 100_000;

    private final RouterOptions options;
    private final ChatStore store;
    private final boolean shared;
    private final NodeBus bus;
    private final MessageCodec codec = MessageCodec.json(ProtocolLimits.defaults());
    private final Scheduler scheduler;
    private final Scheduler.Worker worker;
    private final RouterMetrics metrics;
    private volatile VersionedConfig config;
    private volatile ScriptLibrary scripts;
    private final Set<String> gaugedQueues = new HashSet<>();
    private volatile Map<String, Map<Tier, Integer>> depths = Map.of();

    public NodeContext(RouterOptions options, ChatStore store, NodeBus bus, Scheduler scheduler, MeterRegistry meters) {
        this.options = options;
        this.store = store;
        this.shared = store.shared();
        this.bus = bus;
        this.scheduler = scheduler;
        this.worker = scheduler.createWorker();
        this.metrics = new RouterMetrics(meters);
        this.scripts = ScriptLibrary.defaults(options.defaultLang());
        this.config = store.config();
    }

    public RouterOptions options() {
        return options;
    }

    public ChatStore store() {
        return store;
    }

    /** Several nodes share the store: timers, care state and presence live there, frames may go to other nodes. */
    public boolean shared() {
        return shared;
    }

    public NodeBus bus() {
        return bus;
    }

    public MessageCodec codec() {
        return codec;
    }

    public Scheduler.Worker worker() {
        return worker;
    }

    public RouterMetrics metrics() {
        return metrics;
    }

    /** The injected clock (virtual in tests), epoch milliseconds. */
    public long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    public VersionedConfig config() {
        return config;
    }

    public RoutingConfig cfg() {
        return config.config();
    }

    public void config(VersionedConfig next) {
        this.config = next;
    }

    public ScriptLibrary scripts() {
        return scripts;
    }

    public void scripts(ScriptLibrary next) {
        this.scripts = next;
    }

    /** Waiting chats per group and tier, read from the store now (and kept for the gauges). */
    public Map<String, Map<Tier, Integer>> depths() {
        Map<String, Map<Tier, Integer>> d = store.queueDepths();
        depths = d;
        return d;
    }

    /** Registers the queue-depth gauges of a group once. */
    public void gaugeQueue(String group) {
        if (gaugedQueues.add(group)) {
            for (Tier t : Tier.values()) {
                Gauge.builder("chat.queue.depth", () -> depths.getOrDefault(group, Map.of()).getOrDefault(t, 0))
                        .tag("group", group).tag("tier", t.wire()).description("shoppers waiting")
                        .register(metrics.registry);
            }
        }
    }

    /** A size-bounded map for per-chat notes of this node (see {@link #MAX_CHAT_NOTES}). */
    public static <V> Map<String, V> perChat() {
        return Caffeine.newBuilder().maximumSize(MAX_CHAT_NOTES).executor(Runnable::run).<String, V>build().asMap();
    }

    private static final ThreadLocal<Boolean> ON_WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** Work handed over by other threads (event loops, a store's I/O thread), run by the worker before its next task. */
    private final java.util.Queue<Runnable> inbox = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Runs a task of the worker (after what other threads handed over), marked as such for {@link #onWorker}. */
    public void asWorker(Runnable task) {
        boolean outer = ON_WORKER.get();
        ON_WORKER.set(Boolean.TRUE);
        try {
            for (Runnable r = inbox.poll(); r != null; r = inbox.poll()) {
                guarded(r);
            }
            task.run();
        } finally {
            ON_WORKER.set(outer);
        }
    }

    /**
     * Runs {@code work} on the worker: at once when called from a worker task (a store that
     * answered at once), else before the worker's next task (at the latest its next tick, within a
     * second). A store's I/O thread or an event loop must never run blocking store calls: they hand
     * them over here. (Not scheduled as a task of its own: a virtual-time worker would run it at
     * once on the calling thread.)
     */
    public void onWorker(Runnable work) {
        if (ON_WORKER.get()) {
            guarded(work);
        } else {
            inbox.add(work);
        }
    }

    /** Runs timer work; returns false when it failed (an outage is logged in one line, a bug with its stack). */
    public boolean guarded(Runnable r) {
        try {
            r.run();
            return true;
        } catch (StoreUnavailableException e) {
            log.warn("store unavailable during timer work: {}", e.getMessage());
            return false;
        } catch (RuntimeException e) {
            log.error("router timer failed", e);
            return false;
        }
    }
}
