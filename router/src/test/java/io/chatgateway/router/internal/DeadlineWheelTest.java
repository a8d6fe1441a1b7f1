package io.chatgateway.router.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadlineWheelTest {

    @Test
    void handsKeysBackAtTheirTickAndNotBefore() {
        DeadlineWheel w = new DeadlineWheel(1000, 64, 0);
        w.arm("a", 5_000);
        w.arm("b", 5_500);
        List<String> due = new ArrayList<>();
        w.advance(4_999, due::add);
        assertThat(due).isEmpty();
        w.advance(5_000, due::add);
        assertThat(due).containsExactly("a");
        w.advance(6_000, due::add);
        assertThat(due).containsExactly("a", "b");
        assertThat(w.armed()).isZero();
    }

    @Test
    void armingLaterIsFreeAndArmingEarlierMoves() {
        DeadlineWheel w = new DeadlineWheel(1000, 64, 0);
        w.arm("a", 10_000);
        w.arm("a", 20_000); // later: nothing changes, the owner re-arms when 10 s comes
        w.arm("a", 3_000); // earlier: moves
        List<String> due = new ArrayList<>();
        w.advance(3_000, due::add);
        assertThat(due).containsExactly("a");
        w.advance(30_000, due::add);
        assertThat(due).as("handed back once").containsExactly("a");
    }

    @Test
    void farDeadlinesAreParkedAndHandedBackForRearming() {
        DeadlineWheel w = new DeadlineWheel(1000, 8, 0);
        w.arm("far", 100_000);
        List<String> due = new ArrayList<>();
        w.advance(7_000, due::add);
        assertThat(due).as("parked in the last slot of the wheel").containsExactly("far");
    }

    @Test
    void disarmedKeysNeverComeBack() {
        DeadlineWheel w = new DeadlineWheel(1000, 8, 0);
        w.arm("x", 2_000);
        w.disarm("x");
        List<String> due = new ArrayList<>();
        w.advance(10_000, due::add);
        assertThat(due).isEmpty();
    }
}
