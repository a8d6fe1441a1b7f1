package io.chatgateway.router.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of silence-care timers per chat message with {@code chats} chats armed.
 * (In the router's package because {@link DeadlineWheel} is internal.)
 *
 * <ul>
 *   <li>{@code wheelOnMessage}: what the router does: write the activity time, arm the wheel
 *       (a no-op while an earlier deadline is armed), plus its share of the per-second tick.</li>
 *   <li>{@code rescheduleOnMessage}: the baseline the design avoids: cancel the chat's scheduled
 *       task and schedule a new one on a {@link ScheduledThreadPoolExecutor} for every message.</li>
 *   <li>{@code wheelArmNew}: arming a fresh deadline (a chat assigned), the cost per armed timer.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class CareTimerBenchmark {
    private static final long CARE_MILLIS = 900_000;

    @Param({"200000"})
    int chats;

    private String[] keys;
    private long[] lastActivity;
    private long[] armedFor;
    private DeadlineWheel wheel;
    private long now;
    private long messages;
    private ScheduledThreadPoolExecutor executor;
    private ScheduledFuture<?>[] futures;
    private int fresh;

    @Setup(Level.Trial)
    public void setup() {
        keys = new String[chats];
        lastActivity = new long[chats];
        armedFor = new long[chats];
        wheel = new DeadlineWheel(1000, 4096, 0);
        executor = new ScheduledThreadPoolExecutor(1);
        executor.setRemoveOnCancelPolicy(true);
        futures = new ScheduledFuture<?>[chats];
        for (int i = 0; i < chats; i++) {
            keys[i] = "c" + i;
            wheel.arm(keys[i], CARE_MILLIS);
            armedFor[i] = CARE_MILLIS;
            futures[i] = executor.schedule(() -> { }, 900, TimeUnit.SECONDS);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.shutdownNow();
    }

    @Benchmark
    public int wheelOnMessage() {
        int i = ThreadLocalRandom.current().nextInt(chats);
        // virtual time: 10,000 messages a second
        if (++messages % 10_000 == 0) {
            now += 1000;
            wheel.advance(now, k -> {
                int j = Integer.parseInt(k, 1, k.length(), 10);
                armedFor[j] = lastActivity[j] + CARE_MILLIS;
                wheel.arm(k, armedFor[j]);
            });
        }
        // As the router does: a message writes the time; the wheel is called only for an earlier deadline.
        lastActivity[i] = now;
        long deadline = now + CARE_MILLIS;
        if (armedFor[i] > deadline) {
            armedFor[i] = deadline;
            wheel.arm(keys[i], deadline);
        }
        return i;
    }

    @Benchmark
    public int rescheduleOnMessage() {
        int i = ThreadLocalRandom.current().nextInt(chats);
        futures[i].cancel(false);
        futures[i] = executor.schedule(() -> { }, 900, TimeUnit.SECONDS);
        return i;
    }

    @Benchmark
    public int wheelArmNew() {
        int i = fresh++ % chats;
        wheel.disarm(keys[i]);
        wheel.arm(keys[i], now + 60_000 + i % 900_000);
        return i;
    }
}
