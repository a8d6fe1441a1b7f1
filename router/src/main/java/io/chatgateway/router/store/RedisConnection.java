package io.chatgateway.router.store;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/** A Redis client, its one command connection, and that connection's sync and async interfaces. */
public record RedisConnection(io.lettuce.core.AbstractRedisClient client, io.lettuce.core.api.StatefulConnection<String, String> stateful,
                         RedisClusterCommands<String, String> sync,
                         io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async) {
}
