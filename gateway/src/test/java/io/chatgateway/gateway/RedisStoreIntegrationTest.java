package io.chatgateway.gateway;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatgateway.router.store.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway on a real redis-server (one node per Redis, as this version allows). */
class RedisStoreIntegrationTest {
    private static final String SECRET = "redis-test-secret-0123456789-0123456789";
    private RedisServer redis;
    private GatewayServer gateway;
    private final List<WsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        gateway = startGateway();
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(WsClient::close);
        if (gateway != null) {
            gateway.close();
        }
        redis.close();
    }

    private GatewayServer startGateway() {
        Map<String, String> env = new HashMap<>(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET, "CHAT_GATEWAY_ADMIN_TOKEN", "ops",
                "CHAT_GATEWAY_STORE", "redis", "CHAT_GATEWAY_REDIS_URI", redis.uri(), "CHAT_GATEWAY_AGENT_GRACE_SECONDS", "60"));
        return GatewayServer.start(GatewayOptions.from(env));
    }

    private WsClient client(String path) {
        WsClient c = WsClient.connect(gateway.port(), path);
        clients.add(c);
        return c;
    }

    private String token(String sub, String role) {
        return gateway.tokens().mint(sub, "agent".equals(role) ? Map.of("role", "agent", "level", "senior")
                : Map.of("role", "customer", "tier", "vip"), Duration.ofHours(1));
    }

    private int readyz() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void aChatSurvivesAGatewayRestartAndTheShopperResumesExactly() throws Exception {
        WsClient agent = client("/ws/agent");
        agent.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + token("ann", "agent") + "\"}");
        agent.await("welcome");
        WsClient shopper = client("/ws/customer");
        shopper.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\"}");
        String chatId = shopper.await("welcome").get("chatId").asText();
        long held = shopper.await("assigned").get("seq").asLong();
        shopper.send("{\"type\":\"message\",\"text\":\"before the restart\"}");
        agent.await("message", f -> "before the restart".equals(f.path("text").asText()));

        gateway.close(); // the node goes away; everything it acknowledged is in Redis
        clients.clear();
        gateway = startGateway();

        WsClient agentAgain = client("/ws/agent");
        agentAgain.send("{\"type\":\"hello\",\"token\":\"" + token("ann", "agent") + "\"}");
        JsonNode welcome = agentAgain.await("welcome");
        assertThat(welcome.get("chats").get(0).get("chatId").asText()).as("the agent still has the chat").isEqualTo(chatId);
        agentAgain.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"after the restart\"}");
        agentAgain.await("message");

        WsClient back = client("/ws/customer");
        back.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\",\"resume\":{\"chatId\":\"" + chatId
                + "\",\"lastSeq\":" + held + "}}");
        back.await("welcome");
        assertThat(back.await("message").get("text").asText()).isEqualTo("before the restart");
        assertThat(back.await("message").get("text").asText()).isEqualTo("after the restart");
        List<Long> seqs = back.all().stream().filter(f -> f.has("seq")).map(f -> f.get("seq").asLong()).toList();
        assertThat(seqs).as("exactly what was missed, in order, once").containsExactly(held + 1, held + 2);
    }

    @Test
    void withRedisDownTheGatewayIsNotReadyAndSaysUnavailableThenRecoversByItself() throws Exception {
        assertThat(readyz()).isEqualTo(200);
        WsClient shopper = client("/ws/customer");
        shopper.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\"}");
        shopper.await("welcome");
        shopper.await("queued"); // the hello is fully handled (no agent: the shopper waits)
        redis.stop();
        await("not ready while Redis is away").atMost(Duration.ofSeconds(10)).until(() -> readyz() == 503);
        shopper.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"anyone there?\"}");
        // (the tail of the hello, e.g. arming its escalation deadline, may itself meet the outage: match m1's answer)
        assertThat(shopper.await("unavailable for m1", f -> "error".equals(f.path("type").asText())
                && "unavailable".equals(f.path("code").asText()) && "m1".equals(f.path("ref").asText())))
                .as("told at once, not left hanging").isNotNull();
        redis.restart();
        await("ready again once Redis is back").atMost(Duration.ofSeconds(20)).until(() -> readyz() == 200);
        WsClient fresh = client("/ws/customer");
        fresh.send("{\"type\":\"hello\",\"token\":\"" + token("kim", "customer") + "\"}");
        assertThat(fresh.await("welcome").get("chatId").asText()).isNotEmpty();
    }
}
