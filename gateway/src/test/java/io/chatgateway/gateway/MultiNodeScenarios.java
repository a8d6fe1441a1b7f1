package io.chatgateway.gateway;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.store.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several gateway nodes on one Redis: shoppers and agents on different nodes, resume on another
 * node, assignment races, shared timers, and a node killed with SIGKILL (a separate JVM). Run on a
 * standalone redis-server and on a Redis Cluster by the subclasses.
 */
abstract class MultiNodeScenarios {
    static final String SECRET = "multi-node-secret-0123456789-0123456789";
    GatewayServer a;
    GatewayServer b;
    private Path routing;
    final List<WsClient> clients = new ArrayList<>();
    private Process killable;

    @TempDir
    Path tmp;

    /** The Redis every node shares. */
    abstract String redisUri();

    @BeforeEach
    void start() throws Exception {
        RedisServer.flushAll(redisUri());
        ObjectNode config = RoutingConfig.defaults().toJson();
        config.put("offerTimeoutSeconds", 3);
        config.put("maxMissedOffers", 100);
        ObjectNode care = config.with("care");
        care.put("agentNudgeSeconds", 5);
        care.put("agentReofferSeconds", 30);
        config.with("capacity").put("senior", 2);
        routing = tmp.resolve("routing.json");
        Files.writeString(routing, config.toString());
        a = GatewayServer.start(GatewayOptions.from(env("A", redisUri())));
        b = GatewayServer.start(GatewayOptions.from(env("B", redisUri())));
    }

    @AfterEach
    void stop() throws Exception {
        clients.forEach(WsClient::close);
        if (killable != null) {
            killable.destroyForcibly().waitFor();
        }
        a.close();
        b.close();
    }

    Map<String, String> env(String node, String redisUri) {
        return new HashMap<>(Map.ofEntries(Map.entry("CHAT_GATEWAY_PORT", "0"), Map.entry("CHAT_GATEWAY_ADMIN_PORT", "0"),
                Map.entry("CHAT_GATEWAY_HOST", "127.0.0.1"), Map.entry("CHAT_GATEWAY_JWT_SECRET", SECRET),
                Map.entry("CHAT_GATEWAY_ADMIN_TOKEN", "ops"), Map.entry("CHAT_GATEWAY_STORE", "redis"),
                Map.entry("CHAT_GATEWAY_REDIS_URI", redisUri), Map.entry("CHAT_GATEWAY_NODE_ID", node),
                Map.entry("CHAT_GATEWAY_NODE_TTL_SECONDS", "2"), Map.entry("CHAT_GATEWAY_AGENT_GRACE_SECONDS", "1"),
                Map.entry("CHAT_GATEWAY_ROUTING_CONFIG", routing.toString()), Map.entry("CHAT_GATEWAY_LOG_MAX_EVENTS", "20")));
    }

    WsClient client(int port, String path) {
        WsClient c = WsClient.connect(port, path);
        clients.add(c);
        return c;
    }

    String token(String sub, String role) {
        return a.tokens().mint(sub, "agent".equals(role) ? Map.of("role", "agent", "level", "senior")
                : Map.of("role", "customer", "tier", "regular"), Duration.ofHours(1));
    }

    WsClient agent(int port, String name, boolean autoAccept) {
        WsClient agent = client(port, "/ws/agent");
        agent.send("{\"type\":\"hello\",\"autoAccept\":" + autoAccept + ",\"token\":\"" + token(name, "agent") + "\"}");
        agent.await("welcome");
        return agent;
    }

    WsClient shopper(int port, String name) {
        WsClient s = client(port, "/ws/customer");
        s.send("{\"type\":\"hello\",\"token\":\"" + token(name, "customer") + "\"}");
        return s;
    }

    static Predicate<JsonNode> text(String t) {
        return f -> "message".equals(f.path("type").asText()) && t.equals(f.path("text").asText());
    }

    static long count(WsClient c, Predicate<JsonNode> p) {
        return c.all().stream().filter(p).count();
    }

    @Test
    void aShopperOnOneNodeChatsWithAnAgentOnAnother() {
        WsClient ann = agent(b.port(), "ann", true);
        WsClient lee = shopper(a.port(), "lee");
        String chatId = lee.await("welcome").get("chatId").asText();
        assertThat(lee.await("assigned").get("agent").get("id").asText()).isEqualTo("ann");
        assertThat(ann.await("assigned").get("chatId").asText()).isEqualTo(chatId);

        lee.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"is my parcel on its way?\"}");
        ann.await("shopper's message on B", text("is my parcel on its way?"));
        lee.send("{\"type\":\"typing\"}");
        ann.await("typing");
        ann.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"yes, it left today\"}");
        lee.await("agent's message on A", text("yes, it left today"));
        ann.send("{\"type\":\"close\",\"chatId\":\"" + chatId + "\"}");
        assertThat(lee.await("closed").get("reason").asText()).isEqualTo("agent");
    }

    @Test
    void aPhoneResumesOnAnotherNodeWithExactlyWhatItMissedAndResendsAreNotDoubled() {
        WsClient ann = agent(b.port(), "ann", true);
        WsClient first = shopper(a.port(), "lee");
        String chatId = first.await("welcome").get("chatId").asText();
        first.await("assigned");
        first.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"first\"}");
        long lastSeq = first.await("own echo", text("first")).get("seq").asLong();
        ann.await("first on B", text("first"));
        first.drop(); // the phone loses its network on node A

        ann.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"missed 1\"}");
        ann.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"missed 2\"}");
        ann.await("echo", text("missed 2"));

        WsClient back = client(b.port(), "/ws/customer"); // ... and comes back through node B
        back.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\",\"resume\":{\"chatId\":\"" + chatId
                + "\",\"lastSeq\":" + lastSeq + "}}");
        back.await("welcome");
        back.await("replay", text("missed 2"));
        List<Long> seqs = back.all().stream().filter(f -> f.has("seq")).map(f -> f.get("seq").asLong()).toList();
        assertThat(seqs).as("exactly the missed events, in order, once").containsExactly(lastSeq + 1, lastSeq + 2);

        // The widget did not know whether m1 arrived, so it sends it again, then a new message.
        back.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"first\"}");
        back.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"second\"}");
        JsonNode next = ann.await("next shopper message", f -> "message".equals(f.path("type").asText())
                && "customer".equals(f.path("from").asText()));
        assertThat(next.get("text").asText()).as("the resend was recognised on the other node").isEqualTo("second");
    }

    /** The seqs of one chat's events a connection got, in arrival order. */
    static List<Long> seqsOf(WsClient c, String chatId) {
        return c.all().stream().filter(f -> f.has("seq") && chatId.equals(f.path("chatId").asText()))
                .map(f -> f.get("seq").asLong()).toList();
    }

    @Test
    void anAgentMovingToAnotherNodeWhileTheShopperWritesGetsEachEventOnceInOrder() {
        WsClient old = agent(a.port(), "ann", true);
        WsClient lee = shopper(b.port(), "lee");
        String chatId = lee.await("welcome").get("chatId").asText();
        old.await("assigned");
        lee.send("{\"type\":\"message\",\"id\":\"m0\",\"text\":\"hello\"}");
        old.await("first message on A", text("hello"));
        List<Long> seen = seqsOf(old, chatId);
        long resumeFrom = seen.get(seen.size() - 1);
        for (int i = 1; i <= 4; i++) {
            lee.send("{\"type\":\"message\",\"id\":\"m" + i + "\",\"text\":\"before " + i + "\"}");
        }
        // The desktop moves to node B while its connection on A is still open and the shopper keeps writing.
        WsClient moved = client(b.port(), "/ws/agent");
        moved.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + token("ann", "agent") + "\",\"resume\":[{\"chatId\":\""
                + chatId + "\",\"lastSeq\":" + resumeFrom + "}]}");
        for (int i = 5; i <= 8; i++) {
            lee.send("{\"type\":\"message\",\"id\":\"m" + i + "\",\"text\":\"after " + i + "\"}");
        }
        moved.await("the last message on B", text("after 8"));
        long last = lee.await("own echo", text("after 8")).get("seq").asLong();
        List<Long> seqs = seqsOf(moved, chatId);
        assertThat(seqs).as("every event after the resume point, once, in order")
                .isEqualTo(java.util.stream.LongStream.rangeClosed(resumeFrom + 1, last).boxed().toList());
        assertThat(old.awaitClose()).as("node A lets the old connection go").isEqualTo(1000);
    }

    @Test
    void aStaleConnectionIsClosedWhenTheChatResumesOnAnotherNodeAndAnAheadLastSeqGetsAFullResync() {
        agent(b.port(), "ann", true);
        WsClient old = shopper(a.port(), "lee");
        String chatId = old.await("welcome").get("chatId").asText();
        old.await("assigned");
        WsClient back = client(b.port(), "/ws/customer");
        back.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\",\"resume\":{\"chatId\":\"" + chatId
                + "\",\"lastSeq\":999}}");
        back.await("welcome");
        assertThat(back.awaitError("conflict").get("message").asText()).contains("ahead");
        JsonNode firstEvent = back.await("resync", f -> f.has("seq"));
        assertThat(firstEvent.get("seq").asLong()).as("the whole chat again").isEqualTo(1);
        assertThat(old.awaitClose()).as("node A lets the old connection go").isEqualTo(1000);
    }

    @Test
    void aResumeFromBeforeTheKeptLogGetsAClearErrorAndWhatIsKept() {
        WsClient ann = agent(b.port(), "ann", true);
        WsClient lee = shopper(a.port(), "lee");
        String chatId = lee.await("welcome").get("chatId").asText();
        lee.await("assigned");
        lee.drop();
        for (int i = 1; i <= 25; i++) { // the log keeps 20 events (CHAT_GATEWAY_LOG_MAX_EVENTS)
            ann.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"note " + i + "\"}");
        }
        ann.await("the last note", text("note 25"));
        WsClient back = client(b.port(), "/ws/customer");
        back.send("{\"type\":\"hello\",\"token\":\"" + token("lee", "customer") + "\",\"resume\":{\"chatId\":\"" + chatId
                + "\",\"lastSeq\":2}}");
        long last = back.await("welcome").get("lastSeq").asLong();
        assertThat(back.awaitError("conflict").get("message").asText()).contains("no longer kept");
        back.await("the replay", text("note 25"));
        List<Long> seqs = back.all().stream().filter(f -> f.has("seq")).map(f -> f.get("seq").asLong()).toList();
        // (On a failure, every frame received so far is in the message: the one failure seen, 17 of 20, left no trace.)
        assertThat(seqs).as("everything kept, in order, no gap after the first (welcome lastSeq %d; frames %s)", last, back.all())
                .hasSize(20).first().isEqualTo(last - 19);
        assertThat(seqs.get(19)).isEqualTo(last);
    }

    @Test
    void agentsOnTwoNodesRacingForShoppersOnTwoNodesNeverExceedCapacity() throws Exception {
        List<WsClient> agents = List.of(agent(a.port(), "ann", true), agent(a.port(), "bob", true), agent(b.port(), "cat", true));
        List<CompletableFuture<WsClient>> joining = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int port = i % 2 == 0 ? a.port() : b.port();
            String name = "shopper" + i;
            joining.add(CompletableFuture.supplyAsync(() -> shopper(port, name)));
        }
        List<WsClient> shoppers = joining.stream().map(CompletableFuture::join).toList();
        java.util.function.LongSupplier assigned = () -> shoppers.stream()
                .mapToLong(s -> count(s, f -> "assigned".equals(f.path("type").asText()))).sum();
        await("six assignments").atMost(Duration.ofSeconds(10)).until(() -> assigned.getAsLong() >= 6);
        // A double assignment would show up within a second or so: the count must stay at six all that time.
        await("no seventh assignment").during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                .until(() -> assigned.getAsLong() == 6);
        Set<String> chats = new HashSet<>();
        for (WsClient agent : agents) {
            List<JsonNode> mine = agent.all("assigned");
            assertThat(mine).as("never over capacity").hasSizeLessThanOrEqualTo(2);
            mine.forEach(f -> assertThat(chats.add(f.get("chatId").asText())).as("no chat twice").isTrue());
        }
        assertThat(chats).hasSize(6);
        long queued = shoppers.stream().filter(s -> s.all("assigned").isEmpty() && !s.all("queued").isEmpty()).count();
        assertThat(queued).as("the rest wait in the queue").isEqualTo(6);
    }

    @Test
    void offerTimeoutsAndReplyNudgesFireOnceAcrossNodes() throws Exception {
        WsClient dan = agent(b.port(), "dan", false);
        WsClient lee = shopper(a.port(), "lee");
        String chatId = lee.await("welcome").get("chatId").asText();
        dan.await("offer");
        dan.await("offer_withdrawn"); // 3 s, expired by whichever node claimed the deadline
        await("expired once (the other node does not expire it again)").during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                .until(() -> count(dan, f -> "offer_withdrawn".equals(f.path("type").asText())) == 1);

        WsClient eve = agent(a.port(), "eve", true);
        assertThat(eve.await("assigned").get("chatId").asText()).isEqualTo(chatId);
        lee.send("{\"type\":\"message\",\"id\":\"q\",\"text\":\"hello?\"}");
        eve.await("shopper's question", text("hello?"));
        JsonNode nudge = eve.await("nudge"); // the care state was written on node A, the deadline may fire on B
        assertThat(nudge.get("chatId").asText()).isEqualTo(chatId);
        await("nudged once").during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5))
                .until(() -> count(eve, f -> "nudge".equals(f.path("type").asText())) == 1);
    }

    @Test
    void whenANodeIsKilledItsAgentsChatsAreReofferedOnceAndItsShoppersResumeElsewhere() throws Exception {
        int killedPort = startNodeProcess(Map.of()).port();
        WsClient ann = agent(killedPort, "ann", true);
        WsClient lee = shopper(a.port(), "lee");
        String leeChat = lee.await("welcome").get("chatId").asText();
        lee.await("assigned");
        WsClient kim = shopper(killedPort, "kim");
        String kimChat = kim.await("welcome").get("chatId").asText();
        long kimSeq = kim.await("assigned").get("seq").asLong();
        ann.await("assigned", f -> kimChat.equals(f.path("chatId").asText()));
        WsClient bob = agent(a.port(), "bob", true);

        killable.destroyForcibly(); // SIGKILL: no goodbye, no cleanup
        killable.waitFor(10, TimeUnit.SECONDS);

        // Node liveness lapses (2 s), a live node claims ann, her 1 s grace ends, her chats go to bob: once each.
        bob.await("assigned", f -> leeChat.equals(f.path("chatId").asText()));
        bob.await("assigned", f -> kimChat.equals(f.path("chatId").asText()));
        assertThat(lee.await("assigned").get("agent").get("id").asText()).isEqualTo("bob");

        WsClient kimBack = client(b.port(), "/ws/customer");
        kimBack.send("{\"type\":\"hello\",\"token\":\"" + token("kim", "customer") + "\",\"resume\":{\"chatId\":\"" + kimChat
                + "\",\"lastSeq\":" + kimSeq + "}}");
        kimBack.await("welcome");
        kimBack.await("assigned");
        // (bob's copy of each chat's history also shows ann's earlier assignment: count only his own)
        await("re-offered once: no second handover").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> count(bob, f -> "assigned".equals(f.path("type").asText())
                        && "bob".equals(f.path("agent").path("id").asText())) == 2);
        assertThat(count(lee, f -> "script".equals(f.path("type").asText()) && "agent_left".equals(f.path("kind").asText())))
                .isEqualTo(1);
        List<Long> seqs = kimBack.all().stream().filter(f -> f.has("seq")).map(f -> f.get("seq").asLong()).toList();
        List<Long> expected = new ArrayList<>();
        for (long s = kimSeq + 1; s <= kimSeq + seqs.size(); s++) {
            expected.add(s);
        }
        assertThat(seqs).as("nothing lost or doubled: contiguous after the last seen seq").isNotEmpty().isEqualTo(expected);
        kimBack.send("{\"type\":\"message\",\"id\":\"k1\",\"text\":\"still there?\"}");
        bob.await("kim's message", text("still there?"));
    }

    /** A gateway node in its own JVM (so it can be sent signals) on this test's Redis, with {@code extra} settings. */
    GatewayProcess startNodeProcess(Map<String, String> extra) throws Exception {
        Map<String, String> env = env("K", redisUri());
        env.putAll(extra);
        GatewayProcess node = GatewayProcess.start(env);
        killable = node.process();
        return node;
    }
}
