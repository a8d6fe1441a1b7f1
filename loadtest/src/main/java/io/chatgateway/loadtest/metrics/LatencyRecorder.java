package io.chatgateway.loadtest.metrics;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * End-to-end latencies in microseconds, recorded with HdrHistogram (1 µs to 1 h, 3 significant
 * digits) from the time an event was due (see {@link OpenSchedule}). Keeps a whole-run histogram
 * and one per second for the over-time plot. Safe to record from many threads.
 */
public final class LatencyRecorder {
    private static final long MAX_MICROS = 3_600_000_000L;

    private final Recorder recorder = new Recorder(MAX_MICROS, 3);
    private final Histogram total = new Histogram(MAX_MICROS, 3);
    private final List<Interval> intervals = new ArrayList<>();
    private Histogram reuse;

    /** One second of the run. */
    public record Interval(long second, long count, double p50Millis, double p99Millis, double maxMillis) {
    }

    public void recordMicros(long micros) {
        recorder.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
    }

    /** Closes the current interval (call once a second); returns it. */
    public synchronized Interval tick(long second) {
        reuse = recorder.getIntervalHistogram(reuse);
        total.add(reuse);
        Interval i = new Interval(second, reuse.getTotalCount(), millis(reuse, 50), millis(reuse, 99),
                reuse.getTotalCount() == 0 ? 0 : reuse.getMaxValue() / 1000.0);
        intervals.add(i);
        return i;
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** Everything recorded so far, including the current unfinished second. */
    public synchronized Histogram total() {
        reuse = recorder.getIntervalHistogram(reuse);
        total.add(reuse);
        return total.copy();
    }

    public synchronized List<Interval> intervals() {
        return List.copyOf(intervals);
    }
}
