package io.chatgateway.router.cluster;

import io.chatgateway.router.store.RedisExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node bus on a three-master Redis Cluster: presence scripts run in the {@code {cg}} slot, and
 * a PUBLISH from a script there reaches a node subscribed through any master.
 */
class RedisClusterNodeBusIntegrationTest extends RedisNodeBusContract {
    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.cluster();

    @Override
    String uri() {
        return REDIS.uri();
    }
}
