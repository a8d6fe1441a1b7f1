package io.chatgateway.loadtest.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OpenScheduleTest {

    @Test
    void aConstantRateSpacesEventsEvenly() {
        OpenSchedule s = OpenSchedule.constant(100);
        assertThat(s.dueAt(0)).isEqualTo(0.0);
        assertThat(s.dueAt(100)).isCloseTo(1.0, within(1e-9));
        assertThat(s.countBy(2.5)).isCloseTo(250, within(1e-9));
    }

    @Test
    void aRampFrom200To1000Over60sHoldsTheIntegral() {
        OpenSchedule s = new OpenSchedule(200, 1000, 60);
        // events in the ramp: (200 + 1000) / 2 × 60 = 36,000
        assertThat(s.countBy(60)).isCloseTo(36_000, within(1e-6));
        assertThat(s.dueAt(36_000)).isCloseTo(60, within(1e-6));
        // then 1000 a second
        assertThat(s.dueAt(37_000)).isCloseTo(61, within(1e-6));
        assertThat(s.rateAt(30)).isCloseTo(600, within(1e-9));
    }

    @Test
    void dueAtInvertsCountByEverywhere() {
        OpenSchedule s = new OpenSchedule(50, 400, 10);
        for (long i = 0; i < 5000; i += 37) {
            assertThat(s.countBy(s.dueAt(i))).as("event %d", i).isCloseTo(i, within(1e-6));
        }
    }

    @Test
    void aRampDownWorksToo() {
        OpenSchedule s = new OpenSchedule(1000, 100, 10);
        assertThat(s.countBy(10)).isCloseTo(5500, within(1e-6));
        assertThat(s.dueAt(5500)).isCloseTo(10, within(1e-6));
        double previous = -1;
        for (long i = 0; i < 6000; i += 100) {
            assertThat(s.dueAt(i)).isGreaterThan(previous);
            previous = s.dueAt(i);
        }
    }
}
