package io.chatgateway.gateway;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The walking skeleton over real sockets: a gateway on free ports and standard WebSocket clients. */
class GatewayIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<AutoCloseable> open = new ArrayList<>();
    private GatewayServer gateway;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private GatewayServer start(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0", "CHAT_GATEWAY_HOST", "127.0.0.1",
                "CHAT_GATEWAY_JWT_SECRET", "integration-secret-0123456789-0123456789",
                "CHAT_GATEWAY_ADMIN_TOKEN", "ops-token"));
        env.putAll(extra);
        gateway = GatewayServer.start(GatewayOptions.from(env));
        return gateway;
    }

    private String customerToken(String id, String tier) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("role", "customer");
        claims.put("tier", tier);
        claims.put("name", "Shopper " + id);
        return gateway.tokens().mint(id, claims, Duration.ofHours(1));
    }

    private String agentToken(String id, String level) {
        return gateway.tokens().mint(id, Map.of("role", "agent", "level", level, "name", "Agent " + id), Duration.ofHours(1));
    }

    private WsClient client(String path) {
        WsClient c = WsClient.connect(gateway.port(), path);
        open.add(c);
        return c;
    }

    private WsClient shopper(String id, String tier) {
        WsClient c = client("/ws/customer");
        c.send("{\"type\":\"hello\",\"token\":\"" + customerToken(id, tier) + "\"}");
        c.await("welcome");
        return c;
    }

    /** An agent desktop that takes chats at once (autoAccept); the offer flow has its own test. */
    private WsClient agent(String id, String level) {
        WsClient c = client("/ws/agent");
        c.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + agentToken(id, level) + "\"}");
        c.await("welcome");
        return c;
    }

    private static String chatIdOf(WsClient shopper) {
        return shopper.all("welcome").get(0).get("chatId").asText();
    }

    private JsonNode admin(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        return JSON.createObjectNode().put("status", r.statusCode()).set("body", body);
    }

    @Test
    void shopperIsGreetedAssignedAndChatsBothWaysWithAnAgent() {
        start(Map.of());
        WsClient agent = agent("ann", "senior");
        WsClient shopper = shopper("u1", "regular");
        assertThat(shopper.awaitScript("greeting").get("seq").asLong()).isEqualTo(1);
        JsonNode assigned = shopper.await("assigned");
        assertThat(assigned.at("/agent/id").asText()).isEqualTo("ann");
        String chatId = chatIdOf(shopper);
        assertThat(agent.await("assigned").at("/customer/tier").asText()).isEqualTo("regular");

        shopper.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Where is order 1234?\"}");
        JsonNode atAgent = agent.await("message");
        assertThat(atAgent.get("text").asText()).isEqualTo("Where is order 1234?");
        assertThat(atAgent.get("from").asText()).isEqualTo("customer");
        agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"It ships today.\"}");
        JsonNode reply = shopper.await("message", f -> "message".equals(f.path("type").asText()) && "agent".equals(f.path("from").asText()));
        assertThat(reply.get("text").asText()).isEqualTo("It ships today.");
        assertThat(reply.get("seq").asLong()).isEqualTo(4);

        shopper.send("{\"type\":\"close\"}");
        assertThat(agent.await("closed").get("reason").asText()).isEqualTo("customer");
    }

    @Test
    void vipShopperReachesTheSeniorAgentBeforeAnEarlierRegular() {
        start(Map.of("CHAT_GATEWAY_CAPACITY_SENIOR", "1"));
        WsClient regular = shopper("early-regular", "regular");
        assertThat(regular.await("queued").get("position").asInt()).isEqualTo(1);
        WsClient vip = shopper("late-vip", "vip");
        assertThat(vip.await("queued").get("position").asInt()).isEqualTo(1);
        WsClient senior = agent("sam", "senior");
        assertThat(senior.await("assigned").get("chatId").asText()).isEqualTo(chatIdOf(vip));
        assertThat(vip.await("assigned").at("/agent/id").asText()).isEqualTo("sam");
        assertThat(regular.all("assigned")).isEmpty();
    }

    @Test
    void anAgentsCapacityIsNeverExceeded() throws Exception {
        start(Map.of("CHAT_GATEWAY_CAPACITY_REGULAR", "2"));
        WsClient agent = agent("rita", "regular");
        List<WsClient> shoppers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            shoppers.add(shopper("s" + i, "regular"));
        }
        shoppers.get(0).await("assigned");
        shoppers.get(1).await("assigned");
        assertThat(shoppers.get(2).await("queued").get("position").asInt()).isEqualTo(1);
        assertThat(shoppers.get(3).await("queued").get("position").asInt()).isEqualTo(2);
        JsonNode agents = admin("/admin/agents", "ops-token");
        assertThat(agents.at("/body/agents/0/load").asInt()).as("load as ops see it").isEqualTo(2);
        assertThat(agent.all("assigned")).hasSize(2);

        agent.send("{\"type\":\"close\",\"chatId\":\"" + chatIdOf(shoppers.get(0)) + "\"}");
        assertThat(shoppers.get(2).await("assigned").at("/agent/id").asText()).isEqualTo("rita");
        assertThat(shoppers.get(3).await("queued").get("position").asInt()).isEqualTo(1);
        assertThat(admin("/admin/agents", "ops-token").at("/body/agents/0/load").asInt()).isEqualTo(2);
    }

    @Test
    void aReturningShopperGoesBackToTheAgentWhoFirstAnswered() {
        start(Map.of());
        WsClient a = agent("a", "regular");
        WsClient b = agent("b", "regular");
        WsClient first = shopper("loyal", "regular");
        String owner = first.await("assigned").at("/agent/id").asText();
        WsClient ownerDesk = owner.equals("a") ? a : b;
        // The desk answers once it has the chat, as an agent does (the shopper hears "assigned" a moment earlier,
        // before the hand-over starts the chat's care, which notes the first reply that makes the agent its owner).
        ownerDesk.await("assigned");
        ownerDesk.send("{\"type\":\"message\",\"chatId\":\"" + chatIdOf(first) + "\",\"text\":\"Hello!\"}");
        first.await("message");
        first.send("{\"type\":\"close\"}");
        first.await("closed");
        // Give the owner more load than the other agent, so least-loaded alone would choose the other.
        shopper("x1", "regular").await("assigned");
        shopper("x2", "regular").await("assigned");
        WsClient back = shopper("loyal", "regular");
        assertThat(back.await("assigned").at("/agent/id").asText()).isEqualTo(owner);
    }

    @Test
    void anAgentWhoDropsHasChatsPutBackAtTheirOriginalPlace() {
        start(Map.of("CHAT_GATEWAY_AGENT_GRACE_SECONDS", "0", "CHAT_GATEWAY_CAPACITY_REGULAR", "1"));
        WsClient agent = agent("flaky", "regular");
        WsClient first = shopper("first", "regular");
        first.await("assigned");
        WsClient second = shopper("second", "regular");
        assertThat(second.await("queued").get("position").asInt()).isEqualTo(1);
        agent.drop();
        first.awaitScript("agent_left");
        assertThat(first.await("queued").get("position").asInt()).as("back at its original place, ahead of later shoppers").isEqualTo(1);
        assertThat(second.await("queued").get("position").asInt()).isEqualTo(2);
        WsClient next = agent("steady", "regular");
        assertThat(next.await("assigned").get("chatId").asText()).isEqualTo(chatIdOf(first));
    }

    @Test
    void aShopperWhoReconnectsGetsExactlyTheMessagesMissed() {
        start(Map.of());
        WsClient agent = agent("ann", "regular");
        WsClient phone = shopper("mobile", "regular");
        JsonNode assigned = phone.await("assigned");
        String chatId = chatIdOf(phone);
        long held = assigned.get("seq").asLong();
        phone.drop();
        agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"one\"}");
        agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"two\"}");
        agent.await("message");
        agent.await("message");
        WsClient again = client("/ws/customer");
        again.send("{\"type\":\"hello\",\"token\":\"" + customerToken("mobile", "regular") + "\",\"resume\":{\"chatId\":\""
                + chatId + "\",\"lastSeq\":" + held + "}}");
        assertThat(again.await("welcome").get("lastSeq").asLong()).isEqualTo(held + 2);
        assertThat(again.await("message").get("text").asText()).isEqualTo("one");
        assertThat(again.await("message").get("text").asText()).isEqualTo("two");
        again.send("{\"type\":\"message\",\"text\":\"back\"}");
        again.await("message", f -> "back".equals(f.path("text").asText()));
        List<Long> seqs = again.all().stream().filter(f -> f.has("seq")).map(f -> f.get("seq").asLong()).toList();
        assertThat(seqs).as("nothing lost, nothing doubled").containsExactly(held + 1, held + 2, held + 3);
    }

    @Test
    void anAnonymousShopperChatsAsNewAndCanResumeWithTheWelcomeToken() {
        start(Map.of());
        WsClient anon = client("/ws/customer");
        anon.send("{\"type\":\"hello\",\"lang\":\"zh-CN\"}");
        JsonNode welcome = anon.await("welcome");
        assertThat(anon.awaitScript("greeting").get("text").asText()).contains("您好");
        anon.drop();
        WsClient again = client("/ws/customer");
        again.send("{\"type\":\"hello\",\"token\":\"" + welcome.get("token").asText() + "\",\"resume\":{\"chatId\":\""
                + welcome.get("chatId").asText() + "\",\"lastSeq\":0}}");
        assertThat(again.await("welcome").get("chatId").asText()).isEqualTo(welcome.get("chatId").asText());
        assertThat(again.awaitScript("greeting")).isNotNull();
        WsClient agent = agent("a", "regular");
        assertThat(agent.await("assigned").at("/customer/tier").asText()).isEqualTo("new");
    }

    // ---------------------------------------------------------------- bad input, each with a bystander who carries on

    /** A shopper and an agent mid-chat, to show that one user's bad input leaves everyone else alone. */
    private final class Bystanders {
        final WsClient agent = agent("bystander-agent", "regular");
        final WsClient shopper = shopper("bystander", "regular");
        final String chatId = chatIdOf(shopper);
        int n;

        Bystanders() {
            shopper.await("assigned");
        }

        void stillChatting() {
            String text = "still fine " + (++n);
            shopper.send("{\"type\":\"message\",\"text\":\"" + text + "\"}");
            assertThat(agent.await("message", f -> text.equals(f.path("text").asText()))).isNotNull();
        }
    }

    @Test
    void everyBadFrameGetsItsErrorAndTheConnectionCarriesOn() {
        start(Map.of());
        Bystanders others = new Bystanders();
        WsClient c = shopper("messy", "regular");
        c.send("{\"type\":\"message\",\"text\":");
        assertThat(c.awaitError("bad_json").get("message").asText()).contains("expected");
        c.send("{\"type\":\"sing\",\"id\":\"u\"}");
        assertThat(c.awaitError("unknown_type").get("ref").asText()).isEqualTo("u");
        c.send("{\"type\":\"message\",\"id\":\"m\"}");
        assertThat(c.awaitError("invalid_field").get("message").asText()).contains("text");
        c.send("{\"type\":\"csat\",\"score\":\"five\"}");
        c.awaitError("invalid_field");
        c.send("{\"type\":\"message\",\"id\":\"long\",\"text\":\"" + "x".repeat(4001) + "\"}");
        assertThat(c.awaitError("too_large").get("message").asText()).contains("4000");
        c.send("{\"type\":\"transfer\",\"chatId\":\"c\",\"to\":\"bob\"}");
        c.awaitError("forbidden");
        assertThat(c.isClosed()).isFalse();
        c.send("{\"type\":\"message\",\"text\":\"ok now\"}");
        assertThat(c.await("message").get("text").asText()).isEqualTo("ok now");
        others.stillChatting();
    }

    @Test
    void anAgentWritingToAChatThatIsNotTheirsIsForbidden() {
        start(Map.of());
        Bystanders others = new Bystanders();
        WsClient intruder = agent("intruder", "regular");
        intruder.send("{\"type\":\"message\",\"id\":\"sneak\",\"chatId\":\"" + others.chatId + "\",\"text\":\"hi\"}");
        JsonNode err = intruder.awaitError("forbidden");
        assertThat(err.get("ref").asText()).isEqualTo("sneak");
        others.stillChatting();
        assertThat(others.shopper.all("message")).noneMatch(f -> "hi".equals(f.path("text").asText()));
    }

    @Test
    void aFrameOverTheLimitClosesWith1009() throws Exception {
        start(Map.of());
        Bystanders others = new Bystanders();
        WsClient c = shopper("big", "regular");
        c.send("{\"type\":\"message\",\"text\":\"" + "x".repeat(70 * 1024) + "\"}");
        assertThat(c.awaitClose()).isEqualTo(1009);
        try (RawWebSocket raw = new RawWebSocket(gateway.port(), "/ws/customer")) {
            raw.sendText("{\"type\":\"hello\",\"pad\":\"" + "y".repeat(65 * 1024) + "\"}");
            assertThat(raw.awaitCloseCode()).isEqualTo(1009);
        }
        others.stillChatting();
    }

    @Test
    void aBinaryFrameClosesWith1003() {
        start(Map.of());
        Bystanders others = new Bystanders();
        WsClient c = shopper("binary", "regular");
        c.sendBinary(new byte[] {0x01, 0x02});
        assertThat(c.awaitClose()).isEqualTo(1003);
        others.stillChatting();
    }

    @Test
    void invalidUtf8ClosesWith1007() throws Exception {
        start(Map.of());
        Bystanders others = new Bystanders();
        try (RawWebSocket raw = new RawWebSocket(gateway.port(), "/ws/customer")) {
            byte[] json = "{\"type\":\"hello\",\"lang\":\"en\"}".getBytes(StandardCharsets.UTF_8);
            byte[] bad = new byte[json.length + 2];
            System.arraycopy(json, 0, bad, 0, json.length);
            bad[json.length] = (byte) 0xC3; // a lead byte with no continuation
            bad[json.length + 1] = (byte) 0x28;
            raw.sendFrame(1, bad);
            assertThat(raw.awaitCloseCode()).isEqualTo(1007);
        }
        others.stillChatting();
    }

    @Test
    void noHelloInTimeClosesWith1008() {
        start(Map.of("CHAT_GATEWAY_HELLO_TIMEOUT_SECONDS", "1"));
        WsClient silent = client("/ws/agent");
        assertThat(silent.awaitClose()).isEqualTo(1008);
    }

    @Test
    void badOrExpiredTokensCloseWith1008() {
        start(Map.of());
        Bystanders others = new Bystanders();
        WsClient forged = client("/ws/agent");
        forged.send("{\"type\":\"hello\",\"token\":\"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImFnZW50In0.\"}");
        forged.awaitError("not_authenticated");
        assertThat(forged.awaitClose()).isEqualTo(1008);
        WsClient expired = client("/ws/customer");
        expired.send("{\"type\":\"hello\",\"token\":\"" + gateway.tokens().mintExpired("late", Map.of("role", "customer"), Duration.ofHours(1)) + "\"}");
        assertThat(expired.awaitError("not_authenticated").get("message").asText()).contains("expired");
        assertThat(expired.awaitClose()).isEqualTo(1008);
        others.stillChatting();
    }

    @Test
    void aShopperWhoStopsReadingIsCutOffAndNobodyElseWaits() throws Exception {
        start(Map.of("CHAT_GATEWAY_AGENT_MAX_FRAMES_PER_SECOND", "5000", "CHAT_GATEWAY_SOCKET_SEND_BUFFER", "16384",
                "CHAT_GATEWAY_MAX_PENDING_OUTBOUND_BYTES", "262144",
                "CHAT_GATEWAY_CAPACITY_SENIOR", "10"));
        Bystanders others = new Bystanders();
        WsClient agent = agent("busy", "senior"); // less loaded than the bystanders' agent: takes the slow phone
        try (RawWebSocket slow = new RawWebSocket(gateway.port(), "/ws/customer", 4096)) {
            slow.sendText("{\"type\":\"hello\",\"token\":\"" + customerToken("slow-phone", "regular") + "\"}");
            String chatId = agent.await("assigned", f -> "assigned".equals(f.path("type").asText())
                    && "slow-phone".equals(f.at("/customer/id").asText())).get("chatId").asText();
            String text = "x".repeat(3900);
            for (int i = 0; i < 500; i++) { // ~2 MB towards a phone that reads nothing: past its small buffers and the 1 MiB limit
                if (agent.isClosed()) {
                    throw new AssertionError("agent closed with " + agent.awaitClose() + " after " + i + "; last frames "
                            + agent.all().subList(Math.max(0, agent.all().size() - 3), agent.all().size()));
                }
                agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"" + text + "\"}");
            }
            // The gateway may still be working through the flood: the phone stays connected (reading nothing) meanwhile.
            await("the gateway cuts the slow reader off").atMost(Duration.ofSeconds(30)).until(() -> HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics"))
                            .header("Authorization", "Bearer ops-token").build(), HttpResponse.BodyHandlers.ofString()).body()
                    .contains("gateway_slow_consumers_closed_total 1.0"));
        }
        others.stillChatting();
    }

    @Test
    void aTierClaimedByTheWidgetIsIgnored() {
        start(Map.of());
        WsClient c = client("/ws/customer");
        c.send("{\"type\":\"hello\",\"tier\":\"vip\"}"); // unknown fields are ignored; no token means tier new
        c.await("welcome");
        WsClient agent = agent("a", "senior");
        assertThat(agent.await("assigned").at("/customer/tier").asText()).isEqualTo("new");
    }

    @Test
    void opsApiNeedsTheBearerTokenAndShowsQueues() throws Exception {
        start(Map.of());
        shopper("v", "vip");
        shopper("r", "regular");
        assertThat(admin("/admin/queues", null).get("status").asInt()).isEqualTo(401);
        assertThat(admin("/admin/queues", "wrong").get("status").asInt()).isEqualTo(401);
        JsonNode q = admin("/admin/queues", "ops-token");
        assertThat(q.get("status").asInt()).isEqualTo(200);
        assertThat(q.at("/body/groups/0/waiting").asInt()).isEqualTo(2);
        assertThat(q.at("/body/groups/0/tiers/0/tier").asText()).isEqualTo("vip");
        assertThat(q.at("/body/groups/0/tiers/0/waiting").asInt()).isEqualTo(1);
        assertThat(admin("/admin/nothing", "ops-token").get("status").asInt()).isEqualTo(404);
        assertThat(admin("/healthz", null).get("status").asInt()).isEqualTo(200);
    }

    @Test
    void plainHttpOnAWebSocketPathIsTold426() throws Exception {
        start(Map.of());
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/ws/customer")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(426);
        assertThat(r.body()).contains("expected");
    }
}
