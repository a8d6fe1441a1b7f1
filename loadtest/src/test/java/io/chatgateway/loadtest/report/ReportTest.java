package io.chatgateway.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.loadtest.metrics.LatencyRecorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    @Test
    void summaryPercentilesComeFromTheHistogram() {
        Histogram h = new Histogram(3_600_000_000L, 3);
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * 10L); // 0.01 .. 10 ms
        }
        Report.Summary s = Report.Summary.of(h);
        assertThat(s.count()).isEqualTo(1000);
        // HdrHistogram keeps 3 significant digits
        assertThat(s.p50()).isCloseTo(5.0, org.assertj.core.api.Assertions.within(0.01));
        assertThat(s.p99()).isCloseTo(9.9, org.assertj.core.api.Assertions.within(0.01));
        assertThat(s.max()).isCloseTo(10.0, org.assertj.core.api.Assertions.within(0.01));
        assertThat(Report.Summary.of(new Histogram(3))).isEqualTo(new Report.Summary(0, 0, 0, 0, 0, 0));
    }

    @Test
    void histogramsSurviveEncodingSoReportsOfSeveralDriversCanBeMerged() {
        Histogram a = new Histogram(3_600_000_000L, 3);
        a.recordValue(100);
        a.recordValue(2000);
        Histogram b = Report.decode(Report.encode(a));
        assertThat(b.getTotalCount()).isEqualTo(2);
        b.add(a);
        assertThat(b.getTotalCount()).isEqualTo(4);
    }

    @Test
    void writesJsonAndAnHtmlPageWithPlots(@TempDir Path dir) throws Exception {
        LatencyRecorder lat = new LatencyRecorder();
        LatencyRecorder greet = new LatencyRecorder();
        lat.recordMicros(1500);
        lat.tick(1);
        greet.tick(1);
        ObjectNode json = Report.json("steady", Map.of("pairs", 10), Map.of("received", 40L, "failures", 0L), lat, greet,
                List.of(new long[] {1, 7}), 2.0);
        assertThat(json.get("messagesPerSecond").asDouble()).isEqualTo(20.0);
        assertThat(json.at("/perSecond/0/waiting").asLong()).isEqualTo(7);
        Report.write(json, dir);
        assertThat(Files.readString(dir.resolve("report.html"))).contains("<svg").contains("polyline").contains("steady");
        assertThat(Files.readString(dir.resolve("report.json"))).contains("\"latencyHistogram\"");
    }
}
