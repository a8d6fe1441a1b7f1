package io.chatgateway.router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Virtual time for routers on a real Redis: every lane runs on the test's thread, as with a plain
 * {@link VirtualTimeScheduler}, but work handed to a lane from another thread (a Redis reply that
 * lets a router event go on) waits until the test thread runs it, as a lane thread would, instead
 * of running on the Redis client's I/O thread (where a {@code VirtualTimeScheduler} would run it,
 * and a blocking store call there would wait for itself). {@link #advanceTime} and
 * {@link #advanceTimeBy} first let the routers finish what they were given ({@code Router.settle}),
 * so time moves only between events, as it does in the single-threaded tests.
 */
final class VirtualLanes implements Scheduler {
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final Thread owner = Thread.currentThread();
    private final Queue<Runnable> handedOver = new ConcurrentLinkedQueue<>();
    private final List<Router> routers = new ArrayList<>();

    /** A router whose events {@link #advanceTime} waits for. */
    void watch(Router router) {
        routers.add(router);
    }

    /** Runs what is due now, once the routers settled. */
    void advanceTime() {
        settle();
        time.advanceTime();
        runHandedOver();
    }

    /** Moves the clock on, once the routers settled, running what falls due. */
    void advanceTimeBy(Duration d) {
        settle();
        time.advanceTimeBy(d);
        runHandedOver();
    }

    /** Runs, on this thread, what other threads handed to the lanes. */
    private boolean runHandedOver() {
        boolean ran = false;
        for (Runnable r = handedOver.poll(); r != null; r = handedOver.poll()) {
            r.run();
            ran = true;
        }
        return ran;
    }

    /** Waits (running handed-over work) until every router ran every event given so far. */
    private void settle() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("virtual lanes are driven from the test's thread");
        }
        for (Router r : routers) {
            CompletableFuture<Void> done = r.settle().toFuture();
            long deadline = System.nanoTime() + SETTLE.toNanos();
            while (!done.isDone()) {
                if (!runHandedOver()) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("a router did not settle within " + SETTLE);
                    }
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // a Redis reply is on its way
                }
            }
        }
    }

    /** Schedules now on the test's thread, or hands the scheduling to it from any other thread. */
    private Disposable onTestThread(java.util.function.Supplier<Disposable> schedule) {
        if (Thread.currentThread() != owner) {
            handedOver.add(() -> {
                try {
                    schedule.get();
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    // a lane stopped meanwhile runs nothing more
                }
            });
            return () -> { };
        }
        return schedule.get();
    }

    @Override
    public Disposable schedule(Runnable task) {
        return onTestThread(() -> time.schedule(task));
    }

    @Override
    public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
        return onTestThread(() -> time.schedule(task, delay, unit));
    }

    @Override
    public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
        return time.schedulePeriodically(task, initialDelay, period, unit);
    }

    @Override
    public long now(TimeUnit unit) {
        return time.now(unit);
    }

    @Override
    public Worker createWorker() {
        Worker lane = time.createWorker();
        return new Worker() {
            @Override
            public Disposable schedule(Runnable task) {
                return onTestThread(() -> lane.schedule(task));
            }

            @Override
            public Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                return onTestThread(() -> lane.schedule(task, delay, unit));
            }

            @Override
            public Disposable schedulePeriodically(Runnable task, long initialDelay, long period, TimeUnit unit) {
                return lane.schedulePeriodically(task, initialDelay, period, unit);
            }

            @Override
            public void dispose() {
                lane.dispose();
            }

            @Override
            public boolean isDisposed() {
                return lane.isDisposed();
            }
        };
    }

    @Override
    public void dispose() {
        time.dispose();
    }
}
