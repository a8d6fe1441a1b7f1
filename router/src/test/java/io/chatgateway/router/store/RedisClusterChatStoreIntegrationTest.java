package io.chatgateway.router.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.router.config.RoutingConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same store contract on a real three-master Redis Cluster: the Lua scripts touch only keys
 * under one hash tag, so they run unchanged there.
 */
class RedisClusterChatStoreIntegrationTest extends ChatStoreContract {
    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.cluster();
    private RedisChatStore store;

    @BeforeEach
    void fresh() {
        RedisServer.flushAll(REDIS.uri());
        store = new RedisChatStore(REDIS.uri(), RoutingConfig.defaults());
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
