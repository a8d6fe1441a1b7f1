package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code CHAT_GATEWAY_LOG_FORMAT=json} on a real process: every log line is one JSON object with
 * the node id and, for connection events, the connection id; no line holds a message text or a
 * token.
 */
class JsonLogIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "json-log-secret-0123456789-0123456789";

    @Test
    void structuredLogsCarryNodeAndConnectionIdsAndNoPersonalData() throws Exception {
        try (GatewayProcess node = GatewayProcess.start(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET, "CHAT_GATEWAY_ADMIN_TOKEN", "ops",
                "CHAT_GATEWAY_NODE_ID", "json-node-7", "CHAT_GATEWAY_LOG_FORMAT", "json"))) {
            var tokens = new io.chatgateway.gateway.auth.TokenService(SECRET, java.time.Clock.systemUTC(), Duration.ofDays(1));
            String agentToken = tokens.mint("ann", Map.of("role", "agent", "level", "senior"), Duration.ofHours(1));
            String shopperToken = tokens.mint("lee", Map.of("role", "customer", "tier", "vip", "name", "Lee Private"), Duration.ofHours(1));
            try (WsClient agent = WsClient.connect(node.port(), "/ws/agent");
                 WsClient shopper = WsClient.connect(node.port(), "/ws/customer")) {
                agent.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + agentToken + "\"}");
                agent.await("welcome");
                shopper.send("{\"type\":\"hello\",\"token\":\"" + shopperToken + "\"}");
                String chatId = shopper.await("assigned").get("chatId").asText();
                shopper.send("{\"type\":\"message\",\"text\":\"my card 4111 1111 1111 1111, phone 13800138000\"}");
                agent.await("message");
                agent.send("{\"type\":\"close\",\"chatId\":\"" + chatId + "\"}");
                shopper.await("closed");
                agent.send("{\"type\":\"hello\"}"); // a second hello: an error frame
                agent.awaitError("conflict");
            }
            await("the departures are logged").atMost(Duration.ofSeconds(10))
                    .until(() -> node.output().stream().anyMatch(l -> l.contains("disconnected")));

            List<JsonNode> records = new ArrayList<>();
            for (String line : node.output()) {
                if (line.startsWith("chat-gateway ready:")) {
                    continue; // the start banner on stdout, not a log record
                }
                records.add(JSON.readTree(line)); // fails on any line that is not one JSON object
                assertThat(line).as("no personal data in logs").doesNotContain("4111", "13800138000", "Lee Private", agentToken, shopperToken);
            }
            assertThat(records).isNotEmpty().allSatisfy(r -> {
                assertThat(r.path("level").asText()).isNotEmpty();
                assertThat(r.path("formattedMessage").isTextual()).isTrue();
                assertThat(r.at("/context/properties/node").asText()).as("node id on every record").isEqualTo("json-node-7");
            });
            assertThat(records).as("connection events carry the connection id")
                    .anyMatch(r -> r.path("formattedMessage").asText().contains("agent ann connected") && !r.at("/mdc/conn").asText().isEmpty());
        }
    }
}
