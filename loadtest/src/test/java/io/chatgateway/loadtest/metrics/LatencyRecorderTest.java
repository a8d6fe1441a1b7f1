package io.chatgateway.loadtest.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyRecorderTest {

    @Test
    void intervalsAndTotalAgree() {
        LatencyRecorder r = new LatencyRecorder();
        for (int i = 1; i <= 100; i++) {
            r.recordMicros(i * 1000L); // 1..100 ms
        }
        LatencyRecorder.Interval first = r.tick(1);
        assertThat(first.count()).isEqualTo(100);
        assertThat(first.p50Millis()).isCloseTo(50, within(0.1));
        assertThat(first.p99Millis()).isCloseTo(99, within(0.1));
        r.recordMicros(500_000);
        assertThat(r.total().getTotalCount()).as("the unfinished second counts too").isEqualTo(101);
        assertThat(r.tick(2).count()).isZero();
        assertThat(r.intervals()).hasSize(2);
    }

    @Test
    void aStallShowsUpInEveryEventThatWasDueDuringIt() {
        // Open model: 10 events due 100 ms apart, the system stalls 1 s and then answers them all at once.
        LatencyRecorder r = new LatencyRecorder();
        long answeredAt = 1_000_000; // µs
        for (int i = 0; i < 10; i++) {
            long due = i * 100_000L;
            r.recordMicros(answeredAt - due);
        }
        // measured from the due time, the median is half the stall; measured from the send (all at once, at 1 s), it would be ~0
        assertThat(r.total().getValueAtPercentile(50) / 1000.0).isCloseTo(500, within(5.0));
    }
}
