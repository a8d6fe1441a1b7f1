package io.chatgateway.router.engine;

import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.router.Peer;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.store.StoreUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import reactor.core.publisher.Mono;

/**
 * Runs the router's events on its lanes, in each participant's order.
 *
 * <p>An event belongs to a participant (a shopper's or agent's id, a chat's for its deadlines;
 * none for ticks and admin calls, which run on lane 0) and runs on that participant's lane
 * ({@link NodeContext#laneOf}). An event may answer a stage instead of finishing at once: it waits
 * for the store <em>without holding its lane</em>. Until the stage completes, that participant's
 * later events are parked (kept in order, run after it), and every other participant's events on
 * the lane run meanwhile. The parking of a participant is touched only by its lane's thread, so it
 * needs no lock.
 *
 * <p>At most {@code maxPendingEvents} events wait (queued or parked); beyond that clients are told
 * {@code unavailable} rather than buffered without bound. {@link #settle} waits for every event
 * given so far, those waiting for the store too.
 */
final class Lanes {
    private static final Logger log = LoggerFactory.getLogger(DefaultRouter.class);

    /** A router event: run on its lane; it may answer a stage it waits for without holding the lane (null: done). */
    @FunctionalInterface
    interface Event {
        CompletionStage<?> run();

        /** An event that is done when {@code task} returns. */
        static Event of(Runnable task) {
            return () -> {
                task.run();
                return null;
            };
        }
    }

    private final NodeContext ctx;
    private final AtomicInteger pending = new AtomicInteger();
    /** Connections with events not yet done, and how many (absent: none, its messages take the hot path). */
    private final Map<Peer, Integer> queuedOf = new ConcurrentHashMap<>();
    /** Each connection's participant, from its hello to its end: its events' lane and parking. */
    private final Map<Peer, String> participantOf = new ConcurrentHashMap<>();
    /** Participants with an event waiting for the store, and their events since, in order (each touched on its lane only). */
    private final Map<String, Deque<Runnable>> parked = new ConcurrentHashMap<>();
    /** Events waiting for the store, for {@link #settle}. */
    private final Set<CompletableFuture<?>> waiting = ConcurrentHashMap.newKeySet();

    Lanes(NodeContext ctx) {
        this.ctx = ctx;
    }

    /** The connection's participant from now on (the same lane and order for every connection of theirs). */
    String bind(Peer peer, String participantId) {
        participantOf.put(peer, participantId);
        return participantId;
    }

    /** The connection's participant; null before its hello (told to send one, from lane 0). */
    String of(Peer peer) {
        return participantOf.get(peer);
    }

    /** The connection's last event: its participant, forgotten. */
    String unbind(Peer peer) {
        return participantOf.remove(peer);
    }

    /** Whether the connection has events not yet done (its messages must queue behind them). */
    boolean busy(Peer peer) {
        return queuedOf.containsKey(peer);
    }

    void submit(String participant, Peer peer, String ref, Runnable task) {
        submit(participant, peer, ref, Event.of(task), true);
    }

    /**
     * Runs an event on the participant's lane; failures become an error frame for the peer, never a
     * lost lane. {@code ordered}: the connection's later messages wait for it.
     */
    void submit(String participant, Peer peer, String ref, Event event, boolean ordered) {
        // Refuse rather than buffer without bound; disconnects (no peer) always pass, they free capacity.
        if (peer != null && pending.get() >= ctx.options().maxPendingEvents()) {
            Delivery.error(peer, ref, ErrorCode.UNAVAILABLE, "the gateway is overloaded; please retry shortly");
            return;
        }
        pending.incrementAndGet();
        Peer counted = ordered ? peer : null;
        if (counted != null) {
            queuedOf.merge(counted, 1, Integer::sum);
        }
        int lane = ctx.laneOf(participant);
        try {
            ctx.lane(lane).schedule(() -> ctx.asLane(lane, () -> start(participant, lane, peer, ref, event, counted)));
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            dequeued(counted);
            if (peer != null) {
                Delivery.error(peer, ref, ErrorCode.UNAVAILABLE, "the gateway is shutting down; reconnect shortly");
            }
        }
    }

    /** On the lane: runs the event, or parks it behind its participant's event that waits for the store. */
    private void start(String participant, int lane, Peer peer, String ref, Event event, Peer counted) {
        Deque<Runnable> behind = participant == null ? null : parked.get(participant);
        if (behind != null) {
            behind.add(() -> ctx.asLane(lane, () -> start(participant, lane, peer, ref, event, counted)));
            return;
        }
        pending.decrementAndGet();
        CompletableFuture<?> stage = withIds(peer, () -> {
            try {
                CompletionStage<?> s = event.run();
                return s == null ? null : s.toCompletableFuture();
            } catch (RuntimeException e) {
                failed(peer, ref, e);
                return null;
            }
        });
        if (stage == null || stage.isDone()) {
            if (stage != null && stage.isCompletedExceptionally()) {
                stage.whenComplete((v, e) -> failed(peer, ref, e));
            }
            dequeued(counted);
            return;
        }
        if (participant != null) {
            parked.put(participant, new ArrayDeque<>());
        }
        waiting.add(stage);
        stage.whenComplete((v, e) -> {
            Runnable done = () -> {
                try {
                    if (e != null) {
                        withIds(peer, () -> {
                            failed(peer, ref, e);
                            return null;
                        });
                    }
                } finally {
                    waiting.remove(stage);
                    dequeued(counted);
                    if (participant != null) {
                        unpark(participant);
                    }
                }
            };
            try {
                ctx.lane(lane).schedule(() -> ctx.asLane(lane, done));
            } catch (RejectedExecutionException stopped) {
                waiting.remove(stage); // a stopped lane runs nothing more
            }
        });
    }

    /** On the lane: runs the participant's parked events in order, until one waits for the store again. */
    private void unpark(String participant) {
        Deque<Runnable> behind = parked.remove(participant);
        while (behind != null && !behind.isEmpty()) {
            behind.poll().run();
            Deque<Runnable> again = parked.get(participant);
            if (again != null) {
                again.addAll(behind); // empty until now: this lane's thread is the only one that adds
                return;
            }
        }
    }

    /** The connection's event is done (its later messages may take the hot path again). */
    private void dequeued(Peer peer) {
        if (peer != null) {
            queuedOf.computeIfPresent(peer, (p, n) -> n == 1 ? null : n - 1);
        }
    }

    /** Runs work at once on this thread (the messages' hot path); failures become an error frame for the peer. */
    static void run(Peer peer, String ref, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            failed(peer, ref, e);
        }
    }

    /** An event failed: an outage is logged in one line, a bug with its stack; the peer is told {@code unavailable}. */
    private static void failed(Peer peer, String ref, Throwable thrown) {
        Throwable e = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
        if (e instanceof StoreUnavailableException) {
            log.warn("store unavailable: {}", e.getMessage());
            if (peer != null) {
                Delivery.error(peer, ref, ErrorCode.UNAVAILABLE, "the chat service is temporarily unavailable; please retry shortly");
            }
        } else {
            log.error("router event failed", e);
            if (peer != null) {
                Delivery.error(peer, ref, ErrorCode.UNAVAILABLE, "the request could not be processed; please retry");
            }
        }
    }

    /** Runs {@code work} with the connection's id (when not null) in the log context. */
    private static <T> T withIds(Peer peer, Supplier<T> work) {
        if (peer != null) {
            MDC.put("conn", peer.connectionId());
        }
        try {
            return work.get();
        } finally {
            if (peer != null) {
                MDC.remove("conn");
            }
        }
    }

    /** Admin calls run on lane 0, between its events and ticks. */
    <T> Mono<T> onLaneZero(Supplier<T> work) {
        return Mono.create(sink -> {
            try {
                ctx.lane(0).schedule(() -> ctx.asLane(0, () -> { // after what other threads handed over
                    try {
                        sink.success(work.get());
                    } catch (RuntimeException e) {
                        sink.error(e);
                    }
                }));
            } catch (RejectedExecutionException e) {
                sink.error(e);
            }
        });
    }

    /** Completes once every event given before has run, those that waited for the store too. */
    Mono<Void> settle() {
        List<Mono<Void>> marks = new ArrayList<>();
        for (int i = 0; i < ctx.lanes(); i++) {
            int lane = i;
            // A lane runs its tasks in order: once this mark has run, everything submitted before it has too.
            marks.add(Mono.create(sink -> {
                try {
                    ctx.lane(lane).schedule(() -> ctx.asLane(lane, sink::success));
                } catch (RejectedExecutionException e) {
                    sink.success(); // a stopped lane has nothing left to run
                }
            }));
        }
        return Mono.when(marks).then(Mono.defer(() -> {
            if (waiting.isEmpty()) {
                return Mono.empty();
            }
            // Events waiting for the store finish on their lane, and may have parked others: mark again after them.
            CompletableFuture<Void> all = CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new));
            return Mono.fromFuture(all.handle((v, e) -> null)).then(settle());
        }));
    }
}
