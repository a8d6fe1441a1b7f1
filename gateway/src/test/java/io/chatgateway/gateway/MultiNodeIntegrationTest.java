package io.chatgateway.gateway;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.router.store.RedisExtension;
import io.chatgateway.router.store.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multi-node scenarios on a standalone redis-server, plus a Redis restart under two nodes. */
class MultiNodeIntegrationTest extends MultiNodeScenarios {
    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    @Override
    String redisUri() {
        return REDIS.uri();
    }

    private static int readyz(GatewayServer g) throws Exception {
        return readyz(g.adminPort());
    }

    private static int readyz(int adminPort) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aNodeDrainedBySigtermHandsItsChatsToTheOtherNodesWithNothingLostAndExitsZero() throws Exception {
        // The draining node's agent keeps the chat for its grace period: long enough to resume on node A.
        GatewayProcess k = startNodeProcess(Map.of("CHAT_GATEWAY_DRAIN_SECONDS", "3", "CHAT_GATEWAY_AGENT_GRACE_SECONDS", "30"));
        WsClient ann = agent(k.port(), "ann", true);
        WsClient lee = shopper(k.port(), "lee");
        String chatId = lee.await("welcome").get("chatId").asText();
        lee.await("assigned");
        lee.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"before\"}");
        ann.await("before", text("before"));

        k.process().destroy(); // SIGTERM
        await("readiness 503 at once").atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() -> readyz(k.adminPort()) == 503);
        lee.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"during\"}"); // the quiet period: still served
        ann.await("during", text("during"));
        assertThat(lee.awaitClose()).as("asked to reconnect elsewhere").isEqualTo(1001);
        assertThat(ann.awaitClose()).isEqualTo(1001);
        assertThat(k.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(k.process().exitValue()).as("a drain is a clean exit").isZero();

        long annSeen = ann.all().stream().filter(f -> chatId.equals(f.path("chatId").asText()) && f.has("seq"))
                .mapToLong(f -> f.get("seq").asLong()).max().orElseThrow();
        WsClient annBack = client(a.port(), "/ws/agent");
        annBack.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + token("ann", "agent")
                + "\",\"resume\":[{\"chatId\":\"" + chatId + "\",\"lastSeq\":" + annSeen + "}]}");
        assertThat(annBack.await("welcome").get("chats").toString()).as("ann kept the chat").contains(chatId);
        long leeSeen = lee.all().stream().filter(f -> f.has("seq")).mapToLong(f -> f.get("seq").asLong()).max().orElseThrow();
        WsClient leeBack = client(b.port(), "/ws/customer");
        leeBack.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\",\"resume\":{\"chatId\":\"" + chatId
                + "\",\"lastSeq\":" + leeSeen + "}}");
        leeBack.await("welcome");
        leeBack.send("{\"type\":\"message\",\"id\":\"m3\",\"text\":\"after\"}");
        annBack.await("after, on node A", text("after"));
        annBack.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"welcome back\"}");
        leeBack.await("the answer, on node B", text("welcome back"));

        WsClient check = client(a.port(), "/ws/customer");
        check.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\",\"resume\":{\"chatId\":\"" + chatId
                + "\",\"lastSeq\":0}}");
        check.await("replay", text("welcome back"));
        assertThat(check.all("message").stream().map(f -> f.get("text").asText()).toList())
                .as("everything once, in order").containsExactly("before", "during", "after", "welcome back");
        assertThat(check.all("script").stream().map(f -> f.get("kind").asText()).toList())
                .as("the chat never went back to the queue").doesNotContain("agent_left");
    }

    private static void awaitReadiness(int status, GatewayServer... nodes) throws Exception {
        for (GatewayServer g : nodes) {
            await("readiness " + status).atMost(Duration.ofSeconds(20)).until(() -> readyz(g) == status);
        }
    }

    @Test
    void whenRedisRestartsEveryNodeSaysUnavailableThenTheCrossNodeChatCarriesOnWithNothingLost() throws Exception {
        try (RedisServer persistent = RedisServer.startPersistent()) {
            // A longer grace than the outage: nodes that lost their liveness key meanwhile take their agents back first.
            Map<String, String> envC = env("C", persistent.uri());
            envC.put("CHAT_GATEWAY_AGENT_GRACE_SECONDS", "8");
            Map<String, String> envD = env("D", persistent.uri());
            envD.put("CHAT_GATEWAY_AGENT_GRACE_SECONDS", "8");
            try (GatewayServer c = GatewayServer.start(GatewayOptions.from(envC));
                 GatewayServer d = GatewayServer.start(GatewayOptions.from(envD))) {
                WsClient ann = agent(d.port(), "ann", true);
                WsClient lee = shopper(c.port(), "lee");
                String chatId = lee.await("welcome").get("chatId").asText();
                lee.await("assigned");
                lee.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"before\"}");
                lee.await("echo", text("before"));
                ann.await("before, on D", text("before"));

                persistent.stop();
                awaitReadiness(503, c, d);
                lee.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"during\"}");
                assertThat(lee.await("unavailable for m2", f -> "error".equals(f.path("type").asText())
                        && "unavailable".equals(f.path("code").asText()) && "m2".equals(f.path("ref").asText())))
                        .as("told at once, not left hanging").isNotNull();

                persistent.restart();
                awaitReadiness(200, c, d);
                lee.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"during\"}"); // the widget retries what was refused
                ann.await("the retry, across nodes again", text("during"));
                ann.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"after\"}");
                lee.await("the answer, across nodes", text("after"));

                WsClient check = client(d.port(), "/ws/customer");
                check.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\",\"resume\":{\"chatId\":\"" + chatId
                        + "\",\"lastSeq\":0}}");
                check.await("replay", text("after"));
                List<String> texts = check.all("message").stream().map(f -> f.get("text").asText()).toList();
                assertThat(texts).as("everything acknowledged, once, in order").containsExactly("before", "during", "after");
                assertThat(count(ann, f -> "assigned".equals(f.path("type").asText()))).as("ann kept the chat").isEqualTo(1);
            }
        }
    }

    @Test
    void aPhoneThatStopsReadingOnOneNodeIsCutOffWhileAChatAcrossNodesCarriesOn() throws Exception {
        WsClient ann = agent(b.port(), "ann", true);
        WsClient lee = shopper(a.port(), "lee");
        String leeChat = lee.await("welcome").get("chatId").asText();
        lee.await("assigned");
        // Node E holds the stalled phone (small buffers); the agent flooding it types into node F.
        Map<String, String> envE = env("E", redisUri());
        envE.putAll(Map.of("CHAT_GATEWAY_SOCKET_SEND_BUFFER", "16384", "CHAT_GATEWAY_MAX_PENDING_OUTBOUND_BYTES", "262144"));
        Map<String, String> envF = env("F", redisUri());
        envF.put("CHAT_GATEWAY_AGENT_MAX_FRAMES_PER_SECOND", "5000");
        try (GatewayServer e = GatewayServer.start(GatewayOptions.from(envE));
             GatewayServer f = GatewayServer.start(GatewayOptions.from(envF))) {
            WsClient busy = agent(f.port(), "busy", true); // less loaded than ann: takes the slow phone
            try (RawWebSocket slow = new RawWebSocket(e.port(), "/ws/customer", 4096)) {
                slow.sendText("{\"type\":\"hello\",\"token\":\"" + token("slow-phone", "customer") + "\"}");
                String chatId = busy.await("assigned", x -> "slow-phone".equals(x.at("/customer/id").asText())).get("chatId").asText();
                String text = "x".repeat(3900);
                for (int i = 0; i < 500; i++) { // ~2 MB, forwarded from F to E, towards a phone that reads nothing
                    busy.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"" + text + "\"}");
                }
                await("node E cuts the slow reader off").atMost(Duration.ofSeconds(15)).until(() -> HttpClient.newHttpClient()
                        .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.adminPort() + "/metrics"))
                                .header("Authorization", "Bearer ops").build(), HttpResponse.BodyHandlers.ofString()).body()
                        .contains("gateway_slow_consumers_closed_total 1.0"));
            }
            lee.send("{\"type\":\"message\",\"id\":\"b1\",\"text\":\"still here\"}");
            ann.await("the bystander's message, across nodes", text("still here"));
            ann.send("{\"type\":\"message\",\"chatId\":\"" + leeChat + "\",\"text\":\"so am I\"}");
            lee.await("the answer, across nodes", text("so am I"));
        }
    }
}
