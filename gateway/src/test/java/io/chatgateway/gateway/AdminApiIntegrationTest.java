package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.junit.jupiter.api.Test;

/** The ops API and the WebSocket endpoints together, on a real gateway. */
class AdminApiIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final List<WsClient> clients = new ArrayList<>();
    private GatewayServer gateway;

    @AfterEach
    void stop() {
        clients.forEach(WsClient::close);
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", "admin-test-secret-0123456789-0123456789",
                "CHAT_GATEWAY_ADMIN_TOKEN", "ops-token"));
        env.putAll(extra);
        gateway = GatewayServer.start(GatewayOptions.from(env));
    }

    private record Reply(int status, JsonNode body, String text) {
    }

    private Reply call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("X-Actor", "alice");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
            json = JSON.readTree(r.body());
        } catch (Exception ignored) {
            // Prometheus text
        }
        return new Reply(r.statusCode(), json, r.body());
    }

    private Reply call(String method, String path, String body) throws Exception {
        return call(method, path, body, "ops-token");
    }

    private WsClient shopper(String id, String tier) {
        WsClient c = WsClient.connect(gateway.port(), "/ws/customer");
        clients.add(c);
        String token = gateway.tokens().mint(id, Map.of("role", "customer", "tier", tier), Duration.ofHours(1));
        c.send("{\"type\":\"hello\",\"token\":\"" + token + "\"}");
        c.await("welcome");
        return c;
    }

    private WsClient agent(String id, String level, boolean autoAccept) {
        WsClient c = WsClient.connect(gateway.port(), "/ws/agent");
        clients.add(c);
        String token = gateway.tokens().mint(id, Map.of("role", "agent", "level", level), Duration.ofHours(1));
        c.send("{\"type\":\"hello\",\"autoAccept\":" + autoAccept + ",\"token\":\"" + token + "\"}");
        c.await("welcome");
        return c;
    }

    @Test
    void everyAdminEndpointNeedsTheToken() throws Exception {
        start(Map.of());
        for (String path : List.of("/admin/config", "/admin/queues", "/admin/agents", "/admin/audit", "/metrics")) {
            assertThat(call("GET", path, null, null).status()).as(path).isEqualTo(401);
        }
        assertThat(call("GET", "/readyz", null, null).status()).isEqualTo(200);
    }

    @Test
    void configCanBeReadChangedWithItsVersionAndIsAudited() throws Exception {
        start(Map.of());
        Reply get = call("GET", "/admin/config", null);
        assertThat(get.body().get("version").asLong()).isEqualTo(1);
        ObjectNode config = (ObjectNode) get.body().get("config");
        config.put("offerTimeoutSeconds", 25);
        ObjectNode put = JSON.createObjectNode().put("version", 1);
        put.set("config", config);
        Reply ok = call("PUT", "/admin/config", put.toString());
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body().get("version").asLong()).isEqualTo(2);
        assertThat(ok.body().get("changes").get(0).asText()).isEqualTo("offerTimeoutSeconds: 15 -> 25");

        Reply stale = call("PUT", "/admin/config", put.toString());
        assertThat(stale.status()).isEqualTo(409);
        assertThat(stale.body().get("currentVersion").asLong()).isEqualTo(2);
        assertThat(stale.body().get("message").asText()).contains("expected");

        Reply audit = call("GET", "/admin/audit", null);
        assertThat(audit.body().at("/entries/0/actor").asText()).isEqualTo("alice");
        assertThat(audit.body().at("/entries/0/fromVersion").asLong()).isEqualTo(1);
        assertThat(audit.body().at("/entries/0/toVersion").asLong()).isEqualTo(2);
        assertThat(audit.body().at("/entries/0/atMillis").asLong()).isPositive();
    }

    @Test
    void invalidConfigsGet400WithEveryProblemNamed() throws Exception {
        start(Map.of());
        ObjectNode config = (ObjectNode) call("GET", "/admin/config", null).body().get("config");
        config.with("tierWeights").put("vip", -5);
        config.with("capacity").put("trainee", 500);
        ObjectNode put = JSON.createObjectNode().put("version", 1);
        put.set("config", config);
        Reply bad = call("PUT", "/admin/config", put.toString());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("problems")).hasSize(2);
        assertThat(bad.body().get("problems").toString()).contains("tierWeights.vip").contains("capacity.trainee").contains("expected");
        assertThat(call("PUT", "/admin/config", "{not json").status()).isEqualTo(400);
        assertThat(call("PUT", "/admin/config", "{\"config\":{}}").body().get("message").asText()).contains("version");
        assertThat(call("GET", "/admin/config", null).body().get("version").asLong()).as("nothing changed").isEqualTo(1);
        assertThat(call("DELETE", "/admin/config", null).status()).isEqualTo(405);
        assertThat(call("GET", "/admin/audit?limit=0", null).status()).isEqualTo(400);
    }

    @Test
    void aWeightChangeVisiblyChangesTheOrderInWhichWaitingShoppersAreServed() throws Exception {
        start(Map.of("CHAT_GATEWAY_CAPACITY_REGULAR", "1"));
        WsClient regular = shopper("reg", "regular");
        WsClient newbie = shopper("newbie", "new");
        assertThat(newbie.await("queued").get("position").asInt()).isEqualTo(2);

        JsonNode current = call("GET", "/admin/config", null).body();
        ObjectNode config = (ObjectNode) current.get("config");
        config.with("tierWeights").put("new", 900);
        Reply dry = call("POST", "/admin/config/dry-run", JSON.createObjectNode().set("config", config).toString());
        assertThat(dry.status()).isEqualTo(200);
        assertThat(dry.body().at("/order/0/tier").asText()).isEqualTo("new");
        assertThat(dry.body().at("/order/0/currentPosition").asInt()).isEqualTo(2);
        assertThat(call("GET", "/admin/config", null).body().get("version").asLong()).as("a dry run changes nothing").isEqualTo(1);

        ObjectNode put = JSON.createObjectNode().put("version", current.get("version").asLong());
        put.set("config", config);
        assertThat(call("PUT", "/admin/config", put.toString()).status()).isEqualTo(200);
        assertThat(newbie.await("queued").get("position").asInt()).as("told at once").isEqualTo(1);

        WsClient agent = agent("ann", "regular", true);
        JsonNode first = agent.await("assigned");
        assertThat(first.at("/customer/id").asText()).isEqualTo("newbie");
        assertThat(regular.all("assigned")).isEmpty();
    }

    @Test
    void anAgentAcceptsAnOfferOverTheWire() throws Exception {
        start(Map.of());
        WsClient agent = agent("olga", "senior", false);
        WsClient shopper = shopper("u1", "vip");
        JsonNode offer = agent.await("offer");
        assertThat(offer.get("customer").get("tier").asText()).isEqualTo("vip");
        assertThat(offer.get("expiresInSeconds").asInt()).isEqualTo(15);
        agent.send("{\"type\":\"accept\",\"chatId\":\"" + offer.get("chatId").asText() + "\"}");
        assertThat(shopper.await("assigned").at("/agent/id").asText()).isEqualTo("olga");
        Reply queues = call("GET", "/admin/agents", null);
        assertThat(queues.body().at("/agents/0/load").asInt()).isEqualTo(1);
    }

    @Test
    void sampledChatsAreListedForQualityReviewWithMaskedTranscriptAndRating() throws Exception {
        start(Map.of());
        ObjectNode config = (ObjectNode) call("GET", "/admin/config", null).body().get("config");
        config.put("qaSampleRate", 1.0);
        ObjectNode put = JSON.createObjectNode().put("version", 1);
        put.set("config", config);
        assertThat(call("PUT", "/admin/config", put.toString()).status()).isEqualTo(200);
        WsClient agent = agent("qa-agent", "regular", true);
        WsClient shopper = shopper("qa-shopper", "regular");
        String chatId = shopper.await("assigned").get("chatId").asText();
        shopper.send("{\"type\":\"message\",\"text\":\"call me on 13812345678\"}");
        agent.await("message");
        agent.send("{\"type\":\"close\",\"chatId\":\"" + chatId + "\"}");
        shopper.await("closed");
        shopper.send("{\"type\":\"csat\",\"score\":4,\"comment\":\"ok\"}");
        JsonNode qa = null;
        for (int i = 0; i < 50 && (qa == null || qa.at("/reviews/0/csat/score").isMissingNode()); i++) {
            qa = call("GET", "/admin/qa", null).body();
        }
        assertThat(qa.at("/reviews/0/sample/chatId").asText()).isEqualTo(chatId);
        assertThat(qa.at("/reviews/0/csat/score").asInt()).isEqualTo(4);
        assertThat(qa.at("/reviews/0/sample/transcript").toString()).contains("138****5678").doesNotContain("13812345678");
    }

    @Test
    void overflowCanBeForcedAndLetsShoppersLeaveAMessage() throws Exception {
        start(Map.of());
        WsClient shopper = shopper("busy-day", "regular");
        assertThat(call("POST", "/admin/overflow", "{\"group\":\"general\",\"mode\":\"sometimes\"}").status()).isEqualTo(400);
        Reply on = call("POST", "/admin/overflow", "{\"group\":\"general\",\"mode\":\"on\"}");
        assertThat(on.status()).isEqualTo(200);
        assertThat(on.body().get("overflow").asBoolean()).isTrue();
        assertThat(shopper.await("faq").get("entries").size()).isPositive();
        shopper.send("{\"type\":\"leave_message\",\"id\":\"lm\",\"text\":\"Please call me back\",\"orderNo\":\"A-1\"}");
        assertThat(shopper.awaitScript("leave_message_ack").get("text").asText()).contains(shopper.all("welcome").get(0).get("chatId").asText());
        assertThat(call("GET", "/admin/queues", null).body().at("/groups/0/overflow").asBoolean()).isTrue();
        WsClient agent = agent("ann", "regular", true);
        assertThat(agent.await("message").get("text").asText()).contains("Please call me back").contains("A-1");
    }

    @Test
    void scriptsAreEditedLiveAndValidated() throws Exception {
        start(Map.of());
        assertThat(call("GET", "/admin/scripts", null).body().at("/scripts/greeting/en").asText()).contains("{shop}");
        Reply bad = call("PUT", "/admin/scripts/greeting/en", "{\"text\":\"Hi {nickname}\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body().get("message").asText()).contains("unknown placeholder {nickname}").contains("expected");
        assertThat(call("PUT", "/admin/scripts/goodbye/en", "{\"text\":\"Bye\"}").status()).isEqualTo(400);
        assertThat(call("PUT", "/admin/scripts/greeting/en", "{\"text\":\"Welcome to {shop}, how can we help?\"}").status()).isEqualTo(200);
        WsClient s = shopper("new-text", "regular");
        assertThat(s.awaitScript("greeting").get("text").asText()).isEqualTo("Welcome to our shop, how can we help?");
    }

    @Test
    void metricsAreExportedAsPrometheusTextWithHistogramsThatAddUpAcrossNodes() throws Exception {
        start(Map.of());
        WsClient a = agent("a", "regular", true);
        String chatId = shopper("u", "regular").await("assigned").get("chatId").asText();
        // Handed on through the queue: the second assignment is not a second queue wait from the join.
        a.send("{\"type\":\"status\",\"status\":\"away\"}");
        WsClient b = agent("b", "regular", true);
        a.send("{\"type\":\"transfer\",\"chatId\":\"" + chatId + "\",\"to\":\"group:general\"}");
        b.await("assigned");
        Reply m = call("GET", "/metrics", null);
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.text()).contains("chat_started_total 1.0").contains("chat_assigned_total 2.0")
                .contains("chat_queue_wait_seconds_count 1\n").contains("chat_queue_wait_seconds_bucket{le=\"15.0\"} 1\n")
                .contains("chat_sla_greeting_result_total{met=\"true\"} 1.0").contains("chat_sla_greeting_seconds_bucket{le=\"15.0\"} 1\n")
                .contains("chat_queue_depth{group=\"general\",tier=\"vip\"}").contains("chat_routing_decision_seconds_bucket")
                .contains("gateway_connections{role=\"agent\"} 2.0").contains("gateway_store_available 1.0")
                .doesNotContain("quantile=");
        System.out.println(m.text()); // client-side percentiles cannot be combined across nodes
    }
}
