package io.chatgateway.router.cluster;

import io.chatgateway.router.store.LuaScripts;
import io.chatgateway.router.store.StoreUnavailableException;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node bus on Redis (standalone or Cluster): one pub/sub channel per node ({@code cg:node:<id>}),
 * presence keys {@code {cg}:presence:<participant>} naming the holding node, a set of what each
 * node holds ({@code {cg}:held:<node>}) and a liveness key per node ({@code {cg}:node:<id>}) with
 * a TTL renewed by every heartbeat.
 *
 * <p>Why the TTL sits on the node key and not on every presence key: a node holds up to ~20,000
 * connections, and renewing 20,000 keys a few times a minute would cost more than all chat traffic
 * of a quiet node. A presence counts only while its node's key lives, so a killed node's
 * participants lapse together when its one key expires. (Presence keys carry a long TTL too, only so
 * that nothing is left behind forever.)
 */
public final class RedisNodeBus implements NodeBus {
    private static final Logger log = LoggerFactory.getLogger(RedisNodeBus.class);
    private static final String P = "{cg}:";
    private static final long PRESENCE_TTL_MILLIS = Duration.ofDays(1).toMillis();

    /** KEYS presence; ARGV participant, node, ttl. */
    private static final String HOLD = LuaScripts.load(RedisNodeBus.class, "hold");

    /** KEYS presence; ARGV participant, node. */
    private static final String RELEASE = LuaScripts.load(RedisNodeBus.class, "release");

    /** KEYS presence. */
    private static final String PRESENT = LuaScripts.load(RedisNodeBus.class, "present");

    /** KEYS presence; ARGV payload. */
    private static final String FORWARD = LuaScripts.load(RedisNodeBus.class, "forward");

    /**
     * KEYS node key; ARGV node, ttl. Returns {revived flag, lost participants...}. A dead node is
     * removed from {@code nodes} in the same script that hands out its participants, so only one
     * caller ever gets them.
     */
    private static final String HEARTBEAT = LuaScripts.load(RedisNodeBus.class, "heartbeat");

    private final String nodeId;
    private final long ttlMillis;
    private final RedisClusterCommands<String, String> redis;
    private final RedisClusterAsyncCommands<String, String> async;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private final AtomicLong forwardFailures = new AtomicLong();
    /**
     * Forwards waiting for Redis. Above the bound a frame is dropped (the client recovers it by seq
     * and resume) rather than filling the connection's bounded request queue, which the router's
     * own commands share.
     */
    private static final int MAX_FORWARDS_IN_FLIGHT = 2048;
    private final java.util.concurrent.atomic.AtomicInteger forwardsInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean started;
    private volatile java.util.concurrent.ScheduledExecutorService beats;

    /**
     * The cross-node channel of a gateway node on the Redis (or Redis Cluster) of {@code store}:
     * presence, liveness, and delivery to participants held by other nodes.
     */
    public static RedisNodeBus of(io.chatgateway.router.store.RedisChatStore store, String nodeId, Duration ttl) {
        io.chatgateway.router.store.RedisConnection c = store.connection();
        return new RedisNodeBus(nodeId, ttl, c.client(), c.sync(), c.async());
    }

    /** A node bus sharing a Redis client and command connection (see {@link #of}). */
    public RedisNodeBus(String nodeId, Duration ttl, AbstractRedisClient client, RedisClusterCommands<String, String> redis,
                        RedisClusterAsyncCommands<String, String> async) {
        if (nodeId == null || nodeId.isBlank() || nodeId.contains(" ")) {
            throw new IllegalArgumentException("node id '" + nodeId + "' (expected a non-blank id without spaces)");
        }
        this.nodeId = nodeId;
        this.ttlMillis = ttl.toMillis();
        this.redis = redis;
        this.async = async;
        try {
            this.pubsub = client instanceof RedisClusterClient cluster ? cluster.connectPubSub() : ((RedisClient) client).connectPubSub();
        } catch (RedisException e) {
            throw new StoreUnavailableException("cannot open the node channel: " + e.getMessage(), e);
        }
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    private static String presence(String participant) {
        return P + "presence:" + participant;
    }

    private long eval(String lua, String key, String... args) {
        try {
            Long r = LuaScripts.eval(redis, lua, ScriptOutputType.INTEGER, new String[] {key}, args);
            return r == null ? 0 : r;
        } catch (RedisException e) {
            throw new StoreUnavailableException("Redis: " + e.getMessage(), e);
        }
    }

    @Override
    public void hold(String participant) {
        eval(HOLD, presence(participant), participant, nodeId, Long.toString(PRESENCE_TTL_MILLIS));
    }

    @Override
    public java.util.concurrent.CompletionStage<Void> holdAsync(String participant) {
        return evalAsync(HOLD, presence(participant), participant, nodeId, Long.toString(PRESENCE_TTL_MILLIS)).thenApply(r -> null);
    }

    @Override
    public boolean release(String participant) {
        return eval(RELEASE, presence(participant), participant, nodeId) == 1;
    }

    @Override
    public java.util.concurrent.CompletionStage<Boolean> releaseAsync(String participant) {
        return evalAsync(RELEASE, presence(participant), participant, nodeId).thenApply(r -> r != null && r == 1);
    }

    private java.util.concurrent.CompletionStage<Long> evalAsync(String lua, String key, String... args) {
        try {
            return LuaScripts.<Long>evalAsync(async, lua, ScriptOutputType.INTEGER, new String[] {key}, args)
                    .exceptionallyCompose(e -> java.util.concurrent.CompletableFuture.failedFuture(
                            new StoreUnavailableException("Redis: " + e.getMessage(), e)));
        } catch (RedisException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(new StoreUnavailableException("Redis: " + e.getMessage(), e));
        }
    }

    @Override
    public boolean present(String participant) {
        return eval(PRESENT, presence(participant)) == 1;
    }

    @Override
    public void forward(String participant, byte[] json) {
        if (forwardsInFlight.incrementAndGet() > MAX_FORWARDS_IN_FLIGHT) {
            forwardsInFlight.decrementAndGet();
            if (forwardFailures.getAndIncrement() % 1000 == 0) {
                log.warn("cross-node delivery overloaded: frames dropped ({} so far); clients recover them by resume",
                        forwardFailures.get());
            }
            return;
        }
        String payload = "F" + participant + "\n" + new String(json, StandardCharsets.UTF_8);
        LuaScripts.evalAsync(async, FORWARD, ScriptOutputType.INTEGER, new String[] {presence(participant)}, payload)
                .whenComplete((r, e) -> {
                    forwardsInFlight.decrementAndGet();
                    // At most once by design: the client recovers a lost frame by seq and resume. Count, log sparsely.
                    if (e != null && forwardFailures.getAndIncrement() % 1000 == 0) {
                        log.warn("cross-node delivery failed ({} so far): {}", forwardFailures.get(), e.getMessage());
                    }
                });
    }

    @Override
    public Heartbeat heartbeat() {
        List<String> out;
        try {
            out = LuaScripts.eval(redis, HEARTBEAT, ScriptOutputType.MULTI, new String[] {P + "node:" + nodeId}, nodeId, Long.toString(ttlMillis));
        } catch (RedisException e) {
            throw new StoreUnavailableException("Redis: " + e.getMessage(), e);
        }
        boolean revived = !out.isEmpty() && "1".equals(out.get(0)) && started;
        started = true;
        return new Heartbeat(revived, out.isEmpty() ? List.of() : out.subList(1, out.size()));
    }

    @Override
    public synchronized void startHeartbeats(java.util.function.Consumer<Heartbeat> onBeat) {
        if (beats != null) {
            throw new IllegalStateException("heartbeats already started");
        }
        try {
            onBeat.accept(heartbeat());
        } catch (StoreUnavailableException e) {
            log.warn("first heartbeat failed (retrying every beat): {}", e.getMessage());
        }
        beats = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-heartbeat-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, Math.min(1000, ttlMillis / 3));
        beats.scheduleWithFixedDelay(() -> {
            try {
                onBeat.accept(heartbeat());
            } catch (StoreUnavailableException e) {
                log.debug("heartbeat failed: {}", e.getMessage()); // the store outage is reported by readiness and the router
            } catch (RuntimeException e) {
                log.error("heartbeat failed", e);
            }
        }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void listen(Listener listener) {
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                if (message.isEmpty()) {
                    return;
                }
                if (message.charAt(0) == 'M') {
                    listener.movedAway(message.substring(1));
                } else if (message.charAt(0) == 'F') {
                    int nl = message.indexOf('\n');
                    if (nl > 1) {
                        listener.deliver(message.substring(1, nl), message.substring(nl + 1).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        });
        try {
            pubsub.sync().subscribe("cg:node:" + nodeId);
        } catch (RedisException e) {
            throw new StoreUnavailableException("cannot subscribe to the node channel: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (beats != null) {
            beats.shutdownNow();
        }
        try {
            // Only the liveness key goes: another node then claims whatever this node still held.
            redis.del(P + "node:" + nodeId);
        } catch (RedisException e) {
            log.debug("could not sign the node off: {}", e.getMessage());
        }
        pubsub.close();
    }
}
