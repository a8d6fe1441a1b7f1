package io.chatgateway.gateway;

import io.chatgateway.router.store.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multi-node scenarios with every node on a three-master Redis Cluster ({@code redis-cluster://}). */
class MultiNodeClusterIntegrationTest extends MultiNodeScenarios {
    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.cluster();

    @Override
    String redisUri() {
        return REDIS.uri();
    }
}
