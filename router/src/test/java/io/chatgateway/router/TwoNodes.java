package io.chatgateway.router;

import static org.awaitility.Awaitility.await;

import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.cluster.RedisNodeBus;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.engine.Routers;
import io.chatgateway.router.store.RedisChatStore;
import io.chatgateway.router.store.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** Two routers (nodes A and B) on one real Redis of their own, in one virtual time ({@link VirtualLanes}). */
final class TwoNodes implements AutoCloseable {
    final VirtualLanes time = new VirtualLanes();
    final RedisServer redis;
    final RedisChatStore storeA;
    final RedisChatStore storeB;
    final NodeBus busA;
    final NodeBus busB;
    final Router nodeA;
    final Router nodeB;

    /** @param busOfB wraps node B's bus (e.g. to hold its frames back), or returns it as it is */
    TwoNodes(RoutingConfig config, UnaryOperator<NodeBus> busOfB) throws Exception {
        redis = RedisServer.start();
        storeA = new RedisChatStore(redis.uri(), config);
        storeB = new RedisChatStore(redis.uri(), config);
        busA = RedisNodeBus.of(storeA, "A", Duration.ofSeconds(30));
        busB = busOfB.apply(RedisNodeBus.of(storeB, "B", Duration.ofSeconds(30)));
        nodeA = Routers.create(RouterOptions.defaults(), storeA, busA, time, new SimpleMeterRegistry());
        nodeB = Routers.create(RouterOptions.defaults(), storeB, busB, time, new SimpleMeterRegistry());
        time.watch(nodeA);
        time.watch(nodeB);
    }

    /** Runs due work until the condition holds (frames from the other node arrive on a Redis thread). */
    void until(String what, BooleanSupplier condition) {
        // On this thread: it is the lanes' thread (VirtualLanes).
        await(what).atMost(Duration.ofSeconds(5)).pollInSameThread().pollInterval(Duration.ofMillis(10)).until(() -> {
            time.advanceTime(); // the virtual clock stays put: this runs work that became due, e.g. frames from the other node
            return condition.getAsBoolean();
        });
    }

    @Override
    public void close() throws Exception {
        nodeA.close();
        nodeB.close();
        busA.close();
        busB.close();
        storeA.close();
        storeB.close();
        redis.close();
    }
}
