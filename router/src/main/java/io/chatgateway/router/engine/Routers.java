package io.chatgateway.router.engine;

import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.store.ChatStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.scheduler.Scheduler;

/**
 * Makes the stock {@link Router}. It lives here, not on the interface, so the API package does
 * not depend on its implementation (no package cycle).
 */
public final class Routers {
    private Routers() {
    }

    /** The default router over a store, running on a worker of {@code scheduler}, counting into {@code meters}. */
    public static Router create(RouterOptions options, ChatStore store, Scheduler scheduler, MeterRegistry meters) {
        return new DefaultRouter(options, store, NodeBus.local(), scheduler, meters);
    }

    /**
     * One node of several sharing {@code store} (Redis): frames for participants connected to
     * other nodes travel over {@code bus}, and this node takes its share of timers and of dead nodes' work.
     */
    public static Router create(RouterOptions options, ChatStore store, NodeBus bus, Scheduler scheduler, MeterRegistry meters) {
        return new DefaultRouter(options, store, bus, scheduler, meters);
    }

    /** As {@link #create(RouterOptions, ChatStore, Scheduler, MeterRegistry)} without metrics export. */
    public static Router create(RouterOptions options, ChatStore store, Scheduler scheduler) {
        return new DefaultRouter(options, store, NodeBus.local(), scheduler, new SimpleMeterRegistry());
    }
}
