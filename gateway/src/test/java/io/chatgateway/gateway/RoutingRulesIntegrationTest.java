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
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The routing rules of lapsed offers, owners, honest waits and out-of-hours intake, through the
 * WebSocket endpoints and the ops API of a real gateway (memory store, real time: the timeouts are
 * set short through the ops API).
 */
class RoutingRulesIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPS = "ops-token";
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

    private void start() {
        gateway = GatewayServer.start(GatewayOptions.from(Map.of(
                "CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0", "CHAT_GATEWAY_HOST", "127.0.0.1",
                "CHAT_GATEWAY_JWT_SECRET", "integration-secret-0123456789-0123456789", "CHAT_GATEWAY_ADMIN_TOKEN", OPS)));
    }

    private HttpResponse<String> http(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .header("Authorization", "Bearer " + OPS)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Changes the routing document as ops do: read it, change it, put it back with its version. */
    private HttpResponse<String> changeConfig(Consumer<ObjectNode> change) throws Exception {
        JsonNode current = JSON.readTree(http("GET", "/admin/config", null).body());
        ObjectNode cfg = (ObjectNode) current.get("config");
        change.accept(cfg);
        ObjectNode body = JSON.createObjectNode().put("version", current.get("version").asLong());
        body.set("config", cfg);
        return http("PUT", "/admin/config", body.toString());
    }

    private WsClient connect(String path, String hello) {
        WsClient c = WsClient.connect(gateway.port(), path);
        open.add(c);
        c.send(hello);
        c.await("welcome");
        return c;
    }

    private WsClient shopper(String id, String tier, String... tags) {
        return connect("/ws/customer", "{\"type\":\"hello\",\"token\":\"" + gateway.tokens().mint(id,
                Map.of("role", "customer", "tier", tier, "tags", List.of(tags)), Duration.ofHours(1)) + "\"}");
    }

    private WsClient agent(String id, String level, boolean autoAccept) {
        return connect("/ws/agent", "{\"type\":\"hello\",\"autoAccept\":" + autoAccept + ",\"token\":\""
                + gateway.tokens().mint(id, Map.of("role", "agent", "level", level), Duration.ofHours(1)) + "\"}");
    }

    private static String chatIdOf(WsClient shopper) {
        return shopper.all("welcome").get(0).get("chatId").asText();
    }

    private static JsonNode offerOf(WsClient agent, String chatId) {
        return agent.await("offer of " + chatId, f -> "offer".equals(f.path("type").asText()) && chatId.equals(f.path("chatId").asText()));
    }

    @Test
    void anAgentWhoseOfferLapsedGetsTheNextWaitingShopperAtOnce() throws Exception {
        start();
        assertThat(changeConfig(c -> {
            c.put("offerTimeoutSeconds", 3);
            c.with("capacity").put("regular", 1);
        }).statusCode()).isEqualTo(200);
        WsClient a = agent("a", "regular", false);
        WsClient first = shopper("u1", "regular");
        offerOf(a, chatIdOf(first));
        WsClient second = shopper("u2", "regular"); // waits: a's only slot is held by the offer
        second.await("queued");
        JsonNode withdrawn = a.await("offer_withdrawn");
        assertThat(withdrawn.get("reason").asText()).contains("expired");
        offerOf(a, chatIdOf(second)); // at once, not after the first shopper's 120 s escalation step
        a.send("{\"type\":\"accept\",\"chatId\":\"" + chatIdOf(second) + "\"}");
        assertThat(second.await("assigned").at("/agent/id").asText()).isEqualTo("a");
    }

    @Test
    void aReturningShoppersManualOwnerHasAShortWindowThenAFreeColleagueGetsThem() throws Exception {
        start();
        assertThat(changeConfig(c -> c.putObject("ownership").put("windowSeconds", 2).put("retentionHours", 72)).statusCode())
                .isEqualTo(200);
        JsonNode cfg = JSON.readTree(http("GET", "/admin/config", null).body());
        assertThat(cfg.at("/config/ownership/windowSeconds").asInt()).isEqualTo(2);
        WsClient a = agent("a", "regular", false);
        WsClient first = shopper("u", "regular");
        String firstChat = chatIdOf(first);
        offerOf(a, firstChat);
        a.send("{\"type\":\"accept\",\"chatId\":\"" + firstChat + "\"}");
        first.await("assigned");
        a.send("{\"type\":\"message\",\"chatId\":\"" + firstChat + "\",\"text\":\"Hello, how can I help?\"}");
        first.await("message", f -> "message".equals(f.path("type").asText()) && "agent".equals(f.path("from").asText()));
        a.send("{\"type\":\"close\",\"chatId\":\"" + firstChat + "\"}");
        first.await("closed");
        WsClient b = agent("b", "regular", false);
        WsClient back = shopper("u", "regular");
        String chat = chatIdOf(back);
        assertThat(offerOf(a, chat).get("expiresInSeconds").asInt()).as("the owner's window").isEqualTo(2);
        assertThat(a.await("offer_withdrawn").get("reason").asText()).contains("colleague");
        offerOf(b, chat);
        b.send("{\"type\":\"accept\",\"chatId\":\"" + chat + "\"}");
        assertThat(back.await("assigned").at("/agent/id").asText()).isEqualTo("b");
    }

    @Test
    void aShopperMovedBackByAVipHearsTheirNewPlaceAndAVipIsToldTheirLaddersWait() throws Exception {
        start();
        assertThat(changeConfig(c -> {
            c.with("capacity").put("regular", 1);
            // surge mode kept off: its own updates must not be what tells the shopper they moved back
            c.with("overflow").put("enterDepth", 1000).put("exitDepth", 500).put("enterWaitSeconds", 86_400).put("exitWaitSeconds", 43_200);
        }).statusCode()).isEqualTo(200);
        WsClient a = agent("a", "regular", true);
        for (int i = 0; i < 6; i++) { // quick chats: the group's handling average is about 1 s, on enough samples to be trusted
            WsClient quick = shopper("quick" + i, "regular");
            quick.await("assigned");
            a.send("{\"type\":\"close\",\"chatId\":\"" + chatIdOf(quick) + "\"}");
            quick.await("closed");
        }
        shopper("busy", "regular").await("assigned"); // a is full from now on
        WsClient regular = shopper("reg", "regular");
        assertThat(regular.await("queued").get("position").asInt()).isEqualTo(1);
        WsClient vip = shopper("vip", "vip");
        JsonNode vipQueued = vip.await("queued");
        assertThat(vipQueued.get("position").asInt()).isEqualTo(1);
        assertThat(vipQueued.get("etaSeconds").asLong()).as("no senior online: the wait runs past the seniors-only 20 s")
                .isGreaterThanOrEqualTo(20);
        assertThat(regular.await("queued").get("position").asInt()).as("moved back, and told so").isEqualTo(2);
        JsonNode queues = JSON.readTree(http("GET", "/admin/queues", null).body());
        assertThat(queues.toString()).contains("\"vip\"");
    }

    @Test
    void withNobodyOnlineTheShopperIsToldSoAndMayLeaveAMessageThatAnAgentGetsLater() {
        start();
        WsClient s = shopper("s", "regular");
        assertThat(s.awaitScript("no_agents").get("text").asText()).contains("No agent");
        assertThat(s.await("queued").get("reason").asText()).isEqualTo("no_agents");
        s.send("{\"type\":\"leave_message\",\"id\":\"m1\",\"text\":\"Where is my parcel?\",\"orderNo\":\"A123\"}");
        s.awaitScript("leave_message_ack");
        WsClient a = agent("a", "regular", true);
        // The conversation so far (the left message) comes first, then the assignment.
        assertThat(a.await("message").get("text").asText()).contains("Where is my parcel?").contains("A123");
        assertThat(a.await("assigned").get("chatId").asText()).isEqualTo(chatIdOf(s));
    }

    @Test
    void outsideBusinessHoursTheShopperHearsWhenWeOpenAndMayLeaveAMessage() throws Exception {
        start();
        DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        String opens = now.plusHours(3).format(hhmm);
        String closes = now.plusHours(4).format(hhmm);
        assertThat(changeConfig(c -> c.putObject("groups").putObject("general").put("open", opens).put("close", closes)
                .put("zone", "UTC")).statusCode()).isEqualTo(200);
        WsClient s = shopper("s", "regular", "urgent_order");
        assertThat(s.awaitScript("after_hours").get("text").asText()).contains("closed");
        JsonNode q = s.await("queued");
        assertThat(q.get("reason").asText()).isEqualTo("closed");
        assertThat(q.get("etaSeconds").asLong()).as("until the opening, about 3 h").isGreaterThan(2 * 3600);
        s.send("{\"type\":\"leave_message\",\"text\":\"Please change my address\"}");
        s.awaitScript("leave_message_ack");
        JsonNode queues = JSON.readTree(http("GET", "/admin/queues", null).body());
        assertThat(queues.findValues("open").get(0).asBoolean()).isFalse();
    }

    @Test
    void aBadOwnershipSettingIsRefusedWithTheFieldNamed() throws Exception {
        start();
        HttpResponse<String> r = changeConfig(c -> c.putObject("ownership").put("windowSeconds", -1).put("retentionHours", 72));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("ownership.windowSeconds").contains("0..600");
    }

    @Test
    void opsSeeHowTheWaitPromisedComparesWithTheWaitHad() throws Exception {
        start();
        assertThat(changeConfig(c -> c.with("capacity").put("regular", 1)).statusCode()).isEqualTo(200);
        WsClient a = agent("a", "regular", true);
        WsClient busy = shopper("busy", "regular");
        busy.await("assigned");
        WsClient waiting = shopper("waiting", "regular");
        assertThat(waiting.await("queued").get("etaSeconds").asLong()).isEqualTo(300); // the configured handling time
        a.send("{\"type\":\"close\",\"chatId\":\"" + chatIdOf(busy) + "\"}");
        waiting.await("assigned");
        // Ops read the figures through the admin port, apart from the shopper's connection: wait for them, as a refresh would.
        await().untilAsserted(() -> {
            JsonNode regular = null;
            for (JsonNode t : JSON.readTree(http("GET", "/admin/queues", null).body()).at("/groups/0/tiers")) {
                if (t.get("tier").asText().equals("regular")) {
                    regular = t;
                }
            }
            assertThat(regular).isNotNull();
            assertThat(regular.get("etaSamples").asInt()).isEqualTo(1);
            assertThat(regular.get("etaErrorP50Seconds").asLong()).as("served within seconds of a 300 s promise").isLessThan(-250);
        });
        assertThat(http("GET", "/metrics", null).body())
                .contains("chat_eta_error_seconds{group=\"general\",quantile=\"0.5\",tier=\"regular\"}")
                .contains("chat_eta_samples{group=\"general\",tier=\"regular\"} 1.0");
    }

    @Test
    void weightsFromTheTokenAndFromOpsShareNewChatsInProportion() throws Exception {
        start();
        assertThat(changeConfig(c -> c.with("capacity").put("regular", 30)).statusCode()).isEqualTo(200);
        WsClient heavy = connect("/ws/agent", "{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + gateway.tokens().mint("heavy",
                Map.of("role", "agent", "level", "regular", "weight", 200), Duration.ofHours(1)) + "\"}");
        WsClient plain = agent("plain", "regular", true);
        JsonNode board = JSON.readTree(http("GET", "/admin/agents", null).body());
        assertThat(board.toString()).contains("\"agentId\":\"heavy\"").contains("\"weight\":200");
        for (int i = 0; i < 6; i++) {
            shopper("u" + i, "regular").await("assigned");
        }
        await().untilAsserted(() -> {
            assertThat(heavy.all("assigned")).as("twice the share of the default weight").hasSize(4);
            assertThat(plain.all("assigned")).hasSize(2);
        });

        HttpResponse<String> set = http("PUT", "/admin/agents/plain/weight", "{\"weight\": 200}");
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(set.body()).get("weight").asInt()).isEqualTo(200);
        for (int i = 6; i < 8; i++) {
            shopper("u" + i, "regular").await("assigned");
        }
        await().untilAsserted(() -> assertThat(plain.all("assigned")).as("equal weights now: plain catches up, 4 and 4").hasSize(4));
        assertThat(heavy.all("assigned")).hasSize(4);
        assertThat(http("PUT", "/admin/agents/plain/weight", "{\"weight\": 500}").body()).contains("10..200");
        assertThat(http("PUT", "/admin/agents/plain/weight", "{\"weight\": 500}").statusCode()).isEqualTo(400);
        assertThat(http("PUT", "/admin/agents/nobody/weight", "{\"weight\": 50}").statusCode()).isEqualTo(404);

        WsClient bad = WsClient.connect(gateway.port(), "/ws/agent");
        open.add(bad);
        bad.send("{\"type\":\"hello\",\"token\":\"" + gateway.tokens().mint("x", Map.of("role", "agent", "weight", 1000),
                Duration.ofHours(1)) + "\"}");
        assertThat(bad.await("error").get("message").asText()).contains("weight").contains("10..200");
    }

    @Test
    void aShopperAskingAboutARefundIsServedByAfterSalesFirst() throws Exception {
        start();
        assertThat(changeConfig(c -> c.putObject("orderStatus").putObject("refunding").put("group", "after-sales").put("boost", 100))
                .statusCode()).isEqualTo(200);
        WsClient afterSales = connect("/ws/agent", "{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + gateway.tokens().mint("as",
                Map.of("role", "agent", "level", "regular", "groups", List.of("after-sales")), Duration.ofHours(1)) + "\"}");
        WsClient refund = connect("/ws/customer", "{\"type\":\"hello\",\"token\":\"" + gateway.tokens().mint("r",
                Map.of("role", "customer", "tier", "regular", "groups", List.of("pre-sales"), "orderStatus", "refunding"),
                Duration.ofHours(1)) + "\"}");
        assertThat(refund.await("assigned").at("/agent/id").asText()).as("after-sales, though the widget asked for pre-sales").isEqualTo("as");
        JsonNode card = afterSales.await("assigned").get("customer");
        assertThat(card.get("group").asText()).isEqualTo("after-sales");
        assertThat(card.get("tags").toString()).contains("order_refunding");
        WsClient bad = WsClient.connect(gateway.port(), "/ws/customer");
        open.add(bad);
        bad.send("{\"type\":\"hello\",\"token\":\"" + gateway.tokens().mint("x", Map.of("role", "customer", "orderStatus", "lost"),
                Duration.ofHours(1)) + "\"}");
        assertThat(bad.await("error").get("message").asText()).contains("orderStatus").contains("refunding");
    }

    @Test
    void aSuspendedAgentKeepsTheirChatsAndSaysWhyAndTransfersGoToAColleagueTakingTransfersOnly() throws Exception {
        start();
        WsClient a = agent("a", "regular", true);
        WsClient b = agent("b", "regular", true);
        b.send("{\"type\":\"status\",\"status\":\"transfers_only\"}");
        b.send("{\"type\":\"status\",\"status\":\"suspended\"}");
        assertThat(b.awaitError("invalid_field").get("message").asText()).contains("reason");
        await().untilAsserted(() -> assertThat(http("GET", "/admin/agents", null).body()).contains("\"status\":\"transfers_only\""));
        WsClient s = shopper("s", "regular");
        assertThat(s.await("assigned").at("/agent/id").asText()).as("no new chats for b").isEqualTo("a");
        a.send("{\"type\":\"transfer\",\"chatId\":\"" + chatIdOf(s) + "\",\"to\":\"b\",\"note\":\"refund\"}");
        assertThat(b.await("assigned").get("chatId").asText()).isEqualTo(chatIdOf(s));
        a.send("{\"type\":\"status\",\"status\":\"suspended\",\"reason\":\"team meeting\"}");
        await().untilAsserted(() -> assertThat(http("GET", "/admin/agents", null).body())
                .contains("\"status\":\"suspended\"").contains("\"statusReason\":\"team meeting\""));
        WsClient t = shopper("t", "regular");
        assertThat(t.await("queued").get("reason").asText()).as("nobody online takes new chats").isEqualTo("no_agents");
    }

    @Test
    void aQuietShoppersChatFreesTheAgentsSlotAndCountsAgainWhenTheyWrite() throws Exception {
        start();
        assertThat(changeConfig(c -> {
            c.with("capacity").put("regular", 1);
            // Care checks come at the chat's care deadlines: the first one, the nudge's, 5 s after the assignment.
            c.with("care").put("idleSeconds", 2).put("agentNudgeSeconds", 5).put("agentReofferSeconds", 600);
        }).statusCode()).isEqualTo(200);
        WsClient a = agent("a", "regular", true);
        WsClient quiet = shopper("quiet", "regular");
        quiet.await("assigned");
        a.send("{\"type\":\"message\",\"chatId\":\"" + chatIdOf(quiet) + "\",\"text\":\"Anything else?\"}");
        WsClient next = shopper("next", "regular");
        // The slot comes back at the chat's first care check, 5 s after the assignment: a longer wait than a frame's.
        await().atMost(Duration.ofSeconds(30)).until(() -> !next.all("assigned").isEmpty());
        assertThat(next.all("queued")).as("it waited: the agent was full").isNotEmpty();
        assertThat(next.all("assigned").get(0).at("/agent/id").asText()).as("the quiet chat's slot").isEqualTo("a");
        quiet.send("{\"type\":\"message\",\"text\":\"I am back\"}");
        assertThat(a.await("the shopper back", f -> "message".equals(f.path("type").asText())
                && "I am back".equals(f.path("text").asText())).get("chatId").asText()).isEqualTo(chatIdOf(quiet));
        await().untilAsserted(() -> assertThat(JSON.readTree(http("GET", "/admin/agents", null).body()).at("/agents/0/load").asInt())
                .as("both count again: over capacity, the agent keeps both").isEqualTo(2));
    }

    @Test
    void pastTheTiersQueueLimitAShopperIsToldPlainlyAndMayLeaveAMessageAndOneQuickChatDoesNotMoveTheEstimate() throws Exception {
        start();
        assertThat(changeConfig(c -> {
            c.with("capacity").put("regular", 1);
            c.putObject("queueLimitSeconds").put("regular", 400);
            c.with("overflow").put("enterWaitSeconds", 86_400);
        }).statusCode()).isEqualTo(200);
        WsClient a = agent("a", "regular", true);
        WsClient quick = shopper("quick", "regular");
        quick.await("assigned");
        a.send("{\"type\":\"close\",\"chatId\":\"" + chatIdOf(quick) + "\"}"); // handled in about a second
        quick.await("closed");
        shopper("busy", "regular").await("assigned"); // a is full again
        WsClient first = shopper("first", "regular");
        assertThat(first.await("queued").get("etaSeconds").asLong()).as("one quick chat is not trusted yet").isEqualTo(300);
        WsClient second = shopper("second", "regular");
        assertThat(second.awaitScript("busy").get("text").asText()).contains("Leave us a message");
        JsonNode q = second.await("queued");
        assertThat(q.get("etaSeconds").asLong()).isEqualTo(600);
        assertThat(q.get("reason").asText()).isEqualTo("busy");
        second.send("{\"type\":\"leave_message\",\"text\":\"Please call me back\",\"orderNo\":\"B7\"}");
        second.awaitScript("leave_message_ack");
        first.send("{\"type\":\"leave_message\",\"id\":\"x\",\"text\":\"me too\"}");
        assertThat(first.awaitError("unavailable").get("message").asText()).contains("stay in the queue");
    }
}
