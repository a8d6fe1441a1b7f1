package io.chatgateway.router.store;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The Redis store's agents: {@code agent:<id>} hashes and the set {@code agents}, written by
 * {@code lua/put-agent.lua} (which keeps load and fixes the room index and group members) and read
 * many at a time by {@code lua/agents-of.lua}.
 */
final class RedisAgents {
    /**
     * KEYS agent; ARGV agentId, expected ver ('' = create or keep load), then field/value pairs.
     * Keeps load (and missedOffers when creating over an existing agent); fixes the room and member
     * sets for old and new groups. Returns 1, or 0 when the version changed meanwhile.
     */
    private static final String PUT_AGENT = LuaScripts.load(RedisAgents.class, "put-agent");
    private static final String AGENTS_OF = LuaScripts.load(RedisAgents.class, "agents-of");

    private final RedisClusterCommands<String, String> redis;
    private final RedisClusterAsyncCommands<String, String> async;
    private final Duration commandTimeout;
    private final String prefix;
    private final AgentRows rows = new AgentRows();

    RedisAgents(RedisClusterCommands<String, String> redis, RedisClusterAsyncCommands<String, String> async, Duration commandTimeout,
                String prefix) {
        this.redis = redis;
        this.async = async;
        this.commandTimeout = commandTimeout;
        this.prefix = prefix;
    }

    private String key(String agentId) {
        return prefix + "agent:" + agentId;
    }

    private boolean put(String agentId, String expectedVersion, AgentRecord agent) {
        Long r = RedisChatStore.call(() -> LuaScripts.eval(redis, PUT_AGENT, ScriptOutputType.INTEGER, new String[] {key(agentId)},
                RedisRecords.concat(new String[] {agentId, expectedVersion}, RedisRecords.agentFields(agent))));
        return r != null && r == 1;
    }

    void upsert(AgentRecord agent) {
        put(agent.agentId(), "", agent);
    }

    /** Optimistic: writes only if nobody changed the agent meanwhile (load moves in scripts, not here); false: gone. */
    boolean update(String agentId, UnaryOperator<AgentRecord> change) {
        for (int attempt = 0; attempt < 20; attempt++) {
            Map<String, String> h = RedisChatStore.call(() -> redis.hgetall(key(agentId)));
            AgentRecord current = RedisRecords.agentOf(h);
            if (current == null) {
                return false;
            }
            if (put(agentId, h.get("ver"), change.apply(current))) {
                return true;
            }
        }
        throw new StoreUnavailableException("agent " + agentId + " changed too often to update", null);
    }

    List<AgentRecord> all() {
        List<AgentRecord> all = new ArrayList<>(byIds(RedisChatStore.call(() -> redis.smembers(prefix + "agents"))));
        all.sort(Comparator.comparing(AgentRecord::agentId));
        return all;
    }

    List<AgentRecord> byIds(Collection<String> agentIds) {
        List<Object> read = new ArrayList<>(agentIds.size());
        RedisReads.inParts(async, commandTimeout, AGENTS_OF, prefix + "agents", new String[0], agentIds).forEach(read::addAll);
        return rows.parse(read);
    }
}
