package io.chatgateway.loadtest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.loadtest.scenario.Replay;
import io.chatgateway.gateway.trace.Trace;
import java.util.Arrays;
import java.util.Locale;

/**
 * The recorded trace beside its rehearsal: arrivals, queue depth, waits (trace time), service
 * levels. Rehearsal waits are measured in wall time and multiplied by the speed, so both columns
 * are in the trace's time.
 */
public record ReplayReport(Trace recorded, Replay.Result rehearsal) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ReplayReport of(Trace recorded, Replay.Result rehearsal) {
        return new ReplayReport(recorded, rehearsal);
    }

    /** Recorded waits, seconds: p50 and p99 (NaN when none were recorded). */
    double[] recordedWaits() {
        long[] w = recorded.waitMillis();
        if (w.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        long[] sorted = w.clone();
        Arrays.sort(sorted);
        return new double[] {sorted[(int) Math.floor(0.5 * (sorted.length - 1))] / 1000.0,
                sorted[(int) Math.floor(0.99 * (sorted.length - 1))] / 1000.0};
    }

    /** Rehearsal waits in trace time, seconds: p50 and p99. */
    double[] rehearsedWaits() {
        if (rehearsal.waits().getTotalCount() == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {rehearsal.waits().getValueAtPercentile(50) / 1e6 * rehearsal.speed(),
                rehearsal.waits().getValueAtPercentile(99) / 1e6 * rehearsal.speed()};
    }

    public String table() {
        double[] rw = recordedWaits();
        double[] hw = rehearsedWaits();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "REPLAY speed=%s scale=%s%n", rehearsal.speed(), rehearsal.scale()));
        b.append(String.format(Locale.ROOT, "%-34s %14s %14s%n", "", "recorded", "rehearsal"));
        row(b, "chats arriving", recorded.arrivals(), rehearsal.arrivals());
        row(b, "assigned / unserved at the end", "-", rehearsal.assigned() + " / " + rehearsal.unserved());
        row(b, "queue depth, max", recorded.maxQueueDepth(), rehearsal.maxQueueDepth() < 0 ? "-" : rehearsal.maxQueueDepth());
        row(b, "queue depth, mean", fmt(recorded.meanQueueDepth()), rehearsal.meanQueueDepth() < 0 ? "-" : fmt(rehearsal.meanQueueDepth()));
        row(b, "wait to first agent p50, s", fmt(rw[0]), fmt(hw[0]));
        row(b, "wait to first agent p99, s", fmt(rw[1]), fmt(hw[1]));
        row(b, "greeted within 15 s", pct(recorded.greetingMet()), pct(rehearsal.greetingMet()));
        row(b, "first reply within 30 s", pct(recorded.firstReplyMet()), pct(rehearsal.firstReplyMet()));
        return b.toString();
    }

    public ObjectNode json() {
        double[] rw = recordedWaits();
        double[] hw = rehearsedWaits();
        ObjectNode o = JSON.createObjectNode().put("speed", rehearsal.speed()).put("scale", rehearsal.scale());
        o.putObject("recorded").put("arrivals", recorded.arrivals()).put("maxQueueDepth", recorded.maxQueueDepth())
                .put("meanQueueDepth", recorded.meanQueueDepth()).put("waitP50Seconds", rw[0]).put("waitP99Seconds", rw[1])
                .put("greetingMet", recorded.greetingMet()).put("firstReplyMet", recorded.firstReplyMet());
        o.putObject("rehearsal").put("arrivals", rehearsal.arrivals()).put("assigned", rehearsal.assigned())
                .put("unserved", rehearsal.unserved()).put("maxQueueDepth", rehearsal.maxQueueDepth())
                .put("meanQueueDepth", rehearsal.meanQueueDepth()).put("waitP50Seconds", hw[0]).put("waitP99Seconds", hw[1])
                .put("greetingMet", rehearsal.greetingMet()).put("firstReplyMet", rehearsal.firstReplyMet());
        return o;
    }

    private static void row(StringBuilder b, String what, Object recorded, Object rehearsed) {
        b.append(String.format(Locale.ROOT, "%-34s %14s %14s%n", what, recorded, rehearsed));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f %%", v * 100);
    }
}
