package io.chatgateway.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.protocol.Tier;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutingConfigTest {

    private static ObjectNode defaults() {
        return RoutingConfig.defaults().toJson();
    }

    private static List<String> problems(ObjectNode json) {
        try {
            RoutingConfig.fromJson(json);
        } catch (ConfigException e) {
            return e.problems();
        }
        throw new AssertionError("expected validation problems for " + json);
    }

    @Test
    void theDefaultsSurviveAJsonRoundTrip() {
        assertThat(RoutingConfig.fromJson(defaults())).isEqualTo(RoutingConfig.defaults());
    }

    @Test
    void theNewerSectionsAreOptionalRoundTripAndNameTheirBadFields() {
        ObjectNode old = defaults();
        old.remove("ownership");
        old.remove("orderStatus");
        assertThat(RoutingConfig.fromJson(old)).as("an older ops tool's document keeps the defaults").isEqualTo(RoutingConfig.defaults());
        ObjectNode j = defaults();
        j.putObject("ownership").put("windowSeconds", 0).put("retentionHours", 24);
        j.putObject("orderStatus").putObject("refunding").put("group", "after-sales").put("boost", 120);
        RoutingConfig c = RoutingConfig.fromJson(j);
        assertThat(RoutingConfig.fromJson(c.toJson())).isEqualTo(c);
        assertThat(c.rankKey(Tier.REGULAR, List.of("order_refunding"), 0)).isEqualTo(220);
        ObjectNode bad = defaults();
        bad.putObject("ownership").put("windowSeconds", 601).put("retentionHours", -1);
        bad.putObject("orderStatus").putObject("lost").put("boost", 1);
        bad.with("orderStatus").putObject("paid").put("group", "no spaces");
        assertThat(problems(bad)).anySatisfy(s -> assertThat(s).contains("ownership.windowSeconds").contains("0..600"))
                .anySatisfy(s -> assertThat(s).contains("ownership.retentionHours"))
                .anySatisfy(s -> assertThat(s).contains("orderStatus.lost").contains("refunding"))
                .anySatisfy(s -> assertThat(s).contains("orderStatus.paid.group"));
    }

    @Test
    void everyBadFieldIsNamedWithWhatWasExpected() {
        ObjectNode j = defaults();
        j.with("tierWeights").put("vip", "lots");
        j.put("ageingPerSecond", 0);
        j.with("capacity").put("senior", 0);
        j.put("offerTimeoutSeconds", 1);
        j.put("colour", "blue");
        List<String> p = problems(j);
        assertThat(p).anySatisfy(s -> assertThat(s).contains("tierWeights.vip").contains("expected"));
        assertThat(p).anySatisfy(s -> assertThat(s).contains("ageingPerSecond").contains("starve"));
        assertThat(p).anySatisfy(s -> assertThat(s).contains("capacity.senior").contains("1..100"));
        assertThat(p).anySatisfy(s -> assertThat(s).contains("offerTimeoutSeconds").contains("3..600"));
        assertThat(p).anySatisfy(s -> assertThat(s).contains("unknown field 'colour'"));
    }

    @Test
    void escalationStepsNeedDurationsExceptTheLast() {
        ObjectNode j = defaults();
        ((ObjectNode) j.with("escalation").withArray("vip").get(0)).remove("seconds");
        ((ObjectNode) j.with("escalation").withArray("regular").get(0)).putArray("levels").add("captain");
        List<String> p = problems(j);
        assertThat(p).anySatisfy(s -> assertThat(s).contains("escalation.vip[0].seconds is missing"));
        assertThat(p).anySatisfy(s -> assertThat(s).contains("escalation.regular[0].levels").contains("captain"));
    }

    @Test
    void groupsNeedValidHoursAndZones() {
        ObjectNode j = defaults();
        j.with("groups").putObject("pre-sales").put("open", "25:00").put("close", "17:00").put("zone", "Asia/Shanghai");
        assertThat(problems(j)).anySatisfy(s -> assertThat(s).contains("groups.pre-sales"));
        assertThatThrownBy(() -> RoutingConfig.fromJson(new ObjectMapper().createArrayNode())).isInstanceOf(ConfigException.class);
    }

    @Test
    void rankOrderEqualsScoreOrderAtAnyTime() {
        RoutingConfig c = RoutingConfig.defaults();
        long vipAt = 50_000;
        long regAt = 0;
        for (long now : new long[] {60_000, 120_000, 200_000}) {
            boolean vipFirstByScore = c.score(Tier.VIP, List.of(), vipAt, now) > c.score(Tier.REGULAR, List.of(), regAt, now);
            boolean vipFirstByRank = c.rankKey(Tier.VIP, List.of(), vipAt) > c.rankKey(Tier.REGULAR, List.of(), regAt);
            assertThat(vipFirstByRank).isEqualTo(vipFirstByScore);
        }
        // a regular who waited w* = (300 - 100) / 2 = 100 s ties with a VIP arriving then; after that the regular leads
        assertThat(c.rankKey(Tier.REGULAR, List.of(), 0)).isEqualTo(c.rankKey(Tier.VIP, List.of(), 100_000));
        assertThat(c.rankKey(Tier.REGULAR, List.of(), 0)).isGreaterThan(c.rankKey(Tier.VIP, List.of(), 100_001));
    }

    @Test
    void stepsFollowTheLadder() {
        RoutingConfig c = RoutingConfig.defaults();
        assertThat(c.stepIndex(Tier.VIP, 0)).isZero();
        assertThat(c.stepIndex(Tier.VIP, 19_999)).isZero();
        assertThat(c.stepIndex(Tier.VIP, 20_000)).isEqualTo(1);
        assertThat(c.stepIndex(Tier.VIP, 60_000)).isEqualTo(2);
        assertThat(c.stepEndsAfterMillis(Tier.VIP, 0)).isEqualTo(20_000);
        assertThat(c.stepEndsAfterMillis(Tier.VIP, 1)).isEqualTo(60_000);
        assertThat(c.stepEndsAfterMillis(Tier.VIP, 2)).isEqualTo(-1);
    }

    @Test
    void businessHoursAcrossMidnight() {
        ObjectNode j = defaults();
        j.with("groups").putObject("night").put("open", "17:00").put("close", "02:00").put("zone", "UTC");
        RoutingConfig.GroupConfig night = RoutingConfig.fromJson(j).group("night");
        assertThat(night.isOpen(Instant.parse("2026-11-27T18:00:00Z"))).isTrue();
        assertThat(night.isOpen(Instant.parse("2026-11-27T01:00:00Z"))).isTrue();
        assertThat(night.isOpen(Instant.parse("2026-11-27T10:00:00Z"))).isFalse();
        assertThat(night.secondsUntilOpen(Instant.parse("2026-11-27T16:00:00Z"))).isEqualTo(3600);
    }

    @Test
    void theAuditDiffNamesChangedFieldsOnly() {
        ObjectNode j = defaults();
        j.put("urgentOrderBoost", 200);
        assertThat(RoutingConfig.diff(RoutingConfig.defaults(), RoutingConfig.fromJson(j)))
                .containsExactly("urgentOrderBoost: 150.0 -> 200.0");
    }
}
