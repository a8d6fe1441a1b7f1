package io.chatgateway.gateway.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.router.config.RoutingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dry-run's simulation: the same surge under two routing documents, in virtual time. */
class TraceSimulationTest {
    /** Two minutes of 1 VIP and 2 regular shoppers a second, chats of a minute: more than 5 agents can take. */
    private static Trace surge() {
        List<String> lines = new ArrayList<>();
        lines.add("{\"trace\":\"chat-gateway\",\"version\":1,\"startSecond\":1762790280}");
        for (int t = 0; t < 120; t++) {
            lines.add("{\"t\":" + t + ",\"arrivals\":[{\"group\":\"general\",\"tier\":\"vip\",\"tags\":[],\"n\":1},"
                    + "{\"group\":\"general\",\"tier\":\"regular\",\"tags\":[],\"n\":2}],\"handledSeconds\":[60]}");
        }
        return Trace.parse("test", lines);
    }

    private static TraceSimulation.TierOutcome tier(TraceSimulation.Outcome o, String tier) {
        return o.tiers().stream().filter(t -> t.tier().equals(tier)).findFirst().orElseThrow();
    }

    @Test
    void weightsThatPutRegularShoppersFirstMakeVipsWaitLongerInTheSameSurge() {
        RoutingConfig current = RoutingConfig.defaults();
        ObjectNode json = current.toJson();
        json.with("tierWeights").put("vip", 0).put("regular", 300);
        RoutingConfig proposed = RoutingConfig.fromJson(json);

        Map<String, Object> result = TraceSimulation.compare(surge(), current, proposed, 5);
        TraceSimulation.Outcome now = (TraceSimulation.Outcome) result.get("current");
        TraceSimulation.Outcome then = (TraceSimulation.Outcome) result.get("proposed");

        assertThat(now.chats()).isEqualTo(360);
        for (TraceSimulation.Outcome o : List.of(now, then)) {
            assertThat(tier(o, "vip").chats()).isEqualTo(120);
            assertThat(tier(o, "regular").chats()).isEqualTo(240);
            o.tiers().forEach(t -> assertThat(t.assigned() + t.unserved()).isEqualTo(t.chats()));
            assertThat(o.maxQueueDepth()).as("50 slots, 3 arrivals a second of 60 s chats: a queue builds").isPositive();
        }
        assertThat(tier(then, "vip").p50WaitSeconds()).isGreaterThan(tier(now, "vip").p50WaitSeconds());
        assertThat(tier(then, "regular").p50WaitSeconds()).isLessThan(tier(now, "regular").p50WaitSeconds());
        assertThat(tier(now, "vip").assignedWithin30sShare()).isGreaterThan(tier(then, "vip").assignedWithin30sShare());
        for (TraceSimulation.Outcome o : List.of(now, then)) {
            o.tiers().forEach(t -> {
                assertThat(t.promised()).as("shoppers who queued were promised a wait, and it is compared").isPositive()
                        .isLessThanOrEqualTo(t.assigned());
                assertThat(t.etaErrorP90Seconds()).isGreaterThanOrEqualTo(t.etaErrorP50Seconds());
            });
        }
    }

    @Test
    void theSameTraceAndDocumentGiveTheSameOutcome() {
        Trace t = surge();
        assertThat(TraceSimulation.run(t, RoutingConfig.defaults(), 5)).isEqualTo(TraceSimulation.run(t, RoutingConfig.defaults(), 5));
    }
}
