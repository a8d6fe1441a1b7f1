package io.chatgateway.gateway.ws;

import io.chatgateway.router.engine.Routers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.protocol.Role;
import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.store.MemoryChatStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The per-connection handler on an EmbeddedChannel: each bad input and its error frame or close code. */
class ChatSocketHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "test-secret-0123456789-0123456789-abcdef";

    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final Router router = Routers.create(RouterOptions.defaults(), new MemoryChatStore(), time);
    private final TokenService tokens = new TokenService(SECRET, Clock.systemUTC(), Duration.ofDays(1));
    private final AtomicLong nanos = new AtomicLong();
    private EmbeddedChannel channel;

    @AfterEach
    void tearDown() {
        router.close();
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel open(Role role, boolean allowAnonymous) {
        SocketSettings settings = new SocketSettings(MessageCodec.json(ProtocolLimits.defaults()), tokens, router,
                allowAnonymous, 10_000, 20, 200, 30, 1 << 20, 65536, () -> { });
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new ChatSocketHandler(role, settings, nanos::get));
        channel.pipeline().fireUserEventTriggered(
                new WebSocketServerProtocolHandler.HandshakeComplete("/ws/" + role.name().toLowerCase(), new DefaultHttpHeaders(), null));
        return channel;
    }

    private void send(String text) {
        channel.writeInbound(new TextWebSocketFrame(text));
        time.advanceTime();
        channel.runPendingTasks();
    }

    private List<JsonNode> frames() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            if (o instanceof TextWebSocketFrame t) {
                out.add(JSON.readTree(t.text()));
            } else if (o instanceof CloseWebSocketFrame c) {
                out.add(JSON.createObjectNode().put("close", c.statusCode()).put("reason", c.reasonText()));
            }
            io.netty.util.ReferenceCountUtil.release(o);
        }
        return out;
    }

    private static JsonNode only(List<JsonNode> frames, String type) {
        return frames.stream().filter(f -> type.equals(f.path("type").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " in " + frames));
    }

    private static int closeCode(List<JsonNode> frames) {
        return frames.stream().filter(f -> f.has("close")).findFirst().map(f -> f.get("close").asInt()).orElse(-1);
    }

    @Test
    void anonymousShopperIsWelcomedGreetedAndGetsAResumeToken() throws Exception {
        open(Role.CUSTOMER, true);
        send("{\"type\":\"hello\",\"lang\":\"en\"}");
        List<JsonNode> out = frames();
        JsonNode welcome = only(out, "welcome");
        assertThat(welcome.get("chatId").asText()).isNotEmpty();
        assertThat(welcome.get("token").asText()).as("anonymous shoppers get a token to resume with").isNotEmpty();
        assertThat(only(out, "script").get("kind").asText()).isEqualTo("greeting");
        assertThat(tokens.customer(welcome.get("token").asText(), null).customerId()).startsWith("anon-");
    }

    @Test
    void anonymousShopperIsRefusedWhenTheGatewayDoesNotAllowIt() throws Exception {
        open(Role.CUSTOMER, false);
        send("{\"type\":\"hello\"}");
        List<JsonNode> out = frames();
        assertThat(only(out, "error").get("code").asText()).isEqualTo("not_authenticated");
        assertThat(closeCode(out)).isEqualTo(1008);
    }

    @Test
    void malformedJsonGetsBadJsonAndTheConnectionStaysOpen() throws Exception {
        open(Role.CUSTOMER, true);
        send("{nope");
        List<JsonNode> out = frames();
        assertThat(only(out, "error").get("code").asText()).isEqualTo("bad_json");
        assertThat(channel.isOpen()).isTrue();
        send("{\"type\":\"hello\"}");
        assertThat(only(frames(), "welcome")).isNotNull();
    }

    @Test
    void firstFrameMustBeHello() throws Exception {
        open(Role.CUSTOMER, true);
        send("{\"type\":\"message\",\"id\":\"m\",\"text\":\"hi\"}");
        JsonNode err = only(frames(), "error");
        assertThat(err.get("code").asText()).isEqualTo("not_authenticated");
        assertThat(err.get("ref").asText()).isEqualTo("m");
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void noHelloWithinTenSecondsClosesWith1008() throws Exception {
        open(Role.AGENT, true);
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(closeCode(frames())).isEqualTo(-1);
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(closeCode(frames())).isEqualTo(1008);
    }

    @Test
    void helloInTimeCancelsTheTimer() throws Exception {
        open(Role.CUSTOMER, true);
        send("{\"type\":\"hello\"}");
        channel.advanceTimeBy(60, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(closeCode(frames())).isEqualTo(-1);
    }

    @Test
    void badTokenClosesWith1008() throws Exception {
        open(Role.AGENT, true);
        send("{\"type\":\"hello\",\"token\":\"not.a.jwt\"}");
        List<JsonNode> out = frames();
        assertThat(only(out, "error").get("code").asText()).isEqualTo("not_authenticated");
        assertThat(closeCode(out)).isEqualTo(1008);
    }

    @Test
    void tokenSignedWithAnotherSecretClosesWith1008() throws Exception {
        open(Role.AGENT, true);
        String forged = new TokenService("another-secret-0123456789-0123456789-xyz", Clock.systemUTC(), Duration.ofDays(1))
                .mint("a1", Map.of("role", "agent", "level", "senior"), Duration.ofHours(1));
        send("{\"type\":\"hello\",\"token\":\"" + forged + "\"}");
        assertThat(closeCode(frames())).isEqualTo(1008);
    }

    @Test
    void expiredTokenClosesWith1008AndSaysSo() throws Exception {
        open(Role.AGENT, true);
        String expired = tokens.mintExpired("a1", Map.of("role", "agent"), Duration.ofMinutes(5));
        send("{\"type\":\"hello\",\"token\":\"" + expired + "\"}");
        List<JsonNode> out = frames();
        assertThat(only(out, "error").get("message").asText()).contains("expired");
        assertThat(closeCode(out)).isEqualTo(1008);
    }

    @Test
    void customerTokenOnTheAgentEndpointIsRefused() throws Exception {
        open(Role.AGENT, true);
        String t = tokens.mint("u1", Map.of("role", "customer", "tier", "vip"), Duration.ofHours(1));
        send("{\"type\":\"hello\",\"token\":\"" + t + "\"}");
        assertThat(closeCode(frames())).isEqualTo(1008);
    }

    @Test
    void binaryFrameClosesWith1003() throws Exception {
        open(Role.CUSTOMER, true);
        channel.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        assertThat(closeCode(frames())).isEqualTo(1003);
    }

    @Test
    void customerSendingAgentOnlyTypesIsForbiddenAndCarriesOn() throws Exception {
        open(Role.CUSTOMER, true);
        send("{\"type\":\"hello\"}");
        frames();
        send("{\"type\":\"accept\",\"id\":\"q\",\"chatId\":\"x\"}");
        JsonNode err = only(frames(), "error");
        assertThat(err.get("code").asText()).isEqualTo("forbidden");
        assertThat(err.get("ref").asText()).isEqualTo("q");
        send("{\"type\":\"message\",\"text\":\"still here\"}");
        assertThat(only(frames(), "message").get("text").asText()).isEqualTo("still here");
    }

    @Test
    void secondHelloIsAConflict() throws Exception {
        open(Role.CUSTOMER, true);
        send("{\"type\":\"hello\"}");
        frames();
        send("{\"type\":\"hello\",\"id\":\"h2\"}");
        assertThat(only(frames(), "error").get("code").asText()).isEqualTo("conflict");
    }

    @Test
    void floodIsRateLimitedAndRepeatedAbuseClosesWith1008() throws Exception {
        open(Role.CUSTOMER, true);
        send("{\"type\":\"hello\"}");
        frames();
        for (int i = 0; i < 39; i++) {
            send("{\"type\":\"typing\"}");
        }
        assertThat(frames()).noneMatch(f -> "rate_limited".equals(f.path("code").asText()));
        send("{\"type\":\"typing\"}");
        assertThat(only(frames(), "error").get("code").asText()).isEqualTo("rate_limited");
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(1)); // a second later there is room again
        send("{\"type\":\"typing\"}");
        assertThat(frames()).noneMatch(f -> f.has("code"));
        nanos.addAndGet(TimeUnit.SECONDS.toNanos(10));
        for (int i = 0; i < 31 && channel.isOpen(); i++) {
            send("{bad");
        }
        assertThat(closeCode(frames())).isEqualTo(1008);
    }
}
