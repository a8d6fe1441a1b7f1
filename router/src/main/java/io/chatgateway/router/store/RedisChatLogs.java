package io.chatgateway.router.store;

import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.store.ChatStore.Care;
import io.chatgateway.router.store.ChatStore.Spoken;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat logs of the Redis store, in keys of the chat's own hash tag: {@code {<chatId>}:m}
 * (seq and message route), {@code :log} (events as JSON scored by seq, bounded), {@code :ids}
 * (recent client frame keys scored by seq) and {@code :care}. A message is one script on these
 * keys only, so on a Redis Cluster the message path of different chats spreads over every master;
 * only routing state (queues, agents, chat records, deadlines) shares the tag {@code {cg}}.
 */
final class RedisChatLogs {
    private static final Logger log = LoggerFactory.getLogger(RedisChatLogs.class);
    private static final String APPEND = LuaScripts.load(RedisChatLogs.class, "append");
    private static final String SAY = LuaScripts.load(RedisChatLogs.class, "say");
    /** KEYS care; ARGV expected version, next version, fields... */
    private static final String REPLACE_CARE = LuaScripts.load(RedisChatLogs.class, "replace-care");
    private static final String ARM_CARE = LuaScripts.load(RedisChatLogs.class, "arm-care");
    private static final String NONE = Long.toString(Care.NONE);
    private static final String SEQ_FIELD = "\"seq\":-1";

    /** Message steps sent and not answered yet; above this, messages are refused ({@code unavailable}). */
    static final int MAX_IN_FLIGHT = 5000;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final io.lettuce.core.api.StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> redis;
    private final io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async;
    private final MessageCodec codec;
    private final int maxLogEvents;
    private final Duration closedRetention;
    private final Duration commandTimeout;
    private final String armScript;
    private final String timersKey;

    RedisChatLogs(io.lettuce.core.api.StatefulConnection<String, String> connection, RedisClusterCommands<String, String> redis,
                  io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async, MessageCodec codec,
                  int maxLogEvents, Duration closedRetention, Duration commandTimeout, String armScript, String timersKey) {
        this.connection = connection;
        this.redis = redis;
        this.async = async;
        this.codec = codec;
        this.maxLogEvents = maxLogEvents;
        this.closedRetention = closedRetention;
        this.commandTimeout = commandTimeout;
        this.armScript = armScript;
        this.timersKey = timersKey;
    }

    private static String[] keys(String chatId) {
        String tag = "{" + chatId + "}:";
        return new String[] {tag + "m", tag + "log", tag + "ids", tag + "care"};
    }

    private static String careKey(String chatId) {
        return "{" + chatId + "}:care";
    }

    /** The event encoded with {@code "seq":-1}, split around the -1: the script puts the seq between. */
    private record Split(String before, String after) {
        byte[] with(long seq) {
            return (before + seq + after).getBytes(StandardCharsets.UTF_8);
        }
    }

    private Split split(ChatEvent e) {
        String json = new String(codec.encode(e), StandardCharsets.UTF_8);
        int at = json.indexOf(SEQ_FIELD); // cannot occur inside a JSON string: quotes there are escaped
        if (at < 0) {
            throw new IllegalStateException("event JSON without a seq field: " + json.substring(0, Math.min(40, json.length())));
        }
        return new Split(json.substring(0, at + SEQ_FIELD.length() - 2), json.substring(at + SEQ_FIELD.length()));
    }

    /** A new chat's log: it waits (its route), no events yet. */
    /** A new chat's log: waiting (sent without waiting for the reply; the caller awaits the stage when it must). */
    java.util.concurrent.CompletionStage<Boolean> create(io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async, String chatId) {
        return async.hsetnx(keys(chatId)[0], "route", LogRoute.WAITING);
    }

    /**
     * Appends and waits for the reply; {@code inLogOrder} runs on the connection's I/O thread as the
     * reply is read (attached before the script is sent), so in the chat's log order among every
     * append and say of the chat, before this returns.
     */
    <E extends ChatEvent> Optional<E> append(String chatId, String clientKey, LongFunction<E> event,
                                             ChatStore.Appended<E> inLogOrder) {
        return RedisReads.await(appendAsync(chatId, clientKey, event, inLogOrder), commandTimeout);
    }

    /** As {@link #append}, not waited for: the future completes on the I/O thread, after {@code inLogOrder}. */
    @SuppressWarnings("unchecked")
    <E extends ChatEvent> java.util.concurrent.CompletableFuture<Optional<E>> appendAsync(String chatId, String clientKey,
                                                                                         LongFunction<E> event,
                                                                                         ChatStore.Appended<E> inLogOrder) {
        E draft = event.apply(-1);
        Split json = split(draft);
        String route = LogRoute.change(draft);
        String[] args = {json.before(), json.after(), Integer.toString(maxLogEvents), clientKey == null ? "" : clientKey,
                Integer.toString(MemoryChatLogs.RECENT_CLIENT_IDS), route == null ? "" : route,
                Long.toString(closedRetention.toMillis())};
        java.util.concurrent.CompletableFuture<Optional<E>> done = new java.util.concurrent.CompletableFuture<>();
        LuaScripts.<List<Object>>dispatch(connection, APPEND, ScriptOutputType.MULTI, keys(chatId), args, (r, e) -> {
            if (e != null) {
                done.completeExceptionally(RedisReads.unavailable(e));
                return;
            }
            long seq = (Long) r.get(0);
            String agentId = LogRoute.agentOf((String) r.get(1));
            Optional<E> appended = seq == 0 ? Optional.empty() : Optional.of((E) draft.withSeq(seq));
            try {
                appended.ifPresent(a -> inLogOrder.accept(a, json.with(a.seq()), agentId));
            } catch (RuntimeException x) {
                log.error("after appending to a chat log", x);
            }
            done.complete(appended);
        });
        return done;
    }

    <E extends ChatEvent> Optional<E> appendOnce(String chatId, String clientKey, LongFunction<E> event) {
        return append(chatId, Objects.requireNonNull(clientKey, "clientKey"), event, (e, json, agentId) -> { });
    }

    /**
     * The message step, sent without waiting; {@code then} runs on the connection's I/O thread as
     * the reply is read, so for one chat (one slot, one connection) in the order of the log.
     */
    @SuppressWarnings("unchecked")
    <E extends ChatEvent> void say(String chatId, String byAgent, String clientKey, long nowMillis, String timer,
                                   long nudgeAfterMillis, LongFunction<E> event, java.util.function.Consumer<Spoken<E>> inLogOrder,
                                   java.util.function.Consumer<Spoken<E>> then) {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            then.accept(Spoken.refused(Spoken.Outcome.UNAVAILABLE)); // bounded: refuse rather than queue without end
            return;
        }
        E draft = event.apply(-1);
        Split json = split(draft);
        String[] args = {json.before(), json.after(), Integer.toString(maxLogEvents), clientKey == null ? "" : clientKey,
                Integer.toString(MemoryChatLogs.RECENT_CLIENT_IDS), byAgent == null ? "" : byAgent, Long.toString(nowMillis), NONE,
                Long.toString(nudgeAfterMillis)};
        LuaScripts.<List<Object>>dispatch(connection, SAY, ScriptOutputType.MULTI, keys(chatId), args, (r, e) -> {
            inFlight.decrementAndGet();
            Spoken<E> spoken;
            if (e != null) {
                log.warn("a chat message could not be stored: {}", e.getMessage());
                spoken = Spoken.refused(Spoken.Outcome.UNAVAILABLE);
            } else {
                spoken = spoken(r, draft, json);
                long arm = r.size() >= 10 && r.get(9) != null ? (Long) r.get(9) : 0;
                if (arm > 0 && timer != null) {
                    armNudge(timer, arm); // the shopper starts waiting and no earlier care deadline is armed
                }
            }
            try {
                if (spoken.outcome() == Spoken.Outcome.SAID) {
                    inLogOrder.accept(spoken);
                }
                then.accept(spoken);
            } catch (RuntimeException x) {
                log.error("after storing a chat message", x);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static <E extends ChatEvent> Spoken<E> spoken(List<Object> r, E draft, Split json) {
        int outcome = ((Long) r.get(0)).intValue();
        if (outcome != 0) {
            return Spoken.refused(Spoken.Outcome.values()[outcome]);
        }
        long seq = (Long) r.get(1);
        String agent = (String) r.get(2);
        Care before = r.size() >= 11 ? careOf(r.subList(3, 9), r.get(10)) : null;
        return new Spoken<>(Spoken.Outcome.SAID, (E) draft.withSeq(seq), agent.isEmpty() ? null : agent, before, json.with(seq));
    }

    /**
     * The shopper starts waiting for the agent: the nudge deadline (routing state, tag {cg}) is
     * armed without waiting for the reply; if it failed, the care deadline armed while the chat is
     * assigned still comes, and its check catches up.
     */
    private void armNudge(String timer, long dueMillis) {
        LuaScripts.<Long>dispatch(connection, armScript, ScriptOutputType.INTEGER, new String[] {timersKey},
                new String[] {Long.toString(dueMillis), timer}, (ok, e) -> {
                    if (e != null) {
                        log.warn("nudge deadline of a chat not armed ({}); the next care check catches up", e.getMessage());
                    }
                });
    }

    /** KEYS care; ARGV deadline, nudge after ms, NONE: the deadline to arm, recorded as armed (arm-care.lua). */
    long armCare(String chatId, long deadline, long nudgeAfterMillis) {
        return RedisReads.await(armCareAsync(chatId, deadline, nudgeAfterMillis).toCompletableFuture(), commandTimeout);
    }

    java.util.concurrent.CompletionStage<Long> armCareAsync(String chatId, long deadline, long nudgeAfterMillis) {
        return RedisReads.failUnavailable(() -> LuaScripts.<Long>evalAsync(async, ARM_CARE, ScriptOutputType.INTEGER,
                new String[] {careKey(chatId)}, Long.toString(deadline), Long.toString(nudgeAfterMillis), NONE)
                .thenApply(due -> due == null ? deadline : due));
    }

    long lastSeq(String chatId) {
        String v = RedisChatStore.call(() -> redis.hget(keys(chatId)[0], "seq"));
        return v == null ? 0 : Long.parseLong(v);
    }

    List<ChatEvent> eventsAfter(String chatId, long afterSeq) {
        return RedisReads.await(eventsAfterAsync(chatId, afterSeq).toCompletableFuture(), commandTimeout);
    }

    java.util.concurrent.CompletionStage<List<ChatEvent>> eventsAfterAsync(String chatId, long afterSeq) {
        return RedisReads.failUnavailable(() -> async.zrangebyscore(keys(chatId)[1], Range.create((double) afterSeq + 0.5,
                Double.POSITIVE_INFINITY)).thenApply(raw -> {
                    List<ChatEvent> out = new ArrayList<>(raw.size());
                    for (String json : raw) {
                        out.add(codec.decodeEvent(json));
                    }
                    return out;
                }));
    }

    // ---- care

    Optional<Care> care(String chatId) {
        Map<String, String> h = RedisChatStore.call(() -> redis.hgetall(careKey(chatId)));
        if (h == null || !h.containsKey("v")) {
            return Optional.empty();
        }
        return Optional.of(new Care(Long.parseLong(h.get("v")), Long.parseLong(h.get("la")), Long.parseLong(h.get("aw")),
                "1".equals(h.get("nu")), Long.parseLong(h.get("pr")), "1".equals(h.get("hr")), "1".equals(h.get("id"))));
    }

    private static String[] careFields(Care c) {
        return new String[] {Long.toString(c.lastAgent()), Long.toString(c.awaitingSince()), c.nudged() ? "1" : "0",
                Long.toString(c.promptedAt()), c.humanReplied() ? "1" : "0", c.idle() ? "1" : "0"};
    }

    void putCare(String chatId, Care c) {
        RedisReads.await(putCareAsync(chatId, c).toCompletableFuture(), commandTimeout);
    }

    /** Both commands go out together, in order on the chat's connection; one wait. */
    java.util.concurrent.CompletionStage<Void> putCareAsync(String chatId, Care c) {
        String[] f = careFields(c);
        String key = careKey(chatId);
        return RedisReads.failUnavailable(() -> async.hset(key, Map.of("v", Long.toString(c.version()), "la", f[0], "aw", f[1], "nu", f[2],
                "pr", f[3], "hr", f[4], "id", f[5])).thenCombine(async.pexpire(key, closedRetention.toMillis() * 7), // a safety net: closing drops it
                (set, expiry) -> null));
    }

    boolean replaceCare(String chatId, long expectedVersion, Care next) {
        String[] f = careFields(next);
        Long r = RedisChatStore.call(() -> LuaScripts.<Long>eval(redis, REPLACE_CARE, ScriptOutputType.INTEGER,
                new String[] {careKey(chatId)}, Long.toString(expectedVersion), Long.toString(expectedVersion + 1),
                f[0], f[1], f[2], f[3], f[4], f[5]));
        return r != null && r == 1;
    }

    /** Sent, not waited for (see {@code ChatStore.dropCare}). */
    void dropCare(String chatId) {
        RedisReads.failUnavailable(() -> async.del(careKey(chatId))).exceptionally(e -> {
            log.warn("care state of a closed chat not dropped ({}); it expires by itself", e.getMessage());
            return null;
        });
    }

    private static Care careOf(List<?> f, Object idle) {
        if (f == null || f.size() < 6 || f.get(0) == null) {
            return null;
        }
        return new Care(Long.parseLong(f.get(0).toString()), Long.parseLong(f.get(1).toString()), Long.parseLong(f.get(2).toString()),
                "1".equals(f.get(3)), Long.parseLong(f.get(4).toString()), "1".equals(f.get(5)), "1".equals(idle));
    }
}
