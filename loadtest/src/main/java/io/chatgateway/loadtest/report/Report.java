package io.chatgateway.loadtest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.loadtest.metrics.LatencyRecorder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The final report of a run: {@code report.json} (figures, per-second series and the encoded
 * histograms, so reports of several driver processes can be merged) and {@code report.html}
 * (latency-over-time, throughput and queue-depth plots as inline SVG; no external scripts).
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Report() {
    }

    /** p50, p90, p99, p99.9 and max in milliseconds, and the count. */
    public record Summary(long count, double p50, double p90, double p99, double p999, double max) {
        public static Summary of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Summary(0, 0, 0, 0, 0, 0);
            }
            return new Summary(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                    ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }
    }

    public static String encode(Histogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(b);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b.array(), n));
    }

    public static Histogram decode(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalArgumentException("not an encoded histogram", e);
        }
    }

    public static ObjectNode json(String scenario, Map<String, Object> settings, Map<String, Long> counters,
                                  LatencyRecorder latency, LatencyRecorder greeting, List<long[]> queueDepth, double seconds) {
        ObjectNode o = JSON.createObjectNode();
        o.put("scenario", scenario);
        o.set("settings", JSON.valueToTree(settings));
        o.set("counters", JSON.valueToTree(counters));
        o.put("seconds", seconds);
        Histogram lat = latency.total();
        Histogram greet = greeting.total();
        o.set("latencyMillis", JSON.valueToTree(Summary.of(lat)));
        o.set("greetingMillis", JSON.valueToTree(Summary.of(greet)));
        o.put("messagesPerSecond", seconds <= 0 ? 0 : counters.getOrDefault("received", 0L) / seconds);
        o.put("latencyHistogram", encode(lat));
        o.put("greetingHistogram", encode(greet));
        ArrayNode series = o.putArray("perSecond");
        List<LatencyRecorder.Interval> g = greeting.intervals();
        List<LatencyRecorder.Interval> l = latency.intervals();
        for (int i = 0; i < l.size(); i++) {
            ObjectNode p = series.addObject();
            p.put("second", l.get(i).second());
            p.put("messages", l.get(i).count());
            p.put("p50", l.get(i).p50Millis());
            p.put("p99", l.get(i).p99Millis());
            p.put("greetP99", i < g.size() ? g.get(i).p99Millis() : 0);
            p.put("greeted", i < g.size() ? g.get(i).count() : 0);
            p.put("waiting", i < queueDepth.size() ? queueDepth.get(i)[1] : -1);
        }
        return o;
    }

    public static void write(ObjectNode report, Path dir) throws IOException {
        Files.createDirectories(dir);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("report.json").toFile(), report);
        Files.writeString(dir.resolve("report.html"), html(report), StandardCharsets.UTF_8);
    }

    static String html(ObjectNode r) {
        ArrayNode s = (ArrayNode) r.get("perSecond");
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html><meta charset=utf-8><title>chat gateway load test: ").append(r.get("scenario").asText())
                .append("</title><style>body{font:14px system-ui;margin:24px}td,th{padding:2px 10px;text-align:right}"
                        + "svg{border:1px solid #ddd;margin:8px 0}</style>");
        b.append("<h1>Load test: ").append(r.get("scenario").asText()).append("</h1>");
        b.append("<p>settings: <code>").append(escape(r.get("settings").toString())).append("</code></p>");
        b.append("<table><tr><th></th><th>count</th><th>p50 ms</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        for (String k : List.of("latencyMillis", "greetingMillis")) {
            var x = r.get(k);
            b.append("<tr><th>").append(k).append("</th><td>").append(x.get("count").asLong()).append("</td>");
            for (String f : List.of("p50", "p90", "p99", "p999", "max")) {
                b.append("<td>").append(String.format(Locale.ROOT, "%.2f", x.get(f).asDouble())).append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</table><p>counters: <code>").append(escape(r.get("counters").toString())).append("</code></p>");
        b.append(chart("end-to-end latency (ms): p50 blue, p99 red", s, "p50", "p99"));
        b.append(chart("greeting latency p99 (ms)", s, "greetP99", null));
        b.append(chart("messages routed per second", s, "messages", null));
        b.append(chart("shoppers waiting (from /admin/queues; -1 = not sampled)", s, "waiting", null));
        return b.toString();
    }

    private static String chart(String title, ArrayNode s, String a, String c) {
        int w = 800;
        int h = 200;
        double max = 1e-9;
        for (var p : s) {
            max = Math.max(max, p.get(a).asDouble());
            if (c != null) {
                max = Math.max(max, p.get(c).asDouble());
            }
        }
        StringBuilder b = new StringBuilder("<h3>").append(title).append(String.format(Locale.ROOT, " (max %.2f)", max))
                .append("</h3><svg width=").append(w).append(" height=").append(h).append('>');
        b.append(line(s, a, max, w, h, "#1565c0"));
        if (c != null) {
            b.append(line(s, c, max, w, h, "#c62828"));
        }
        return b.append("</svg>").toString();
    }

    private static String line(ArrayNode s, String field, double max, int w, int h, String colour) {
        StringBuilder pts = new StringBuilder();
        int n = Math.max(1, s.size() - 1);
        for (int i = 0; i < s.size(); i++) {
            double x = 5 + (w - 10) * (double) i / n;
            double y = h - 5 - (h - 10) * Math.max(0, s.get(i).get(field).asDouble()) / max;
            pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return "<polyline fill=none stroke='" + colour + "' stroke-width=1.5 points='" + pts + "'/>";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
