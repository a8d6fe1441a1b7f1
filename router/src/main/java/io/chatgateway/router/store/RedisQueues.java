package io.chatgateway.router.store;

import io.chatgateway.protocol.Tier;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The Redis store's queues: per group and tier a sorted set {@code q:<group>:<tier>} of chat ids
 * scored by −rank (ties by id, which sorts by creation), and the set {@code groups}; reads of
 * waiting chats go through this node's {@link WaitingChats}.
 */
final class RedisQueues {
    /** KEYS chat; ARGV chatId, tier names. Chats ranked strictly higher in the other tiers, plus the place in its own. */
    private static final String POSITION = LuaScripts.load(RedisQueues.class, "position");
    private static final String[] TIER_NAMES = Arrays.stream(Tier.values()).map(Tier::name).toArray(String[]::new);

    private final RedisClusterCommands<String, String> redis;
    private final String prefix;
    private final WaitingChats waiting;

    RedisQueues(RedisClusterCommands<String, String> redis, String prefix, WaitingChats waiting) {
        this.redis = redis;
        this.prefix = prefix;
        this.waiting = waiting;
    }

    List<ChatRecord> waiting(String group, Tier tier, int limit) {
        return waiting.read(queue(group, tier), group, tier, limit);
    }

    java.util.concurrent.CompletionStage<List<ChatRecord>> waitingAsync(String group, Tier tier, int limit) {
        return waiting.readAsync(queue(group, tier), group, tier, limit);
    }

    List<ChatRecord> waiting(String group, int limit) {
        List<ChatRecord> all = new ArrayList<>();
        for (Tier t : Tier.values()) {
            all.addAll(waiting(group, t, limit));
        }
        all.sort(MemoryChatStore.QUEUE_ORDER);
        return all.size() > limit ? new ArrayList<>(all.subList(0, limit)) : all;
    }

    List<String> waitingIds(String group, int limit) {
        return RedisReads.waitingIds(redis, prefix + "q:" + group + ":", limit);
    }

    int position(String chatId) {
        Long r = RedisChatStore.call(() -> LuaScripts.eval(redis, POSITION, ScriptOutputType.INTEGER,
                new String[] {prefix + "chat:" + chatId}, RedisRecords.concat(new String[] {chatId}, TIER_NAMES)));
        return r == null ? 0 : r.intValue();
    }

    Map<String, Map<Tier, Integer>> depths() {
        Map<String, Map<Tier, Integer>> out = new TreeMap<>();
        for (String g : RedisChatStore.call(() -> redis.smembers(prefix + "groups"))) {
            Map<Tier, Integer> m = new EnumMap<>(Tier.class);
            for (Tier t : Tier.values()) {
                m.put(t, RedisChatStore.call(() -> redis.zcard(queue(g, t))).intValue());
            }
            out.put(g, m);
        }
        return out;
    }

    void rerank(ToDoubleFunction<ChatRecord> rank) {
        for (String g : RedisChatStore.call(() -> redis.smembers(prefix + "groups"))) {
            for (Tier t : Tier.values()) {
                for (ChatRecord c : waiting(g, t, Integer.MAX_VALUE)) {
                    double r = rank.applyAsDouble(c);
                    RedisChatStore.call(() -> redis.hset(prefix + "chat:" + c.chatId(), "rank", Double.toString(r)));
                    RedisChatStore.call(() -> redis.zadd(queue(g, t), -r, c.chatId()));
                }
            }
        }
    }

    private String queue(String group, Tier tier) {
        return prefix + "q:" + group + ":" + tier.name();
    }
}
