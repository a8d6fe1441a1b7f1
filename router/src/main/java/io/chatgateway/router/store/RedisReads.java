package io.chatgateway.router.store;

import io.chatgateway.protocol.Tier;
import io.lettuce.core.ScoredValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Reads of the Redis store that need no script: many hashes in one round trip, queue ids without records. */
final class RedisReads {
    private RedisReads() {
    }

    /** KEYS the tier queues; ARGV limit. Per queue: a count, then that many id, score pairs. */
    private static final String QUEUE_IDS = LuaScripts.load(RedisReads.class, "queue-ids");

    /**
     * The first {@code limit} waiting chat ids of a group across its tier queues ({@code queuePrefix}
     * + tier name), best first, in one round trip. Each queue is ordered by score (-rank), then by id,
     * and ids sort by creation: the order of {@code MemoryChatStore.QUEUE_ORDER}, without reading a
     * chat's hash.
     */
    static List<String> waitingIds(io.lettuce.core.cluster.api.sync.RedisClusterCommands<String, String> redis, String queuePrefix, int limit) {
        String[] keys = new String[Tier.values().length];
        for (Tier t : Tier.values()) {
            keys[t.ordinal()] = queuePrefix + t.name();
        }
        List<Object> r = RedisChatStore.call(() -> LuaScripts.eval(redis, QUEUE_IDS, io.lettuce.core.ScriptOutputType.MULTI, keys,
                Integer.toString(Math.max(1, limit))));
        List<ScoredValue<String>> all = new ArrayList<>();
        for (int i = 0; i < r.size(); ) {
            int n = Integer.parseInt((String) r.get(i++));
            for (int j = 0; j < n; j++, i += 2) {
                all.add(ScoredValue.just(Double.parseDouble((String) r.get(i + 1)), (String) r.get(i)));
            }
        }
        all.sort(Comparator.comparingDouble((ScoredValue<String> v) -> v.getScore()).thenComparing(ScoredValue::getValue));
        return all.stream().limit(limit).map(ScoredValue::getValue).toList();
    }

    /**
     * Reads many hashes in one round trip: the commands are pipelined on the connection, then
     * awaited. A queue head or a group's agents cost one wait, not one per record.
     */
    static List<Map<String, String>> hashes(io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async,
                                            java.time.Duration timeout, java.util.Collection<String> keys) {
        List<Map<String, String>> out = new ArrayList<>(keys.size());
        List<io.lettuce.core.RedisFuture<Map<String, String>>> pending = new ArrayList<>(PIPELINE_BATCH);
        for (String k : keys) {
            pending.add(async.hgetall(k));
            if (pending.size() == PIPELINE_BATCH) {
                awaitAll(pending, out, timeout);
            }
        }
        awaitAll(pending, out, timeout);
        return out;
    }

    /**
     * As {@link #hashes}, without waiting: for a few keys (queue heads), sent together; the stage
     * completes on the client's thread once every reply is in.
     */
    static java.util.concurrent.CompletionStage<List<Map<String, String>>> hashesAsync(
            io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async, java.util.Collection<String> keys) {
        List<java.util.concurrent.CompletableFuture<Map<String, String>>> replies = new ArrayList<>(keys.size());
        return failUnavailable(() -> {
            for (String k : keys) {
                replies.add(async.hgetall(k).toCompletableFuture());
            }
            return java.util.concurrent.CompletableFuture.allOf(replies.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .thenApply(all -> replies.stream().map(java.util.concurrent.CompletableFuture::join).toList());
        });
    }

    /**
     * Runs a script over many agents ({@code ids} appended to {@code args}), in calls of at most
     * {@link #AGENTS_PER_SCRIPT} agents sent together: the same work and one wait, but Redis runs other
     * clients' commands between them, where one script over thousands of agents would stall every node's
     * messages for its whole run (~20 µs an agent). Returns each call's answer, in order.
     */
    static List<List<Object>> inParts(io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async,
                                      java.time.Duration timeout, String lua, String slotKey, String[] args,
                                      java.util.Collection<String> ids) {
        List<String> all = List.copyOf(ids);
        List<java.util.concurrent.CompletableFuture<List<Object>>> parts = new ArrayList<>();
        for (int i = 0; i < all.size(); i += AGENTS_PER_SCRIPT) {
            List<String> part = all.subList(i, Math.min(all.size(), i + AGENTS_PER_SCRIPT));
            String[] a = java.util.stream.Stream.concat(java.util.Arrays.stream(args), part.stream()).toArray(String[]::new);
            parts.add(RedisChatStore.call(() -> LuaScripts.<List<Object>>evalAsync(async, lua,
                    io.lettuce.core.ScriptOutputType.MULTI, new String[] {slotKey}, a).toCompletableFuture()));
        }
        List<List<Object>> answers = new ArrayList<>(parts.size());
        for (java.util.concurrent.CompletableFuture<List<Object>> p : parts) {
            answers.add(await(p, timeout));
        }
        return answers;
    }

    /** Waits for a dispatched command's future, as long as a command may take (an outage: unavailable). */
    static <T> T await(java.util.concurrent.CompletableFuture<T> f, java.time.Duration timeout) {
        try {
            return f.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StoreUnavailableException("Redis: no reply within " + timeout.toMillis() + " ms", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r && !(r instanceof io.lettuce.core.RedisException)) {
                throw r; // a bug, not an outage
            }
            throw new StoreUnavailableException("Redis: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for Redis", e);
        }
    }

    /** A failure of a Redis command as callers of the store see it: unavailable, unless it is a bug. */
    static Throwable unavailable(Throwable e) {
        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof io.lettuce.core.RedisException ? new StoreUnavailableException("Redis: " + cause.getMessage(), cause) : cause;
    }

    /**
     * The stage of commands sent without waiting, failed with {@link StoreUnavailableException}
     * where a Redis command failed, whether at once (refused) or later.
     */
    static <T> java.util.concurrent.CompletionStage<T> failUnavailable(java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> send) {
        java.util.concurrent.CompletionStage<T> stage;
        try {
            stage = send.get();
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedStage(unavailable(e));
        }
        return stage.exceptionallyCompose(e -> java.util.concurrent.CompletableFuture.failedStage(unavailable(e)));
    }

    /** Agents read per script: ~2 ms of Redis each at most. */
    private static final int AGENTS_PER_SCRIPT = 100;

    /** Pipelined reads go out in batches: a whole queue at once would overrun the client's bounded request queue. */
    private static final int PIPELINE_BATCH = 256;

    private static void awaitAll(List<io.lettuce.core.RedisFuture<Map<String, String>>> pending, List<Map<String, String>> out,
                                 java.time.Duration timeout) {
        for (io.lettuce.core.RedisFuture<Map<String, String>> f : pending) {
            out.add(RedisChatStore.call(() -> io.lettuce.core.LettuceFutures.awaitOrCancel(f, timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)));
        }
        pending.clear();
    }
}
