package io.chatgateway.router.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The same store contract on a real three-master Redis Cluster: the Lua scripts touch only keys
 * under one hash tag, so they run unchanged there.
 */
class RedisClusterChatStoreIntegrationTest extends RedisStoreContract {
    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.cluster();

    @Override
    String uri() {
        return REDIS.uri();
    }

    @Test
    void theStoreAnswersThroughTheCluster() {
        assertThat(store.ping()).isTrue();
        assertThat(store.config().version()).isEqualTo(1);
    }
}
