package io.chatgateway.router.store;

import static org.awaitility.Awaitility.await;
import io.chatgateway.router.engine.Routers;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.router.ConfigUpdate;
import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.config.RoutingConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** Two routers (two nodes) on one real Redis: a config change through one reaches the other within a second or so. */
class SharedConfigIntegrationTest {

    @Test
    void configAndScriptChangesOnOneNodeReachTheOther() throws Exception {
        try (RedisServer redis = RedisServer.start();
             RedisChatStore storeA = new RedisChatStore(redis.uri(), RoutingConfig.defaults());
             RedisChatStore storeB = new RedisChatStore(redis.uri(), RoutingConfig.defaults())) {
            Scheduler a = Schedulers.newSingle("node-a");
            Scheduler b = Schedulers.newSingle("node-b");
            Router nodeA = Routers.create(RouterOptions.defaults(), storeA, a);
            Router nodeB = Routers.create(RouterOptions.defaults(), storeB, b);
            try {
                assertThat(nodeB.config().block(Duration.ofSeconds(2)).version()).isEqualTo(1);
                RoutingConfig next = RoutingConfig.fromJson(RoutingConfig.defaults().toJson().put("offerTimeoutSeconds", 30));
                ConfigUpdate u = nodeA.updateConfig(1, next, "alice").block(Duration.ofSeconds(2));
                assertThat(u.applied()).isTrue();
                await("node B adopts v2").atMost(Duration.ofSeconds(5))
                        .until(() -> nodeB.config().block(Duration.ofSeconds(2)).version() >= 2);
                var seen = nodeB.config().block(Duration.ofSeconds(2));
                assertThat(seen.version()).isEqualTo(2);
                assertThat(seen.config().offerTimeoutSeconds()).isEqualTo(30);
                assertThat(nodeB.updateConfig(1, RoutingConfig.defaults(), "bob").block(Duration.ofSeconds(2)).applied())
                        .as("a stale version is refused on every node").isFalse();

                nodeA.updateScript("closing", "en", "Thanks for shopping at {shop}!").block(Duration.ofSeconds(2));
                await("node B adopts the edited script").atMost(Duration.ofSeconds(5)).until(() ->
                        "Thanks for shopping at {shop}!".equals(nodeB.scripts().block(Duration.ofSeconds(2)).get("closing").get("en")));
                assertThat(nodeB.scripts().block(Duration.ofSeconds(2)).get("closing").get("en"))
                        .as("script edits reach every node too").isEqualTo("Thanks for shopping at {shop}!");
                Router restarted = Routers.create(RouterOptions.defaults(), storeB, b);
                assertThat(restarted.scripts().block(Duration.ofSeconds(2)).get("closing").get("en"))
                        .as("a restarted node starts with the edited texts").isEqualTo("Thanks for shopping at {shop}!");
                restarted.close();
            } finally {
                nodeA.close();
                nodeB.close();
                a.dispose();
                b.dispose();
            }
        }
    }
}
