package io.chatgateway.loadtest.metrics;

/**
 * An open-model arrival schedule: events are due at fixed times whatever the system does, and
 * latency is measured from the time an event was <em>due</em>, not from when the driver managed
 * to send it. That is the correction for coordinated omission: a stall in the system under test
 * shows up as latency of everything that should have happened during it.
 *
 * <p>The rate ramps linearly from {@code startPerSecond} to {@code endPerSecond} over
 * {@code rampSeconds} and stays at the end rate after that (start == end: a constant rate).
 */
public final class OpenSchedule {
    private final double r0;
    private final double r1;
    private final double ramp;

    public OpenSchedule(double startPerSecond, double endPerSecond, double rampSeconds) {
        if (startPerSecond <= 0 || endPerSecond <= 0 || rampSeconds < 0) {
            throw new IllegalArgumentException("rates " + startPerSecond + " -> " + endPerSecond + " over " + rampSeconds
                    + " s (expected: rates > 0, ramp >= 0)");
        }
        this.r0 = startPerSecond;
        this.r1 = endPerSecond;
        this.ramp = rampSeconds;
    }

    public static OpenSchedule constant(double perSecond) {
        return new OpenSchedule(perSecond, perSecond, 0);
    }

    /** Events due by {@code t} seconds after the start: the integral of the rate. */
    public double countBy(double t) {
        if (ramp == 0 || t >= ramp) {
            double inRamp = ramp == 0 ? 0 : r0 * ramp + (r1 - r0) * ramp / 2;
            return inRamp + r1 * (t - Math.min(t, ramp));
        }
        return r0 * t + (r1 - r0) * t * t / (2 * ramp);
    }

    /** When (seconds after the start) the {@code i}-th event (0-based) is due: the inverse of {@link #countBy}. */
    public double dueAt(long i) {
        double n = i;
        double inRamp = ramp == 0 ? 0 : r0 * ramp + (r1 - r0) * ramp / 2;
        if (ramp == 0 || n >= inRamp) {
            return ramp + (n - inRamp) / r1;
        }
        double a = (r1 - r0) / (2 * ramp);
        if (Math.abs(a) < 1e-12) {
            return n / r0;
        }
        // a t² + r0 t − n = 0, positive root
        return (-r0 + Math.sqrt(r0 * r0 + 4 * a * n)) / (2 * a);
    }

    /** What to do with the {@code i}-th event, due at {@code dueNanos} ({@link System#nanoTime()} clock). */
    @FunctionalInterface
    public interface DueAction {
        void run(long i, long dueNanos);
    }

    /**
     * Plays the schedule from {@code startNanos} until {@code endNanos}: waits for each event's due
     * time and runs it. When the driver falls behind it does not wait, so late events keep their
     * original due time and their latency shows the delay.
     */
    public void play(long startNanos, long endNanos, DueAction action) {
        for (long i = 0; ; i++) {
            long due = startNanos + (long) (dueAt(i) * 1e9);
            if (due >= endNanos) {
                return;
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
            action.run(i, due);
        }
    }

    /** The rate at {@code t} seconds. */
    public double rateAt(double t) {
        return ramp == 0 || t >= ramp ? r1 : r0 + (r1 - r0) * t / ramp;
    }
}
