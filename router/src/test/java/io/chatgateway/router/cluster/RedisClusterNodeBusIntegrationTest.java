package io.chatgateway.router.cluster;

import io.chatgateway.router.store.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The node bus on a three-master Redis Cluster: presence scripts run in the {@code {cg}} slot, and
 * a PUBLISH from a script there reaches a node subscribed through any master.
 */
class RedisClusterNodeBusIntegrationTest extends RedisNodeBusContract {
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
    String uri() {
        return cluster.uri();
    }
}
