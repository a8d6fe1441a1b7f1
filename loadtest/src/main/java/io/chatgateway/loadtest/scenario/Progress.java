package io.chatgateway.loadtest.scenario;

import io.chatgateway.loadtest.metrics.LatencyRecorder;
import java.io.PrintStream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Prints one progress line a second and closes the per-second latency intervals. */
final class Progress implements AutoCloseable {
    private final Context ctx;
    private final PrintStream out;
    private final ScheduledFuture<?> task;
    private long second;
    private long lastReceived;

    Progress(Context ctx, PrintStream out, String what) {
        this.ctx = ctx;
        this.out = out;
        this.task = ctx.timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        out.println("# " + what);
    }

    private void tick() {
        second++;
        LatencyRecorder.Interval i = ctx.latency.tick(second);
        LatencyRecorder.Interval g = ctx.greeting.tick(second);
        long received = ctx.counter("received");
        long depth = ctx.sampleQueueDepth();
        synchronized (ctx.queueDepth) {
            ctx.queueDepth.add(new long[] {second, depth});
        }
        out.printf("[%4ds] conns=%6d msg/s=%7d p50=%7.2fms p99=%7.2fms greet p99=%7.2fms greeted=%6d queued=%6d assigned=%6d errors=%d failures=%d%s%n",
                second, ctx.counter("connections"), received - lastReceived, i.p50Millis(), i.p99Millis(), g.p99Millis(),
                ctx.counter("greeted"), ctx.counter("queued"), ctx.counter("assigned"), ctx.counter("errors"), ctx.counter("failures"),
                depth >= 0 ? " waiting=" + depth : "");
        lastReceived = received;
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
