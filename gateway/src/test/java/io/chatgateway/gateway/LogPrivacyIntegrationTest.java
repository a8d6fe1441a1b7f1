package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Even at DEBUG, no chat text, card number, phone number or token reaches the logs. */
class LogPrivacyIntegrationTest {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private Level before;
    private GatewayServer gateway;

    @AfterEach
    void restore() {
        root.detachAppender(captured);
        root.setLevel(before);
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void nothingPersonalIsLoggedEvenAtDebug() throws Exception {
        before = root.getLevel();
        root.setLevel(Level.DEBUG);
        captured.start();
        root.addAppender(captured);
        Map<String, String> env = new HashMap<>(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", "log-secret-0123456789-0123456789-abcdef",
                "CHAT_GATEWAY_ADMIN_TOKEN", "ops"));
        gateway = GatewayServer.start(GatewayOptions.from(env));
        String agentToken = gateway.tokens().mint("a1", Map.of("role", "agent", "level", "senior"), Duration.ofHours(1));
        String shopperToken = gateway.tokens().mint("u1", Map.of("role", "customer", "tier", "vip", "name", "Wang Fang"), Duration.ofHours(1));
        try (WsClient agent = WsClient.connect(gateway.port(), "/ws/agent");
             WsClient shopper = WsClient.connect(gateway.port(), "/ws/customer")) {
            agent.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + agentToken + "\"}");
            agent.await("welcome");
            shopper.send("{\"type\":\"hello\",\"token\":\"" + shopperToken + "\"}");
            String chatId = shopper.await("assigned").get("chatId").asText();
            shopper.send("{\"type\":\"message\",\"text\":\"my card is 4111 1111 1111 1111, phone 13812345678\"}");
            agent.await("message", f -> f.path("text").asText().contains("4111"));
            agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"please send your payment password\"}");
            agent.await("warning");
            shopper.send("{\"type\":\"message\",\"text\":" + "\"x".repeat(1) + "y".repeat(5000) + "\"}");
            shopper.awaitError("too_large");
            shopper.send("{\"type\":\"close\"}");
            shopper.await("closed");
        }
        WsClient forged = WsClient.connect(gateway.port(), "/ws/agent");
        forged.send("{\"type\":\"hello\",\"token\":\"" + shopperToken + "\"}");
        forged.awaitClose();
        assertThat(captured.list).isNotEmpty();
        for (ILoggingEvent e : captured.list) {
            String line = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
            assertThat(line).as("log line: %s", line)
                    .doesNotContain("4111").doesNotContain("13812345678").doesNotContain("Wang Fang")
                    .doesNotContain("payment password").doesNotContain(shopperToken).doesNotContain(agentToken);
        }
    }
}
