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
