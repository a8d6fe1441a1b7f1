package io.chatgateway.router.store;

import io.chatgateway.router.config.RoutingConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The store contract on a Redis the subclass names (standalone or Cluster): a fresh, empty store per test. */
abstract class RedisStoreContract extends ChatStoreContract {
    RedisChatStore store;

    /** {@code redis://…} or {@code redis-cluster://…}. */
    abstract String uri();

    @BeforeEach
    void fresh() {
        RedisServer.flushAll(uri());
        store = new RedisChatStore(uri(), RoutingConfig.defaults());
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Override
    ChatStore store() {
        return store;
    }
}
