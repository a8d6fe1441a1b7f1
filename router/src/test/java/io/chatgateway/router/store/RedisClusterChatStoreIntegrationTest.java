package io.chatgateway.router.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.router.config.RoutingConfig;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same store contract on a real three-master Redis Cluster: the Lua scripts touch only keys
 * under one hash tag, so they run unchanged there.
 */
class RedisClusterChatStoreIntegrationTest extends ChatStoreContract {
    private static RedisServer.Cluster cluster;
    private RedisChatStore store;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisServer.startCluster();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @BeforeEach
    void fresh() {
        List<RedisURI> seeds = new ArrayList<>();
        for (String hostPort : cluster.uri().substring(RedisChatStore.CLUSTER_SCHEME.length()).split(",")) {
            seeds.add(RedisURI.create("redis://" + hostPort));
        }
        RedisClusterClient c = RedisClusterClient.create(seeds);
        try (var conn = c.connect()) {
            conn.sync().flushall();
        } finally {
            c.shutdown();
        }
        store = new RedisChatStore(cluster.uri(), RoutingConfig.defaults());
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Override
    ChatStore store() {
        return store;
    }

    @Test
    void theStoreAnswersThroughTheCluster() {
        assertThat(store.ping()).isTrue();
        assertThat(store.config().version()).isEqualTo(1);
    }
}
