package io.chatgateway.router.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.router.config.RoutingConfig;
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
        RedisServer.flushAll(cluster.uri());
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
