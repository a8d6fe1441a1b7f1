package io.chatgateway.router.store;

import static io.chatgateway.router.store.RedisChatStore.call;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatgateway.router.QaReview.Csat;
import io.chatgateway.router.QaReview.QaSample;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.chatgateway.router.store.ChatStore.EditedScripts;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the Redis store keeps beside chats and agents, all under the routing tag {@code {cg}}:
 * CSAT answers, QA samples, ETA errors, the routing configuration with its audit trail, edited
 * script texts and forced overflow modes.
 */
final class RedisSettings {
    private static final String P = "{cg}:";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_AUDIT = 1000;
    private static final int MAX_QA = 10_000;
    /** KEYS config, audit; ARGV expected version, json, audit entry json, max audit. */
    private static final String REPLACE_CONFIG = LuaScripts.load(RedisSettings.class, "replace-config");
    private final RedisClusterCommands<String, String> redis;
    private final io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async;
    private final Duration closedRetention;

    RedisSettings(RedisClusterCommands<String, String> redis, io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async,
                  Duration closedRetention) {
        this.redis = redis;
        this.async = async;
        this.closedRetention = closedRetention;
    }

    private long script(String lua, String[] keys, String... args) {
        Long r = call(() -> LuaScripts.<Long>eval(redis, lua, ScriptOutputType.INTEGER, keys, args));
        return r == null ? 0 : r;
    }

    void saveCsat(String chatId, int score, String comment) {
        if (score < 1 || score > 5) {
            throw new IllegalArgumentException("score " + score + " (expected 1..5)");
        }
        call(() -> redis.hset(P + "csat:" + chatId, Map.of("score", Integer.toString(score), "comment", comment == null ? "" : comment)));
        call(() -> redis.pexpire(P + "csat:" + chatId, closedRetention.toMillis() * 30));
    }

    Optional<Csat> csat(String chatId) {
        Map<String, String> h = call(() -> redis.hgetall(P + "csat:" + chatId));
        return h == null || h.isEmpty() ? Optional.empty()
                : Optional.of(new Csat(Integer.parseInt(h.get("score")), h.get("comment").isEmpty() ? null : h.get("comment")));
    }

    void addQaSample(QaSample sample) {
        try {
            String json = JSON.writeValueAsString(sample);
            call(() -> redis.lpush(P + "qa", json));
            call(() -> redis.ltrim(P + "qa", 0, MAX_QA - 1));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One round trip: this runs when a waiting chat gets its agent. */
    /**
     * Sent, not waited for (a sample lost to an outage is logged; the figures come from the rest).
     * Two plain commands, in order on the connection, so this node's later reads see the sample (a
     * script could be re-sent after them when Redis does not know it yet).
     */
    void noteEtaError(String group, String tier, long errorSeconds) {
        String key = etaKey(group, tier);
        RedisReads.failUnavailable(() -> async.lpush(key, Long.toString(errorSeconds))
                .thenCombine(async.ltrim(key, 0, ChatStore.ETA_ERRORS_KEPT - 1L), (n, ok) -> ok)).exceptionally(e -> {
                    org.slf4j.LoggerFactory.getLogger(RedisSettings.class).warn("an ETA sample was not kept: {}", e.getMessage());
                    return null;
                });
    }

    List<Long> etaErrors(String group, String tier) {
        return call(() -> redis.lrange(etaKey(group, tier), 0, ChatStore.ETA_ERRORS_KEPT - 1L)).stream().map(Long::parseLong).toList();
    }

    /** Tier first: a tier never holds the separator, a group name may. */
    private static String etaKey(String group, String tier) {
        return P + "etaerr:" + tier + "|" + group;
    }

    List<QaSample> qaSamples(int limit) {
        List<QaSample> out = new ArrayList<>();
        for (String json : call(() -> redis.lrange(P + "qa", 0, limit - 1L))) {
            try {
                out.add(JSON.readValue(json, QaSample.class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("unreadable QA sample in Redis", e);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ config

    VersionedConfig config() {
        List<io.lettuce.core.KeyValue<String, String>> f = call(() -> redis.hmget(P + "config", "version", "json"));
        try {
            return new VersionedConfig(Long.parseLong(f.get(0).getValue()), RoutingConfig.fromJson(JSON.readTree(f.get(1).getValue())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable routing config in Redis", e);
        }
    }

    Optional<VersionedConfig> replaceConfig(long expectedVersion, RoutingConfig next, AuditEntry entry) {
        try {
            long ok = script(REPLACE_CONFIG, new String[] {P + "config", P + "audit"}, Long.toString(expectedVersion),
                    next.toJson().toString(), JSON.writeValueAsString(entry), Integer.toString(MAX_AUDIT));
            return ok == 1 ? Optional.of(new VersionedConfig(expectedVersion + 1, next)) : Optional.empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** KEYS scripts; ARGV expected version, json. */
    private static final String REPLACE_SCRIPTS = LuaScripts.load(RedisSettings.class, "replace-scripts");

    long configVersion() {
        return Long.parseLong(call(() -> redis.hget(P + "config", "version")));
    }

    long scriptsVersion() {
        String v = call(() -> redis.hget(P + "scripts", "version"));
        return v == null ? 0 : Long.parseLong(v);
    }

    EditedScripts scripts() {
        List<io.lettuce.core.KeyValue<String, String>> f = call(() -> redis.hmget(P + "scripts", "version", "json"));
        if (!f.get(0).hasValue()) {
            return new EditedScripts(0, Map.of());
        }
        try {
            Map<String, Map<String, String>> edited = JSON.readValue(f.get(1).getValue(), new TypeReference<>() { });
            return new EditedScripts(Long.parseLong(f.get(0).getValue()), edited);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable scripts in Redis", e);
        }
    }

    boolean replaceScripts(long expectedVersion, Map<String, Map<String, String>> edited) {
        try {
            return script(REPLACE_SCRIPTS, new String[] {P + "scripts"}, Long.toString(expectedVersion),
                    JSON.writeValueAsString(edited)) == 1;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    List<AuditEntry> audit(int limit) {
        List<AuditEntry> out = new ArrayList<>();
        for (String json : call(() -> redis.lrange(P + "audit", 0, limit - 1L))) {
            try {
                out.add(JSON.readValue(json, new TypeReference<AuditEntry>() { }));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("unreadable audit entry in Redis", e);
            }
        }
        return out;
    }

    Map<String, Boolean> forcedOverflow() {
        Map<String, String> h = call(() -> redis.hgetall(P + "overflow:forced"));
        Map<String, Boolean> out = new TreeMap<>();
        h.forEach((g, v) -> out.put(g, "1".equals(v)));
        return out;
    }

    void forceOverflow(String group, Boolean on) {
        if (on == null) {
            call(() -> redis.hdel(P + "overflow:forced", group));
        } else {
            call(() -> redis.hset(P + "overflow:forced", group, on ? "1" : "0"));
        }
    }
}
