package io.chatgateway.router.cluster;

import io.chatgateway.router.store.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The node bus on a standalone redis-server on a free port. */
class RedisNodeBusIntegrationTest extends RedisNodeBusContract {
    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    @Override
    String uri() {
        return REDIS.uri();
    }
}
