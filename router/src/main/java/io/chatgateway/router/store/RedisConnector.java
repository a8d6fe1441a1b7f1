package io.chatgateway.router.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the Redis store's client and command connection: one Redis ({@code redis://host:port}) or a
 * Cluster ({@code redis-cluster://h:p,h:p}, seeds). Commands time out after {@code commandTimeout}
 * and, on one Redis, are refused rather than buffered while it is away (clients hear
 * {@code unavailable} at once); the request queue is bounded.
 */
final class RedisConnector {
    private RedisConnector() {
    }

    static RedisConnection connect(String uri, Duration commandTimeout) {
        ClientOptions.DisconnectedBehavior reject = ClientOptions.DisconnectedBehavior.REJECT_COMMANDS;
        io.lettuce.core.AbstractRedisClient created = null;
        try {
            if (uri.startsWith(RedisChatStore.CLUSTER_SCHEME)) {
                // redis-cluster://host1:port1,host2:port2,...: seeds; the client follows the slot map.
                List<RedisURI> seeds = new ArrayList<>();
                for (String hostPort : uri.substring(RedisChatStore.CLUSTER_SCHEME.length()).split(",")) {
                    RedisURI seed = RedisURI.create("redis://" + hostPort.trim());
                    seed.setTimeout(commandTimeout);
                    seeds.add(seed);
                }
                RedisClusterClient cluster = RedisClusterClient.create(seeds);
                created = cluster;
                cluster.setOptions(ClusterClientOptions.builder()
                        .autoReconnect(true)
                        // Node connections open lazily on first use, so commands wait for them: in a
                        // bounded queue, and the command timeout still answers "unavailable" within a second.
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .requestQueueSize(10_000)
                        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                        .build());
                StatefulRedisClusterConnection<String, String> c = cluster.connect();
                return new RedisConnection(cluster, c, c.sync(), c.async());
            } else {
                RedisURI redisUri = RedisURI.create(uri);
                redisUri.setTimeout(commandTimeout);
                RedisClient standalone = RedisClient.create(redisUri);
                created = standalone;
                standalone.setOptions(ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(reject) // refuse, do not buffer, while Redis is away
                        .requestQueueSize(10_000)
                        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                        .build());
                StatefulRedisConnection<String, String> c = standalone.connect();
                return new RedisConnection(standalone, c, c.sync(), c.async());
            }
        } catch (RedisException e) {
            if (created != null) {
                created.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
            throw new StoreUnavailableException("cannot connect to Redis at " + uri.replaceAll("//[^@]*@", "//"), e);
        }
    }
}
