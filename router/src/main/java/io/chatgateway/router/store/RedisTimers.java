package io.chatgateway.router.store;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named deadlines of the Redis store ({@code ChatStore.armTimer}) in one sorted set, scored by due
 * time: any node may claim a due one, and each is handed to exactly one node.
 *
 * <p>Arming and claiming wait for Redis (a deadline must not be lost unnoticed). Disarming does not:
 * a lane never waits for it. This node's later commands go out after it on the same connection,
 * so a re-arm or a claim here sees it; a deadline a failed disarm leaves armed fires once and finds
 * its chat or agent moved on (every deadline's handler checks the state first, as it must anyway
 * for the race with another node's claim).
 */
final class RedisTimers {
    private static final Logger log = LoggerFactory.getLogger(RedisTimers.class);

    /** KEYS timers; ARGV due, name. The earlier deadline wins (ZADD LT needs Redis 6.2; this runs on 6.0 too). */
    static final String ARM = LuaScripts.load(RedisChatStore.class, "arm");

    /** KEYS timers; ARGV now, max. Removing what it returns in the same script is what makes a claim exclusive. */
    private static final String CLAIM_DUE = LuaScripts.load(RedisChatStore.class, "claim-due");

    private final RedisClusterCommands<String, String> redis;
    private final RedisClusterAsyncCommands<String, String> async;
    private final String key;

    RedisTimers(RedisClusterCommands<String, String> redis, RedisClusterAsyncCommands<String, String> async, String key) {
        this.redis = redis;
        this.async = async;
        this.key = key;
    }

    void arm(String name, long dueMillis) {
        RedisChatStore.call(() -> LuaScripts.<Long>eval(redis, ARM, ScriptOutputType.INTEGER, new String[] {key},
                Long.toString(dueMillis), name));
    }

    java.util.concurrent.CompletionStage<Void> armAsync(String name, long dueMillis) {
        return RedisReads.failUnavailable(() -> LuaScripts.<Long>evalAsync(async, ARM, ScriptOutputType.INTEGER, new String[] {key},
                Long.toString(dueMillis), name).thenApply(r -> null));
    }

    void disarm(String... names) {
        try {
            async.zrem(key, names).exceptionally(e -> {
                log.warn("deadlines not disarmed ({}); they will fire once and find nothing to do", e.toString());
                return null;
            });
        } catch (RedisException e) { // refused at once (Redis away, too much in flight)
            log.warn("deadlines not disarmed ({}); they will fire once and find nothing to do", e.toString());
        }
    }

    List<String> claimDue(long nowMillis, int max) {
        List<String> due = RedisChatStore.call(() -> LuaScripts.eval(redis, CLAIM_DUE, ScriptOutputType.MULTI, new String[] {key},
                Long.toString(nowMillis), Integer.toString(max)));
        return due == null ? List.of() : due;
    }
}
