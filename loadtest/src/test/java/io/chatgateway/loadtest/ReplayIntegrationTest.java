package io.chatgateway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatgateway.gateway.GatewayOptions;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.loadtest.report.ReplayReport;
import io.chatgateway.loadtest.scenario.Context;
import io.chatgateway.loadtest.scenario.Replay;
import io.chatgateway.gateway.trace.Trace;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Surge rehearsal end to end: a trace is replayed against a real gateway, which records its own
 * trace of the rehearsal; that recording reads back as a trace with every arrival, tier and tag.
 */
class ReplayIntegrationTest {
    private static final String SECRET = "replay-secret-0123456789-0123456789-abc";

    @TempDir
    Path dir;

    /** A small trace: 10 s, 3 shoppers a second of mixed tiers and tags, chats of 4 s. */
    private Path smallTrace() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("{\"trace\":\"chat-gateway\",\"version\":1,\"startSecond\":1762790280}");
        for (int t = 0; t < 10; t++) {
            lines.add("{\"t\":" + t + ",\"arrivals\":[{\"group\":\"general\",\"tier\":\"vip\",\"tags\":[\"urgent_order\"],\"n\":1},"
                    + "{\"group\":\"pre-sales\",\"tier\":\"regular\",\"tags\":[],\"n\":2}],\"messages\":{\"customer\":6,\"agent\":6},"
                    + "\"waitMillis\":[500,1500,4000],\"handledSeconds\":[4,4,4],\"greeting\":{\"met\":3,\"missed\":0},"
                    + "\"firstReply\":{\"met\":3,\"missed\":0},\"queueDepth\":" + (t % 3) + "}");
        }
        Path file = dir.resolve("small.ndjson");
        Files.write(file, lines);
        return file;
    }

    @Test
    void aRehearsalPlaysEveryArrivalAndTheGatewayRecordsItAsATrace() throws Exception {
        try (GatewayServer gateway = GatewayServer.start(GatewayOptions.from(Map.of("CHAT_GATEWAY_PORT", "0",
                "CHAT_GATEWAY_ADMIN_PORT", "0", "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET,
                "CHAT_GATEWAY_ADMIN_TOKEN", "ops", "CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS", "0")))) {
            Trace recorded = Trace.read(smallTrace());
            assertThat(recorded.arrivals()).isEqualTo(30);
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            Replay.Result r;
            try (Context ctx = new Context("http://127.0.0.1:" + gateway.port(), "http://127.0.0.1:" + gateway.adminPort(), "ops",
                    SECRET, List.of(), 1)) {
                r = Replay.run(ctx, recorded, 5, 1, 3, new PrintStream(progress, true, StandardCharsets.UTF_8));
                assertThat(ctx.failureReasons()).isEmpty();
            }
            assertThat(r.arrivals()).isEqualTo(30);
            assertThat(r.greeted()).isEqualTo(30);
            assertThat(r.assigned()).isEqualTo(30);
            assertThat(r.closed()).as("every chat handled and closed by the agents").isEqualTo(30);
            assertThat(r.unserved()).isZero();
            assertThat(r.waits().getTotalCount()).isEqualTo(30);
            assertThat(r.firstReplies().getTotalCount()).isEqualTo(30);
            String table = ReplayReport.of(recorded, r).table();
            assertThat(table).contains("chats arriving", "queue depth, max", "wait to first agent p99, s", "first reply within 30 s");
            assertThat(ReplayReport.of(recorded, r).json().at("/recorded/waitP99Seconds").asDouble()).isEqualTo(4.0);

            // The gateway recorded the rehearsal: every arrival with its group, tier and tags, and each chat's handling.
            HttpClient http = HttpClient.newHttpClient();
            Path own = dir.resolve("recorded-by-the-gateway.ndjson");
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/admin/trace"))
                        .header("Authorization", "Bearer ops").build(), HttpResponse.BodyHandlers.ofString()).body();
                Files.writeString(own, body);
                Trace again = Trace.read(own);
                assertThat(again.arrivals()).isEqualTo(30);
                assertThat(again.handledSeconds()).hasSize(30);
            });
            Trace again = Trace.read(own);
            assertThat(again.groups()).containsExactly("general", "pre-sales");
            assertThat(again.seconds().stream().flatMap(s -> s.arrivals().stream()).filter(a -> a.tier().equals("vip"))
                    .mapToLong(Trace.Arrival::n).sum()).isEqualTo(10);
            assertThat(again.seconds().stream().flatMap(s -> s.arrivals().stream()).filter(a -> a.tags().contains("urgent_order"))
                    .mapToLong(Trace.Arrival::n).sum()).isEqualTo(10);
            assertThat(again.waitMillis()).hasSize(30);
            assertThat(Files.readString(own)).doesNotContain("replay-"); // no shopper or agent id in a trace
        }
    }

    @Test
    void theShippedDouble11TraceReplaysInTwentySecondsWithEveryShopperGreetedAndEveryChatAccountedFor() throws Exception {
        Trace night = Trace.read(Path.of("traces", "double11-synthetic.ndjson"));
        try (GatewayServer gateway = GatewayServer.start(GatewayOptions.from(Map.of("CHAT_GATEWAY_PORT", "0",
                "CHAT_GATEWAY_ADMIN_PORT", "0", "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET,
                "CHAT_GATEWAY_ADMIN_TOKEN", "ops", "CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS", "0")));
             Context ctx = new Context("http://127.0.0.1:" + gateway.port(), "http://127.0.0.1:" + gateway.adminPort(), "ops",
                     SECRET, List.of(), 1)) {
            // 600 s of trace at speed 30: 20 s; a tenth of the shoppers against 10 agents (100 slots): the midnight queue forms.
            Replay.Result r = Replay.run(ctx, night, 30, 0.1, 10, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertThat(ctx.failureReasons()).isEmpty();
            assertThat(r.arrivals()).isBetween(night.arrivals() / 10 - 1, night.arrivals() / 10 + 1);
            assertThat(r.greeted()).isEqualTo(r.arrivals());
            assertThat(r.closed() + r.unserved()).isEqualTo(r.arrivals());
            assertThat(r.maxQueueDepth()).as("the rush outruns 100 slots").isPositive();
            String table = ReplayReport.of(night, r).table();
            assertThat(table).contains(String.valueOf(night.arrivals()), String.valueOf(r.arrivals()));
        }
    }

    @Test
    void theShippedDouble11TraceIsAValidTraceShapedLikeTheNight() throws Exception {
        Trace t = Trace.read(Path.of("traces", "double11-synthetic.ndjson"));
        assertThat(t.duration()).isEqualTo(600);
        assertThat(t.arrivals()).isGreaterThan(4000);
        assertThat(t.peakArrivalsPerSecond()).isGreaterThanOrEqualTo(12);
        long firstMinute = t.seconds().stream().filter(s -> s.t() < 60).mapToLong(Trace.Second::arrivalCount).sum();
        long peakMinute = t.seconds().stream().filter(s -> s.t() >= 180 && s.t() < 240).mapToLong(Trace.Second::arrivalCount).sum();
        assertThat(peakMinute).as("the midnight rush").isGreaterThan(5 * firstMinute);
        assertThat(t.maxQueueDepth()).isPositive();
        assertThat(t.groups()).containsExactly("general", "pre-sales");
    }
}
