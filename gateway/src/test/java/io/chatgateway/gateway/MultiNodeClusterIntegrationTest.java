package io.chatgateway.gateway;

import io.chatgateway.router.store.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The multi-node scenarios with every node on a three-master Redis Cluster ({@code redis-cluster://}). */
class MultiNodeClusterIntegrationTest extends MultiNodeScenarios {
    private static RedisServer.Cluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisServer.startCluster();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @Override
    String redisUri() {
        return cluster.uri();
    }
}
