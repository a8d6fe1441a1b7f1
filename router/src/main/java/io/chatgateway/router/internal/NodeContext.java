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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * What every rule of one node shares: the options, the store, the bus to other nodes, the clock
 * and worker, the routing configuration and scripts in force, and the meters.
 *
 * <p><b>Lanes.</b> The router runs its events on {@link RouterOptions#workers()} lanes, each a
 * {@link Scheduler.Worker} of the injected scheduler: a participant's events always on the lane
 * of its id ({@link #laneOf}), so each shopper's and agent's events stay in order while others
 * run in parallel. What lanes share here is immutable and volatile (config, scripts) or
 * concurrent; decisions that touch several participants are atomic steps of the store, exactly as
 * when several nodes race. A task knows its lane ({@link #currentLane}): a connection's gate
 * ({@code Delivery}) holds frames of other lanes while its own lane sends it a history.
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
    private final Scheduler.Worker[] lanes;
    /** Per lane: continuations of its tasks handed to it ({@link #thisTask}), run whenever its thread is free. */
    private final java.util.Queue<Runnable>[] hops;
    /** Per lane: its thread while a task of it waits in {@link #await} (woken for each continuation), else null. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Thread> awaiting;
    private final RouterMetrics metrics;
    private volatile VersionedConfig config;
    private volatile ScriptLibrary scripts;
    private final Set<String> gaugedQueues = ConcurrentHashMap.newKeySet();
    private volatile Map<String, Map<Tier, Integer>> depths = Map.of();

    @SuppressWarnings("unchecked")
    public NodeContext(RouterOptions options, ChatStore store, NodeBus bus, Scheduler scheduler, MeterRegistry meters) {
        this.options = options;
        this.store = store;
        this.shared = store.shared();
        this.bus = bus;
        this.scheduler = scheduler;
        this.lanes = new Scheduler.Worker[options.workers()];
        this.hops = new java.util.Queue[lanes.length];
        this.awaiting = new java.util.concurrent.atomic.AtomicReferenceArray<>(lanes.length);
        this.tasks = new java.util.concurrent.atomic.AtomicLongArray(lanes.length * 16);
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = scheduler.createWorker(); // a parallel scheduler hands out its threads round-robin
            hops[i] = new java.util.concurrent.ConcurrentLinkedQueue<>();
        }
        this.metrics = new RouterMetrics(meters, options.activity(), store);
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

    /** The worker of the lane this task runs on, else lane 0's (the lane of ticks and admin calls). */
    public Scheduler.Worker worker() {
        int lane = currentLane();
        return lanes[lane < 0 ? 0 : lane];
    }

    /** How many lanes this node runs. */
    public int lanes() {
        return lanes.length;
    }

    /** The lane of a participant (shopper or agent id): all its events run there, in order. */
    public int laneOf(String key) {
        if (lanes.length == 1 || key == null) {
            return 0;
        }
        int h = key.hashCode() * 0x9E3779B9; // spread: ids often differ only in their last characters
        return Math.floorMod(h ^ (h >>> 16), lanes.length);
    }

    /** The worker of a lane. */
    public Scheduler.Worker lane(int lane) {
        return lanes[lane];
    }

    /** Stops every lane; pending tasks and timers are dropped. */
    public void dispose() {
        for (Scheduler.Worker w : lanes) {
            w.dispose();
        }
    }

    /**
     * Runs {@code task} after {@code delay} on this task's lane (lane 0 off the lanes), as a task of
     * that lane. Cancel with the returned handle; a cancel racing the run is harmless, every timer
     * re-checks the state it acts on.
     */
    public reactor.core.Disposable later(Runnable task, long delay, TimeUnit unit) {
        int lane = Math.max(0, currentLane());
        return lanes[lane].schedule(() -> asLane(lane, () -> guarded(task)), delay, unit);
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

    /** Waiting chats per group and tier as last read by {@link #depths()} (at the latest on the last tick). */
    public Map<String, Map<Tier, Integer>> lastDepths() {
        return depths;
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

    /** What the current thread runs: a lane's task (lane, task), and the task a store callback acts for. */
    /** A stage that is already done: what an event or step answers when it has nothing to wait for. */
    public static final java.util.concurrent.CompletionStage<Void> DONE = java.util.concurrent.CompletableFuture.completedFuture(null);

    private static final class Running {
        int lane = -1;
        long task = Gate.NO_TASK;
        int actingLane = -1;
        long actingTask = Gate.NO_TASK;
    }

    private final ThreadLocal<Running> running = ThreadLocal.withInitial(Running::new); // per router: two in one JVM never mix
    /**
     * Numbers each lane task, for the gates it holds (see {@link #currentTask}): a count per lane (a
     * cache line apart, so lanes do not contend), interleaved so that no two lanes' numbers meet.
     */
    private final java.util.concurrent.atomic.AtomicLongArray tasks;
    /** Work handed over by other threads (event loops, a store's I/O thread), run by a lane before its next task. */
    private final java.util.Queue<Runnable> inbox = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** The lane whose task runs on this thread now (or that a store callback acts for), -1 when none. */
    public int currentLane() {
        Running r = running.get();
        return r.actingLane >= 0 ? r.actingLane : r.lane;
    }

    /**
     * The task running on this thread now (or that a store callback acts for), {@link Gate#NO_TASK}
     * when none. A connection's gate belongs to the task that holds it, not to its lane: a task that
     * waits for the store leaves its lane to other participants' tasks, whose frames must not pass
     * the gate it holds.
     */
    public long currentTask() {
        Running r = running.get();
        return r.actingTask != Gate.NO_TASK ? r.actingTask : r.task;
    }

    /**
     * Runs a store callback for {@code task} of {@code lane}, which waits for that very store step
     * (on its lane, or parked until the step completes): its sends count as the task's own (a gate
     * the task holds does not hold them). Unlike a lane's task it may not run blocking work:
     * {@link #onWorker} still hands that over.
     */
    public void actingFor(int lane, long task, Runnable callback) {
        Running r = running.get();
        int outerLane = r.actingLane;
        long outerTask = r.actingTask;
        r.actingLane = lane;
        r.actingTask = task;
        try {
            callback.run();
        } finally {
            r.actingLane = outerLane;
            r.actingTask = outerTask;
        }
    }

    /** Runs a new task of {@code lane} (after what other threads handed over), marked as such for {@link #onWorker}, {@link #currentLane} and {@link #currentTask}. */
    public void asLane(int lane, Runnable task) {
        asTask(lane, tasks.incrementAndGet(lane * 16) * lanes.length + lane, task); // never 0 (NO_TASK)
    }

    /**
     * An executor that runs the rest of the current lane task later on its lane, as the same task:
     * the continuation of a task that waited for the store without holding its lane. Its gates
     * still let its frames through, and blocking store calls are allowed again there.
     */
    public java.util.concurrent.Executor thisTask() {
        int lane = Math.max(0, currentLane());
        long task = currentTask();
        return work -> {
            hops[lane].add(() -> asTask(lane, task, work));
            Thread waiting = awaiting.get(lane);
            if (waiting != null) {
                java.util.concurrent.locks.LockSupport.unpark(waiting); // a task of the lane waits in await(): it runs it
            }
            lanes[lane].schedule(() -> runHops(lane));
        };
    }

    /** Runs the continuations handed to the lane (at once when its thread is free, else from {@link #await}). */
    private void runHops(int lane) {
        for (Runnable hop = hops[lane].poll(); hop != null; hop = hops[lane].poll()) {
            hop.run();
        }
    }

    /**
     * Waits on this lane's thread for a stage that may need this lane to complete (its chain goes on
     * here through {@link #thisTask}): meanwhile the lane runs the continuations handed to it, of
     * this task or of others. For a blocking caller of a step that does not wait for the store
     * itself; an answer later than {@link #AWAIT_LIMIT} counts as the store being away.
     */
    public <T> T await(java.util.concurrent.CompletionStage<T> stage) {
        java.util.concurrent.CompletableFuture<T> f = stage.toCompletableFuture();
        int lane = running.get().lane;
        if (!f.isDone() && lane >= 0) {
            Thread self = Thread.currentThread();
            Thread outer = awaiting.get(lane);
            awaiting.set(lane, self);
            f.whenComplete((v, e) -> java.util.concurrent.locks.LockSupport.unpark(self));
            long deadline = System.nanoTime() + AWAIT_LIMIT.toNanos();
            try {
                while (!f.isDone()) {
                    Runnable hop = hops[lane].poll();
                    if (hop != null) {
                        hop.run();
                    } else if (System.nanoTime() > deadline) {
                        throw new StoreUnavailableException("no answer from the store within " + AWAIT_LIMIT.toSeconds() + " s", null);
                    } else {
                        java.util.concurrent.locks.LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
                    }
                }
            } finally {
                awaiting.set(lane, outer);
            }
        }
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** How long {@link #await} waits: well above any store's command timeout (Redis: 1 s), a guard against a lost answer. */
    private static final java.time.Duration AWAIT_LIMIT = java.time.Duration.ofSeconds(30);

    /**
     * Continues this task with {@code next} once {@code stage} completes: at once when it has and
     * this thread is the lane's (a memory store), else later on this task's lane, as this task,
     * where {@code next} may block.
     */
    public <T, U> java.util.concurrent.CompletionStage<U> thenOnLane(java.util.concurrent.CompletionStage<T> stage,
                                                                    java.util.function.Function<? super T, ? extends java.util.concurrent.CompletionStage<U>> next) {
        java.util.concurrent.CompletableFuture<T> f = stage.toCompletableFuture();
        return f.isDone() && running.get().lane >= 0 ? applyNow(f, next) : f.thenComposeAsync(next, thisTask());
    }

    /**
     * Continues this task with {@code next} on whichever thread completes {@code stage} (a store's
     * I/O thread), acting for this task ({@link #actingFor}): {@code next} must not block. It saves
     * the hop to the lane where the next step is only more non-blocking store work and sends.
     */
    public <T, U> java.util.concurrent.CompletionStage<U> thenAtOnce(java.util.concurrent.CompletionStage<T> stage,
                                                                    java.util.function.Function<? super T, ? extends java.util.concurrent.CompletionStage<U>> next) {
        java.util.concurrent.CompletableFuture<T> f = stage.toCompletableFuture();
        if (f.isDone()) {
            return applyNow(f, next); // this thread already runs as (or acts for) this task: a memory store's answers
        }
        int lane = currentLane();
        long task = currentTask();
        return f.thenCompose(v -> {
            Object[] out = new Object[1];
            actingFor(lane, task, () -> out[0] = next.apply(v));
            @SuppressWarnings("unchecked")
            java.util.concurrent.CompletionStage<U> s = (java.util.concurrent.CompletionStage<U>) out[0];
            return s;
        });
    }

    /** {@code next} of a completed stage's value on this thread, without the allocations of {@code thenCompose}; a failure passes on. */
    private static <T, U> java.util.concurrent.CompletionStage<U> applyNow(java.util.concurrent.CompletableFuture<T> done,
                                                                          java.util.function.Function<? super T, ? extends java.util.concurrent.CompletionStage<U>> next) {
        T value;
        try {
            value = done.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e.getCause() != null ? e.getCause() : e);
        }
        try {
            return next.apply(value);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    private void asTask(int lane, long task, Runnable work) {
        Running r = running.get();
        int outerLane = r.lane;
        long outerTask = r.task;
        int outerActingLane = r.actingLane;
        long outerActingTask = r.actingTask;
        r.lane = lane;
        r.task = task;
        r.actingLane = -1;
        r.actingTask = Gate.NO_TASK;
        try {
            for (Runnable w = inbox.poll(); w != null; w = inbox.poll()) {
                guarded(w);
            }
            work.run();
        } finally {
            r.lane = outerLane;
            r.task = outerTask;
            r.actingLane = outerActingLane;
            r.actingTask = outerActingTask;
        }
    }

    /**
     * Runs {@code work} on a lane: at once when called from a lane's task (a store that answered
     * at once), else before the next task of any lane (at the latest the next tick, within a
     * second). A store's I/O thread or an event loop must never run blocking store calls: they hand
     * them over here. (Not scheduled as a task of its own: a virtual-time worker would run it at
     * once on the calling thread.)
     */
    public void onWorker(Runnable work) {
        if (running.get().lane >= 0) {
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
