package io.chatgateway.router.cluster;

import io.chatgateway.router.store.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The node bus on a standalone redis-server on a free port. */
class RedisNodeBusIntegrationTest extends RedisNodeBusContract {
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    @Override
    String uri() {
        return redis.uri();
    }
}
