package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real traffic against the published contracts: every answer of the ops API is checked against
 * what {@code docs/openapi.json} documents for its route and status, and every frame a scripted
 * day sends (offers, warnings, nudges, transfers, surge FAQ, errors...) against
 * {@code docs/schema/server-to-client.json} (by {@link WsClient}, which checks every frame it gets).
 */
class ContractIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final List<WsClient> clients = new ArrayList<>();
    private GatewayServer gateway;

    @AfterEach
    void stop() {
        try {
            clients.forEach(WsClient::close); // fails the test if a frame was off the contract
        } finally {
            if (gateway != null) {
                gateway.close();
            }
        }
    }

    private void start() {
        Map<String, String> env = new HashMap<>(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", "contract-test-secret-0123456789-0123456789",
                "CHAT_GATEWAY_ADMIN_TOKEN", "ops-token"));
        gateway = GatewayServer.start(GatewayOptions.from(env));
    }

    private record Reply(int status, JsonNode body, HttpResponse<String> raw) {
    }

    /** Calls the ops API and checks the answer against the document for {@code template} and its status. */
    private Reply ops(String method, String path, String template, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("X-Actor", "contract-test");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        boolean text = path.equals("/metrics") || (path.startsWith("/admin/trace") && r.statusCode() == 200); // Prometheus text, JSON Lines
        JsonNode json = text ? null : JSON.readTree(r.body());
        if (json != null && template != null) {
            assertThat(Contracts.apiProblems(method, template, r.statusCode(), json))
                    .as(method + " " + path + " -> " + r.statusCode() + " " + r.body()).isEmpty();
        }
        return new Reply(r.statusCode(), json, r);
    }

    private Reply ops(String method, String path, String body) throws Exception {
        return ops(method, path, path, body, "ops-token");
    }

    private WsClient connect(String path, String hello) {
        WsClient c = WsClient.connect(gateway.port(), path);
        clients.add(c);
        c.send(hello);
        c.await("welcome");
        return c;
    }

    private WsClient shopper(String id, String tier) {
        return connect("/ws/customer", "{\"type\":\"hello\",\"token\":\""
                + gateway.tokens().mint(id, Map.of("role", "customer", "tier", tier, "name", "Shopper " + id), Duration.ofHours(1)) + "\"}");
    }

    private WsClient agent(String id, String level) {
        return connect("/ws/agent", "{\"type\":\"hello\",\"autoAccept\":false,\"token\":\""
                + gateway.tokens().mint(id, Map.of("role", "agent", "level", level, "name", "Agent " + id), Duration.ofHours(1)) + "\"}");
    }

    @Test
    void everyOpsAnswerIsTheDocumentedShapeForItsRouteAndStatus() throws Exception {
        start();
        assertThat(ops("GET", "/healthz", "/healthz", null, null).status()).isEqualTo(200);
        assertThat(ops("GET", "/readyz", "/readyz", null, null).status()).isEqualTo(200);
        assertThat(ops("GET", "/admin/queues", "/admin/queues", null, null).status()).isEqualTo(401);
        assertThat(ops("GET", "/metrics", null).raw().body()).contains("chat_started_total");

        Reply recording = ops("GET", "/admin/trace?seconds=60", "/admin/trace", null, "ops-token");
        assertThat(recording.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
        assertThat(JSON.readTree(recording.raw().body().split("\n")[0]).get("trace").asText()).isEqualTo("chat-gateway");
        assertThat(ops("GET", "/admin/trace?seconds=0", "/admin/trace", null, "ops-token").status()).isEqualTo(400);

        Reply doc = ops("GET", "/admin/openapi.json", null);
        assertThat(doc.body()).as("the served document is docs/openapi.json").isEqualTo(Contracts.read("openapi.json"));

        WsClient waiting = shopper("s-ops", "regular"); // no agent: it waits, so queues and dry-run have a line
        waiting.await("queued");
        ops("POST", "/admin/overflow", "{\"group\":\"general\",\"mode\":\"auto\"}");
        Reply queues = ops("GET", "/admin/queues", null);
        assertThat(queues.body().at("/groups/0/waiting").asInt()).isEqualTo(1);

        Reply config = ops("GET", "/admin/config", null);
        ObjectNode change = JSON.createObjectNode().put("version", config.body().get("version").asLong());
        ObjectNode cfg = (ObjectNode) config.body().get("config").deepCopy();
        cfg.put("urgentOrderBoost", 170);
        change.set("config", cfg);
        assertThat(ops("PUT", "/admin/config", change.toString()).status()).isEqualTo(200);
        assertThat(ops("PUT", "/admin/config", change.toString()).status()).as("stale version").isEqualTo(409);
        ObjectNode bad = change.deepCopy();
        ((ObjectNode) bad.get("config")).put("ageingPerSecond", -1);
        assertThat(ops("PUT", "/admin/config", bad.toString()).body().get("problems")).isNotEmpty();
        Reply dryRun = ops("POST", "/admin/config/dry-run", "{\"config\":" + cfg + "}");
        assertThat(dryRun.body().get("order")).hasSize(1);
        ObjectNode simulated = JSON.createObjectNode().put("agents", 2)
                .put("trace", "{\"trace\":\"chat-gateway\",\"version\":1,\"startSecond\":1762790280}\n"
                        + "{\"t\":0,\"arrivals\":[{\"group\":\"general\",\"tier\":\"vip\",\"tags\":[],\"n\":3}],\"handledSeconds\":[30]}");
        simulated.set("config", cfg);
        Reply trace = ops("POST", "/admin/config/dry-run", simulated.toString());
        assertThat(trace.body().at("/current/chats").asLong()).isEqualTo(3);
        assertThat(trace.body().at("/proposed/tiers/0/tier").asText()).isEqualTo("vip");
        simulated.put("trace", "{\"not\":\"a trace\"}");
        assertThat(ops("POST", "/admin/config/dry-run", simulated.toString()).body().get("message").asText()).contains("trace header");
        simulated.put("trace", "recorded").put("traceSeconds", 0);
        assertThat(ops("POST", "/admin/config/dry-run", simulated.toString()).status()).isEqualTo(400);
        agent("a-ops", "senior");
        assertThat(ops("GET", "/admin/agents", null).body().at("/agents/0/agentId").asText()).isEqualTo("a-ops");
        assertThat(ops("GET", "/admin/audit?limit=5", "/admin/audit", null, "ops-token").body().get("entries")).hasSize(1);
        assertThat(ops("GET", "/admin/audit?limit=0", "/admin/audit", null, "ops-token").status()).isEqualTo(400);
        assertThat(ops("GET", "/admin/qa", null).status()).isEqualTo(200);
        assertThat(ops("GET", "/admin/scripts", null).body().at("/scripts/greeting/en").asText()).isNotBlank();
        assertThat(ops("PUT", "/admin/scripts/greeting/en", "/admin/scripts/{kind}/{lang}",
                "{\"text\":\"Welcome{name} to {shop}!\"}", "ops-token").status()).isEqualTo(200);
        assertThat(ops("PUT", "/admin/scripts/greeting/en", "/admin/scripts/{kind}/{lang}",
                "{\"text\":\"Hello {nobody}\"}", "ops-token").status()).isEqualTo(400);
        assertThat(ops("POST", "/admin/overflow", "{\"group\":\"general\",\"mode\":\"sometimes\"}").status()).isEqualTo(400);

        // What is not served: 404 lists every route, 405 names the methods in Allow. Both are the Error shape.
        Reply missing = ops("GET", "/admin/nothing", null, null, "ops-token");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(Contracts.apiProblems("GET", "/admin/config", 401, missing.body())).as("Error shape").isEmpty();
        assertThat(missing.body().get("message").asText()).contains("PUT /admin/scripts/{kind}/{lang}", "GET /admin/openapi.json");
        Reply wrongMethod = ops("DELETE", "/admin/config", null, null, "ops-token");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.raw().headers().firstValue("Allow")).contains("GET, PUT");
        assertThat(Contracts.apiProblems("GET", "/admin/config", 401, wrongMethod.body())).as("Error shape").isEmpty();
    }

    @Test
    void everyFrameOfAScriptedDayIsDescribedByTheSchemas() throws Exception {
        start();
        Reply config = ops("GET", "/admin/config", null);
        ObjectNode cfg = (ObjectNode) config.body().get("config").deepCopy();
        cfg.put("offerTimeoutSeconds", 3).put("maxMissedOffers", 1).put("qaSampleRate", 1.0);
        cfg.with("care").put("agentNudgeSeconds", 5).put("agentReofferSeconds", 600);
        ObjectNode change = JSON.createObjectNode().put("version", config.body().get("version").asLong());
        change.set("config", cfg);
        assertThat(ops("PUT", "/admin/config", change.toString()).status()).isEqualTo(200);

        WsClient a1 = agent("a1", "senior");
        WsClient s1 = shopper("s1", "vip");
        s1.awaitScript("greeting");
        String chat = a1.await("offer").get("chatId").asText();
        a1.send("{\"type\":\"accept\",\"chatId\":\"" + chat + "\"}");
        s1.await("assigned");
        a1.await("assigned");
        s1.send("{\"type\":\"typing\"}");
        a1.await("typing");
        a1.send("{\"type\":\"typing\",\"chatId\":\"" + chat + "\"}");
        s1.await("typing");
        a1.send("{\"type\":\"message\",\"id\":\"w1\",\"chatId\":\"" + chat + "\",\"text\":\"I don't know\"}");
        a1.await("warning");
        s1.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"where is my order?\"}");
        a1.await("nudge"); // no reply within care.agentNudgeSeconds
        a1.send("{\"type\":\"message\",\"id\":\"m2\",\"chatId\":\"" + chat + "\",\"text\":\"It ships today.\"}");
        s1.await("agent message", f -> "message".equals(f.path("type").asText()) && "agent".equals(f.path("from").asText()));

        // A second agent lets an offer lapse: withdrawn, then set away with a reason.
        a1.send("{\"type\":\"status\",\"status\":\"away\"}");
        WsClient a2 = agent("a2", "regular");
        WsClient s2 = shopper("s2", "regular");
        a2.await("offer");
        a2.await("offer_withdrawn");
        a2.await("status");
        WsClient s3 = shopper("s3", "new"); // nobody online now: told their place
        s3.await("queued");
        ops("POST", "/admin/overflow", "{\"group\":\"general\",\"mode\":\"on\"}");
        s2.await("faq");
        a1.await("queue");
        s2.send("{\"type\":\"leave_message\",\"text\":\"please call back\",\"orderNo\":\"A-17\"}");
        s2.awaitScript("leave_message_ack");

        s1.send("{\"type\":\"close\"}");
        s1.await("closed");
        s1.send("{\"type\":\"csat\",\"score\":5,\"comment\":\"quick\"}");
        s1.send("{not json");
        s1.awaitError("bad_json");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ops("GET", "/admin/qa", null).body().toString()).contains("\"score\":5"));

        a1.send("{\"type\":\"status\",\"status\":\"online\"}"); // back: offered one of the waiting chats
        String next = a1.await("offer").get("chatId").asText();
        a1.send("{\"type\":\"accept\",\"chatId\":\"" + next + "\"}");
        a1.await("assigned", f -> "assigned".equals(f.path("type").asText()) && next.equals(f.path("chatId").asText()));
        a1.send("{\"type\":\"transfer\",\"chatId\":\"" + next + "\",\"to\":\"group:general\",\"note\":\"order question\"}");
        a1.await("transferred");

        // A supervisor lists every open chat (the agent may not), away so as to take none.
        WsClient sup = connect("/ws/agent", "{\"type\":\"hello\",\"token\":\"" + gateway.tokens().mint("sup",
                Map.of("role", "supervisor", "level", "senior", "name", "Sue"), Duration.ofHours(1)) + "\"}");
        sup.send("{\"type\":\"status\",\"status\":\"away\"}");
        sup.send("{\"type\":\"list_chats\",\"id\":\"l1\"}");
        JsonNode listed = sup.await("chats");
        assertThat(listed.path("ref").asText()).isEqualTo("l1");
        assertThat(listed.path("chats").findValuesAsText("chatId")).contains(next);
        a1.send("{\"type\":\"list_chats\",\"id\":\"l2\"}");
        assertThat(a1.awaitError("forbidden").path("ref").asText()).isEqualTo("l2");

        TreeSet<String> seen = new TreeSet<>();
        clients.forEach(c -> c.all().forEach(f -> seen.add(f.path("type").asText())));
        assertThat(seen).contains("welcome", "script", "offer", "assigned", "typing", "warning", "message", "nudge",
                "offer_withdrawn", "status", "queued", "faq", "queue", "transferred", "closed", "error", "chats");
        clients.forEach(c -> assertThat(c.offContract()).isEmpty());
    }
}
