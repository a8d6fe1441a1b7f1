package io.chatgateway.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.store.MemoryChatStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** How a lane task goes on after the store answers: on its lane as itself, or from the answering thread acting for it. */
class NodeContextTest {
    private final Scheduler scheduler = Schedulers.newParallel("ctx-test", 1);
    private final NodeContext ctx = new NodeContext(RouterOptions.builder().workers(1).build(),
            new MemoryChatStore(RoutingConfig.defaults()), NodeBus.local(), scheduler, new SimpleMeterRegistry());

    @AfterEach
    void stop() {
        ctx.dispose();
        scheduler.dispose();
    }

    /** Runs {@code task} as a task of lane 0 and returns what it returned. */
    private <T> T onLane(java.util.function.Supplier<T> task) throws Exception {
        CompletableFuture<T> out = new CompletableFuture<>();
        ctx.lane(0).schedule(() -> ctx.asLane(0, () -> {
            try {
                out.complete(task.get());
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        }));
        return out.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aBlockingWaiterRunsTheContinuationItsStageHandsBackToItsOwnLane() throws Exception {
        String result = onLane(() -> {
            long task = ctx.currentTask();
            CompletableFuture<String> answer = new CompletableFuture<>();
            CompletionStage<String> next = ctx.thenOnLane(answer, v -> CompletableFuture.completedStage(
                    v + (ctx.currentTask() == task && ctx.currentLane() == 0 ? " on lane 0 as the same task" : " elsewhere")));
            new Thread(() -> answer.complete("answered")).start(); // a store's I/O thread
            return ctx.await(next); // the continuation needs this very lane, whose thread waits here
        });
        assertThat(result).isEqualTo("answered on lane 0 as the same task");
    }

    @Test
    void aContinuationOnTheAnsweringThreadActsForTheTaskThatWaits() throws Exception {
        long[] seen = new long[2];
        CompletionStage<String> chained = onLane(() -> {
            seen[0] = ctx.currentTask();
            CompletableFuture<String> answer = new CompletableFuture<>();
            CompletionStage<String> next = ctx.thenAtOnce(answer, v -> {
                seen[1] = ctx.currentTask();
                return CompletableFuture.completedStage(Thread.currentThread().getName());
            });
            new Thread(() -> answer.complete("x"), "store-io").start();
            return next;
        });
        assertThat(chained.toCompletableFuture().get(30, TimeUnit.SECONDS)).isEqualTo("store-io");
        assertThat(seen[1]).as("the task its sends count for (its gates let them through)").isEqualTo(seen[0]).isNotEqualTo(Gate.NO_TASK);
    }

    @Test
    void eachLaneTaskIsItsOwnHolder() throws Exception {
        long first = onLane(ctx::currentTask);
        long second = onLane(ctx::currentTask);
        assertThat(first).isNotEqualTo(second).isNotEqualTo(Gate.NO_TASK);
        assertThat(ctx.currentTask()).as("off the lanes").isEqualTo(Gate.NO_TASK);
    }
}
