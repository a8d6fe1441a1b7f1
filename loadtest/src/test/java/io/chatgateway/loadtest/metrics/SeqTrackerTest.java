package io.chatgateway.loadtest.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SeqTrackerTest {

    @Test
    void countsDuplicatesAndMissingAgainstTheServersLastSeq() {
        SeqTracker t = new SeqTracker();
        for (long s : new long[] {1, 2, 3, 5, 5, 6, 3}) {
            t.receive(s);
        }
        assertThat(t.duplicates()).isEqualTo(2);
        assertThat(t.contiguous()).isEqualTo(3);
        assertThat(t.missing(6)).as("4 never arrived").isEqualTo(1);
        assertThat(t.missing(8)).as("4, 7 and 8 never arrived").isEqualTo(3);
        assertThat(t.highest()).isEqualTo(6);
    }

    @Test
    void aCleanStreamHasNothingLostOrDoubled() {
        SeqTracker t = new SeqTracker();
        for (long s = 1; s <= 1000; s++) {
            assertThat(t.receive(s)).isTrue();
        }
        assertThat(t.missing(1000)).isZero();
        assertThat(t.duplicates()).isZero();
        assertThat(t.contiguous()).isEqualTo(1000);
    }
}
