package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/grafana/chat-gateway.json} queries only what a gateway really exports: every metric
 * name in every panel's query is in a scrape of {@code /metrics} after a chat has run its course.
 */
class GrafanaDashboardIntegrationTest {
    /** The metric families the gateway exports (Micrometer's and the JVM binders'); PromQL functions and labels are not. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:chat|gateway|jvm|process|system)_[a-z0-9_]+)\\b");

    @Test
    void everyMetricTheDashboardQueriesIsExported() throws Exception {
        JsonNode dashboard = Contracts.read("grafana/chat-gateway.json");
        Set<String> queried = new TreeSet<>();
        Set<String> titles = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            titles.add(panel.path("title").asText());
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried.add(m.group(1));
                }
            }
        }
        assertThat(queried).as("the dashboard covers queues, waits, SLA, offers, connections, slow consumers, Redis")
                .contains("chat_queue_depth", "chat_queue_wait_seconds_bucket", "chat_sla_greeting_result_total",
                        "chat_sla_first_reply_result_total", "chat_offers_total", "gateway_connections",
                        "gateway_slow_consumers_closed_total", "gateway_store_available");
        assertThat(titles).doesNotContain("");

        Map<String, String> env = Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0", "CHAT_GATEWAY_HOST", "127.0.0.1",
                "CHAT_GATEWAY_JWT_SECRET", "grafana-test-secret-0123456789-0123456789", "CHAT_GATEWAY_ADMIN_TOKEN", "ops");
        try (GatewayServer gateway = GatewayServer.start(GatewayOptions.from(env));
             WsClient agent = WsClient.connect(gateway.port(), "/ws/agent");
             WsClient shopper = WsClient.connect(gateway.port(), "/ws/customer")) {
            agent.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\""
                    + gateway.tokens().mint("ann", Map.of("role", "agent", "level", "senior"), Duration.ofHours(1)) + "\"}");
            agent.await("welcome");
            shopper.send("{\"type\":\"hello\"}");
            String chatId = shopper.await("assigned").get("chatId").asText();
            agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"Hello!\"}");
            shopper.await("message");
            agent.send("{\"type\":\"close\",\"chatId\":\"" + chatId + "\"}");
            shopper.await("closed");

            String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics"))
                    .header("Authorization", "Bearer ops").build(), HttpResponse.BodyHandlers.ofString()).body();
            Set<String> exported = new TreeSet<>();
            for (String line : scrape.split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    exported.add(line.split("[{ ]", 2)[0]);
                }
            }
            assertThat(exported).as("every metric the dashboard queries, in a real scrape").containsAll(queried);
        }
    }
}
