package io.chatgateway.router.store;

import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.store.ChatStore.Care;
import io.chatgateway.router.store.ChatStore.Spoken;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * The chat logs of the memory store: per chat its events (bounded), last seq, recent client frame
 * keys, message route ({@link LogRoute}) and care state, each chat under its own lock, so
 * messages of different chats never wait for each other nor for routing decisions (which take the
 * store's lock).
 */
final class MemoryChatLogs {
    /** Client frame ids remembered per chat to drop resends after a reconnect. */
    static final int RECENT_CLIENT_IDS = 64;

    /** Arms a shared deadline (the store's timers); never called with a chat's lock held (the store's lock comes first). */
    interface Timers {
        void arm(String name, long dueMillis);
    }

    private static final class Log {
        final ArrayDeque<ChatEvent> events = new ArrayDeque<>(4); // grows as needed; a waiting shopper has a few events
        /** Made on the first client key: most chats of an idle or waiting shopper never need one (heap per session). */
        ArrayDeque<String> recentIds;
        long lastSeq;
        String route = LogRoute.WAITING;
    }

    private final int maxLogEvents;
    private final Timers timers;
    private final Map<String, Log> logs = new ConcurrentHashMap<>();
    /** Care state by chat; changed only by atomic map steps (compute), also under a chat's lock in say. */
    private final Map<String, Care> care = new ConcurrentHashMap<>();
    /** The care deadline last armed per chat (see ChatStore.armCare), read by say to arm only an earlier one. */
    private final Map<String, Long> armedCare = new ConcurrentHashMap<>();

    MemoryChatLogs(int maxLogEvents, Timers timers) {
        this.maxLogEvents = maxLogEvents;
        this.timers = timers;
    }

    void create(String chatId) {
        logs.put(chatId, new Log());
    }

    /** The chat is gone for good (evicted after its close). */
    void remove(String chatId) {
        logs.remove(chatId);
        dropCare(chatId);
    }

    /** The chat closed: resends and care no longer matter (its log stays for late resumes). */
    void closed(String chatId) {
        Log log = logs.get(chatId);
        if (log != null) {
            synchronized (log) {
                log.recentIds = null;
            }
        }
        dropCare(chatId);
    }

    private Log log(String chatId) {
        Log log = logs.get(chatId);
        if (log == null) {
            throw new IllegalArgumentException("no log for chat " + chatId);
        }
        return log;
    }

    <E extends ChatEvent> E append(String chatId, LongFunction<E> event, ChatStore.Appended<E> inLogOrder) {
        Log log = log(chatId);
        synchronized (log) {
            E e = appendLocked(log, event);
            inLogOrder.accept(e, null, LogRoute.agentOf(log.route));
            return e;
        }
    }

    private <E extends ChatEvent> E appendLocked(Log log, LongFunction<E> event) {
        E e = event.apply(log.lastSeq + 1);
        if (e.seq() != log.lastSeq + 1) {
            throw new IllegalStateException("event seq " + e.seq() + " (expected " + (log.lastSeq + 1) + ")");
        }
        log.lastSeq = e.seq();
        log.events.addLast(e);
        if (log.events.size() > maxLogEvents) {
            log.events.removeFirst();
        }
        String route = LogRoute.change(e);
        if (route != null) {
            log.route = route;
        }
        return e;
    }

    /** False when the key was seen (a resend); else remembers it. */
    private static boolean firstTime(Log log, String clientKey) {
        if (clientKey == null) {
            return true;
        }
        if (log.recentIds == null) {
            log.recentIds = new ArrayDeque<>(4);
        } else if (log.recentIds.contains(clientKey)) {
            return false;
        }
        log.recentIds.addLast(clientKey);
        if (log.recentIds.size() > RECENT_CLIENT_IDS) {
            log.recentIds.removeFirst();
        }
        return true;
    }

    <E extends ChatEvent> Optional<E> appendOnce(String chatId, String clientKey, LongFunction<E> event) {
        Log log = log(chatId);
        synchronized (log) {
            return firstTime(log, clientKey) ? Optional.of(appendLocked(log, event)) : Optional.empty();
        }
    }

    <E extends ChatEvent> Spoken<E> say(String chatId, String byAgent, String clientKey, long nowMillis, String timer,
                                        long nudgeAfterMillis, LongFunction<E> event, java.util.function.Consumer<Spoken<E>> inLogOrder) {
        Log log = logs.get(chatId);
        if (log == null) {
            return Spoken.refused(Spoken.Outcome.UNKNOWN);
        }
        Spoken<E> said;
        long[] arm = {0};
        synchronized (log) {
            String agent = LogRoute.agentOf(log.route);
            if (LogRoute.CLOSED.equals(log.route)) {
                return Spoken.refused(Spoken.Outcome.CLOSED);
            }
            if (byAgent != null && !byAgent.equals(agent)) {
                return Spoken.refused(Spoken.Outcome.NOT_YOURS);
            }
            if (!firstTime(log, clientKey)) {
                return Spoken.refused(Spoken.Outcome.RESENT);
            }
            E e = appendLocked(log, event);
            Care[] before = new Care[1];
            care.computeIfPresent(chatId, (k, c) -> {
                before[0] = c;
                if (byAgent != null) {
                    return new Care(c.version() + 1, nowMillis, Care.NONE, false, Care.NONE, true, c.idle()); // only the shopper wakes it
                }
                boolean startsWaiting = c.awaitingSince() == Care.NONE;
                if (startsWaiting) {
                    long due = nowMillis + nudgeAfterMillis;
                    Long armed = armedCare.get(chatId);
                    if (armed == null || armed > due) {
                        armedCare.put(chatId, due);
                        arm[0] = due;
                    }
                }
                return new Care(c.version() + 1, c.lastAgent(), startsWaiting ? nowMillis : c.awaitingSince(),
                        !startsWaiting && c.nudged(), Care.NONE, c.humanReplied());
            });
            said = new Spoken<>(Spoken.Outcome.SAID, e, agent, before[0], null);
            inLogOrder.accept(said); // under the chat's lock: frames of one chat leave in seq order, from whichever thread
        }
        if (arm[0] > 0 && timer != null) {
            timers.arm(timer, arm[0]); // outside the chat's lock: the store's comes first
        }
        return said;
    }

    long lastSeq(String chatId) {
        Log log = logs.get(chatId);
        if (log == null) {
            return 0;
        }
        synchronized (log) {
            return log.lastSeq;
        }
    }

    List<ChatEvent> eventsAfter(String chatId, long afterSeq) {
        Log log = logs.get(chatId);
        if (log == null) {
            return List.of();
        }
        synchronized (log) {
            List<ChatEvent> out = new ArrayList<>();
            for (ChatEvent e : log.events) {
                if (e.seq() > afterSeq) {
                    out.add(e);
                }
            }
            return out;
        }
    }

    // ---- care

    Optional<Care> care(String chatId) {
        return Optional.ofNullable(care.get(chatId));
    }

    void putCare(String chatId, Care c) {
        care.put(chatId, c);
    }

    boolean replaceCare(String chatId, long expectedVersion, Care next) {
        boolean[] done = new boolean[1];
        care.computeIfPresent(chatId, (k, old) -> {
            if (old.version() != expectedVersion) {
                return old;
            }
            done[0] = true;
            return new Care(expectedVersion + 1, next.lastAgent(), next.awaitingSince(), next.nudged(), next.promptedAt(),
                    next.humanReplied(), next.idle());
        });
        return done[0];
    }

    void dropCare(String chatId) {
        care.remove(chatId);
        armedCare.remove(chatId);
    }

    /** The deadline to arm: the earlier of {@code deadline} and a waiting shopper's nudge; recorded as armed. */
    long armCare(String chatId, long deadline, long nudgeAfterMillis) {
        long[] due = {deadline};
        care.computeIfPresent(chatId, (k, c) -> {
            if (c.awaitingSince() != Care.NONE) {
                due[0] = Math.min(deadline, c.awaitingSince() + nudgeAfterMillis);
            }
            armedCare.put(chatId, due[0]);
            return c;
        });
        return due[0];
    }
}
