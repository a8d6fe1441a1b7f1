package io.chatgateway.gateway.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One line per second of counts and durations, on a clock the test moves. */
class TraceRecorderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicLong now = new AtomicLong(1_796_600_000_000L);

    @TempDir
    Path dir;

    @Test
    void eachSecondBecomesOneLineOfCountsAndDurations() throws Exception {
        Path file = dir.resolve("trace.ndjson");
        try (TraceRecorder trace = new TraceRecorder(now::get, () -> 7, 3600, file)) {
            trace.started("general", "vip", List.of("urgent_order", "complaint_prone"));
            trace.started("general", "vip", List.of("complaint_prone", "urgent_order"));
            trace.started("pre-sales", "new", List.of());
            trace.greeted(40);
            trace.greeted(16_000);
            now.addAndGet(1000);
            trace.assigned("general", "vip", 1200);
            trace.message(true);
            trace.message(true);
            trace.message(false);
            trace.firstReply(31_000);
            trace.handled("general", 299_600);
            now.addAndGet(1500);
            trace.flush(); // second 0 closed; second 1 still open (it ended less than a second ago)
            assertThat(trace.lines(60)).hasSize(2);
            now.addAndGet(1000);
            trace.flush();

            List<String> lines = trace.lines(60);
            assertThat(lines).hasSize(3);
            JsonNode header = JSON.readTree(lines.get(0));
            assertThat(header.get("trace").asText()).isEqualTo("chat-gateway");
            assertThat(header.get("version").asInt()).isEqualTo(1);
            JsonNode first = JSON.readTree(lines.get(1));
            assertThat(first.get("t").asLong()).isZero();
            assertThat(first.get("arrivals").toString()).isEqualTo(
                    "[{\"group\":\"general\",\"tier\":\"vip\",\"tags\":[\"complaint_prone\",\"urgent_order\"],\"n\":2},"
                            + "{\"group\":\"pre-sales\",\"tier\":\"new\",\"tags\":[],\"n\":1}]");
            assertThat(first.get("greeting").toString()).isEqualTo("{\"met\":1,\"missed\":1}");
            assertThat(first.get("queueDepth").asInt()).isEqualTo(7);
            JsonNode second = JSON.readTree(lines.get(2));
            assertThat(second.get("t").asLong()).isEqualTo(1);
            assertThat(second.get("messages").toString()).isEqualTo("{\"customer\":2,\"agent\":1}");
            assertThat(second.get("waitMillis").toString()).isEqualTo("[1200]");
            assertThat(second.get("handledSeconds").toString()).isEqualTo("[300]");
            assertThat(second.get("firstReply").toString()).isEqualTo("{\"met\":0,\"missed\":1}");
            assertThat(second.has("arrivals")).isFalse();

            assertThat(trace.lines(1)).as("the header and the last second").containsExactly(lines.get(0), lines.get(2));
            assertThat(Files.readAllLines(file)).as("the file holds the same lines").isEqualTo(lines);
        }
    }

    @Test
    void quietSecondsStillGetALineAndOnlyTheRetainedSecondsAreKept() {
        try (TraceRecorder trace = new TraceRecorder(now::get, () -> 0, 60, null)) {
            now.addAndGet(120_000);
            trace.flush();
            List<String> lines = trace.lines(1000);
            assertThat(lines).hasSize(61);
            assertThat(lines.get(1)).isEqualTo("{\"t\":59,\"queueDepth\":0}");
            assertThat(lines.get(60)).isEqualTo("{\"t\":118,\"queueDepth\":0}");
        }
    }
}
