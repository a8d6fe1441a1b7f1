package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.router.store.ChatStore.GroupLoad;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A group's load on Redis (slots, free slots, online agents, in all and per level), summed by
 * {@code lua/group-load.lua} over the group's members. It feeds only projections (waits, overflow
 * thresholds), and computing it walks the group's agents, so a node reuses it for up to a second
 * instead of walking on every hello.
 */
final class RedisGroupLoads {
    /** KEYS members set; ARGV level count, levels, agent ids; returns {slots, free, online}, then per level. */
    private static final String GROUP_LOAD = LuaScripts.load(RedisGroupLoads.class, "group-load");
    private static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final String[] LEVEL_NAMES = Arrays.stream(AgentLevel.values()).map(Enum::name).toArray(String[]::new);
    private static final String[] ARGS = RedisRecords.concat(new String[] {Integer.toString(LEVEL_NAMES.length)}, LEVEL_NAMES);

    private final RedisClusterCommands<String, String> redis;
    private final RedisClusterAsyncCommands<String, String> async;
    private final Duration commandTimeout;
    private final String prefix;
    private final Map<String, Map.Entry<Long, GroupLoad>> loads = new ConcurrentHashMap<>();

    RedisGroupLoads(RedisClusterCommands<String, String> redis, RedisClusterAsyncCommands<String, String> async,
                    Duration commandTimeout, String prefix) {
        this.redis = redis;
        this.async = async;
        this.commandTimeout = commandTimeout;
        this.prefix = prefix;
    }

    GroupLoad of(String group) {
        Map.Entry<Long, GroupLoad> cached = loads.get(group);
        long now = System.nanoTime();
        if (cached != null && now - cached.getKey() < REUSE_NANOS) {
            return cached.getValue();
        }
        String members = prefix + "members:" + group;
        int[] sums = new int[3 * (LEVEL_NAMES.length + 1)];
        for (List<Object> part : RedisReads.inParts(async, commandTimeout, GROUP_LOAD, members, ARGS,
                RedisChatStore.call(() -> redis.smembers(members)))) {
            for (int i = 0; i < sums.length; i++) {
                sums[i] += ((Long) part.get(i)).intValue();
            }
        }
        GroupLoad load = GroupLoad.fromInts(sums);
        loads.put(group, Map.entry(now, load));
        return load;
    }
}
