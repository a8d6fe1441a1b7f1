package io.chatgateway.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.gateway.GatewayOptions;
import io.chatgateway.gateway.WsWire;
import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.engine.Routers;
import io.chatgateway.router.store.MemoryChatStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The whole public pipeline on an {@link EmbeddedChannel}, fed raw bytes: each way a connection
 * ends sends exactly one close frame with the code RFC 6455 and PROTOCOL.md give, and each bad HTTP
 * request gets its status and a closed connection instead of reaching a route or the upgrade.
 */
class PublicPipelineTest {
    private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
    private final Router router = Routers.create(RouterOptions.defaults(), new MemoryChatStore(), time);
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private EmbeddedChannel channel;

    @AfterEach
    void tearDown() {
        router.close();
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel open(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0"));
        env.putAll(settings);
        GatewayOptions options = GatewayOptions.from(env);
        TokenService tokens = new TokenService(options.jwtSecret(), Clock.systemUTC(), Duration.ofDays(1));
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new PublicChannelInitializer(options, MessageCodec.json(ProtocolLimits.defaults()), tokens,
                router, new DefaultChannelGroup(GlobalEventExecutor.INSTANCE), () -> { }, () -> { }));
        return channel;
    }

    private EmbeddedChannel open() {
        return open(Map.of());
    }

    private void in(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
    }

    /** Everything the server wrote so far, as bytes. */
    private byte[] out() {
        Object o;
        while ((o = channel.readOutbound()) != null) {
            if (o instanceof ByteBuf b) {
                byte[] a = new byte[b.readableBytes()];
                b.readBytes(a);
                sent.writeBytes(a);
            }
            ReferenceCountUtil.release(o);
        }
        return sent.toByteArray();
    }

    private String httpOut() {
        return new String(out(), StandardCharsets.ISO_8859_1);
    }

    /** Upgrades to the endpoint and returns the frames after the 101 from here on. */
    private void upgrade(String path) {
        in(WsWire.handshake(path, ""));
        String head = httpOut();
        assertThat(head).startsWith("HTTP/1.1 101");
        sent.reset();
    }

    private List<WsWire.Frame> frames() {
        return WsWire.parse(out());
    }

    private List<Integer> closeCodes() {
        return frames().stream().filter(f -> f.opcode() == WsWire.CLOSE).map(WsWire.Frame::closeCode).toList();
    }

    // ------------------------------------------------------------------ one close frame

    @Test
    void invalidUtf8ClosesWith1007Once() {
        open();
        upgrade("/ws/customer");
        in(WsWire.frame(WsWire.TEXT, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}));
        assertThat(closeCodes()).containsExactly(1007);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void invalidUtf8AcrossFragmentsOrAsASurrogateClosesWith1007Once() {
        for (byte[][] parts : List.of(
                new byte[][] {{'"', (byte) 0xE2, (byte) 0x82}, {(byte) 0x28, '"'}},          // a sequence broken across fragments
                new byte[][] {{'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}},            // an encoded surrogate
                new byte[][] {{'"', (byte) 0xC0, (byte) 0xAF, '"'}})) {                       // an overlong '/'
            sent.reset();
            open();
            upgrade("/ws/customer");
            for (int i = 0; i < parts.length; i++) {
                int first = (i == parts.length - 1 ? 0x80 : 0) | (i == 0 ? WsWire.TEXT : WsWire.CONTINUATION);
                in(WsWire.frame(first, parts[i], true));
            }
            assertThat(closeCodes()).containsExactly(1007);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void validUtf8InFragmentsIsOneMessage() {
        open();
        upgrade("/ws/customer");
        byte[] hello = "{\"type\":\"hello\",\"lang\":\"zh-CN\"}".getBytes(StandardCharsets.UTF_8);
        in(WsWire.frame(WsWire.TEXT, java.util.Arrays.copyOfRange(hello, 0, 10), true));
        in(WsWire.frame(0x80 | WsWire.CONTINUATION, java.util.Arrays.copyOfRange(hello, 10, hello.length), true));
        time.advanceTime();
        channel.runPendingTasks();
        assertThat(frames()).extracting(WsWire.Frame::text).anyMatch(t -> t.contains("\"type\":\"welcome\""));
        assertThat(channel.isActive()).isTrue();
    }

    @Test
    void aSingleFrameOverTheLimitClosesWith1009Once() {
        open();
        upgrade("/ws/customer");
        in(WsWire.frame(WsWire.TEXT, "x".repeat(65_537).getBytes(StandardCharsets.US_ASCII)));
        assertThat(closeCodes()).containsExactly(1009);
    }

    @Test
    void aFragmentedMessageOverTheLimitClosesWith1009Once() {
        open();
        upgrade("/ws/customer");
        byte[] part = "x".repeat(40_000).getBytes(StandardCharsets.US_ASCII);
        in(WsWire.frame(WsWire.TEXT, part, true));           // FIN clear: first fragment
        in(WsWire.frame(0x80 | WsWire.CONTINUATION, part, true));
        assertThat(closeCodes()).containsExactly(1009);
    }

    @Test
    void aBinaryFrameClosesWith1003Once() {
        open();
        upgrade("/ws/agent");
        in(WsWire.frame(WsWire.BINARY, new byte[] {1, 2, 3}));
        assertThat(closeCodes()).containsExactly(1003);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000})
    void aClientCloseWithAnInvalidCodeGets1002Once(int code) {
        open();
        upgrade("/ws/customer");
        in(WsWire.close(code));
        assertThat(closeCodes()).containsExactly(1002);
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 3000, 4999})
    void aClientCloseWithAValidCodeIsEchoedOnce(int code) {
        open();
        upgrade("/ws/customer");
        in(WsWire.close(code));
        assertThat(closeCodes()).containsExactly(code);
    }

    @Test
    void aCloseFrameWithAOneBytePayloadGets1002Once() {
        open();
        upgrade("/ws/customer");
        in(WsWire.frame(WsWire.CLOSE, new byte[] {3}));
        assertThat(closeCodes()).containsExactly(1002);
    }

    @Test
    void protocolErrorsGet1002Once() {
        for (byte[] bad : List.of(
                WsWire.frame(0x80 | 0x40 | WsWire.TEXT, "{}".getBytes(StandardCharsets.US_ASCII), true), // RSV1 without an extension
                WsWire.frame(0x80 | 3, new byte[0], true),                                                 // reserved opcode
                WsWire.frame(0x80 | WsWire.TEXT, "{}".getBytes(StandardCharsets.US_ASCII), false),       // unmasked
                WsWire.frame(WsWire.PING, new byte[126]),                                                   // control frame over 125
                WsWire.frame(WsWire.PING, new byte[3], true),                                              // fragmented control frame
                WsWire.frame(0x80 | WsWire.CONTINUATION, new byte[3], true))) {                            // continuation of nothing
            sent.reset();
            open();
            upgrade("/ws/customer");
            in(bad);
            assertThat(closeCodes()).as("frame starting %02x", bad[0]).containsExactly(1002);
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void noHelloInTimeClosesWith1008Once() {
        open();
        upgrade("/ws/customer");
        channel.advanceTimeBy(11, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(closeCodes()).containsExactly(1008);
    }

    @Test
    void aBadTokenGetsItsErrorThenOne1008() {
        open();
        upgrade("/ws/agent");
        in(WsWire.text("{\"type\":\"hello\",\"token\":\"not-a-jwt\"}"));
        List<WsWire.Frame> f = frames();
        assertThat(f).extracting(WsWire.Frame::opcode).containsExactly(WsWire.TEXT, WsWire.CLOSE);
        assertThat(f.get(0).text()).contains("not_authenticated");
        assertThat(f.get(1).closeCode()).isEqualTo(1008);
    }

    @Test
    void aValidPingIsAnsweredAndTheConnectionStaysOpen() {
        open();
        upgrade("/ws/customer");
        in(WsWire.frame(WsWire.PING, new byte[] {7}));
        assertThat(frames()).extracting(WsWire.Frame::opcode).containsExactly(0x0A);
        assertThat(channel.isActive()).isTrue();
    }

    // ------------------------------------------------------------------ HTTP edge

    @Test
    void anOverLongRequestLineGets414AndClose() {
        open();
        in(("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(httpOut()).startsWith("HTTP/1.1 414").contains("connection: close").contains("at most 4096 bytes");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void tooManyHeaderBytesGet431AndNoUpgrade() {
        open();
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            lines.append("X-Filler-").append(i).append(": ").append("v".repeat(70)).append("\r\n");
        }
        in(WsWire.handshake("/ws/customer", lines.toString()));
        assertThat(httpOut()).startsWith("HTTP/1.1 431").doesNotContain("101");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void aMegabyteOfHeadersIsRefusedAndNeverReadAsFrames() {
        open();
        in(WsWire.handshake("/ws/customer", ("X-Big: " + "y".repeat(1000) + "\r\n").repeat(1024)));
        String reply = httpOut();
        assertThat(reply).startsWith("HTTP/1.1 431");
        assertThat(reply.indexOf("HTTP/1.1", 1)).as("one response only").isEqualTo(-1);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void contentLengthWithTransferEncodingGets400AndClose() {
        open();
        in(("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(httpOut()).startsWith("HTTP/1.1 400").contains("connection: close");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void twoContentLengthsGet400AndClose() {
        open();
        in(("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc")
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(httpOut()).startsWith("HTTP/1.1 400").contains("malformed HTTP request");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void aRequestThatDoesNotArriveInTimeGets408AndClose() {
        open();
        in("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // no end of headers: slowloris
        channel.advanceTimeBy(9, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isTrue();
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(httpOut()).startsWith("HTTP/1.1 408");
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void aKeepAliveConnectionGetsTheSameTimeForItsNextRequest() {
        open();
        in("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(httpOut()).startsWith("HTTP/1.1 200");
        channel.advanceTimeBy(8, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        in("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)); // within 10 s of the first answer
        assertThat(httpOut().split("HTTP/1.1 200", -1)).hasSize(3);
        channel.advanceTimeBy(11, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void anUpgradedSocketIsNotClosedByTheHttpTimeout() {
        open(Map.of("CHAT_GATEWAY_HELLO_TIMEOUT_SECONDS", "60"));
        upgrade("/ws/customer");
        channel.advanceTimeBy(30, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isActive()).isTrue();
        assertThat(frames()).isEmpty();
    }

    // ------------------------------------------------------------------ origins

    private String handshakeWith(String path, String origin) {
        in(WsWire.handshake(path, origin == null ? "" : "Origin: " + origin + "\r\n"));
        return httpOut();
    }

    @Test
    void inProductionOnlyListedOriginsAndTheGatewaysOwnPagesMayOpenChats() {
        Map<String, String> prod = Map.of("CHAT_GATEWAY_JWT_SECRET", "prod-secret-0123456789-0123456789-abcdef",
                "CHAT_GATEWAY_ALLOWED_ORIGINS", "https://shop.example, https://m.shop.example");
        record Case(String path, String origin, String status) { }
        for (Case c : List.of(
                new Case("/ws/customer", "https://shop.example", "101"),
                new Case("/ws/customer", "https://M.Shop.Example", "101"),
                new Case("/ws/customer", "http://127.0.0.1", "101"),           // the gateway's own page (Host: 127.0.0.1)
                new Case("/ws/customer", null, "101"),                          // an app, not a browser page
                new Case("/ws/customer", "https://evil.example", "403"),
                new Case("/ws/customer", "null", "403"),
                new Case("/ws/customer", "https://shop.example.evil.example", "403"),
                new Case("/ws/agent", "https://shop.example", "101"),
                new Case("/ws/agent", "https://evil.example", "403"))) {
            sent.reset();
            open(prod);
            String reply = handshakeWith(c.path(), c.origin());
            assertThat(reply).as("%s from %s", c.path(), c.origin()).startsWith("HTTP/1.1 " + c.status());
            if (c.status().equals("403")) {
                assertThat(reply).contains("CHAT_GATEWAY_ALLOWED_ORIGINS");
                assertThat(channel.isActive()).isFalse();
            }
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void inDevelopmentAnyShopMayEmbedTheWidgetButAgentsStillNeedAListedOrigin() {
        open();
        assertThat(handshakeWith("/ws/customer", "http://localhost:3000")).startsWith("HTTP/1.1 101");
        channel.finishAndReleaseAll();
        sent.reset();
        open();
        assertThat(handshakeWith("/ws/agent", "http://localhost:3000")).startsWith("HTTP/1.1 403");
    }

    // ------------------------------------------------------------------ permessage-deflate

    private static final String DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

    @Test
    void withCompressionOnAnOfferIsAcceptedWithoutContextTakeoverAndMessagesGoBothWaysCompressed() throws Exception {
        open(Map.of("CHAT_GATEWAY_COMPRESSION", "on"));
        in(WsWire.handshake("/ws/customer", DEFLATE_OFFER));
        String head = httpOut().toLowerCase();
        assertThat(head).startsWith("http/1.1 101").contains("sec-websocket-extensions: permessage-deflate")
                .contains("server_no_context_takeover").contains("client_no_context_takeover");
        sent.reset();
        in(WsWire.frame(0x80 | 0x40 | WsWire.TEXT, WsWire.deflate("{\"type\":\"hello\"}".getBytes(StandardCharsets.UTF_8)), true));
        time.advanceTime();
        channel.runPendingTasks();
        List<WsWire.Frame> f = frames();
        assertThat(f).isNotEmpty().allMatch(WsWire.Frame::compressed);
        assertThat(new String(WsWire.inflate(f.get(0).payload()), StandardCharsets.UTF_8)).contains("\"type\":\"welcome\"");
    }

    @Test
    void aDeflateBombClosesWith1009Once() {
        open(Map.of("CHAT_GATEWAY_COMPRESSION", "on"));
        in(WsWire.handshake("/ws/customer", DEFLATE_OFFER));
        assertThat(httpOut()).startsWith("HTTP/1.1 101");
        sent.reset();
        byte[] bomb = WsWire.deflate(new byte[10 << 20]); // 10 MiB of zeros in about 10 KiB
        assertThat(bomb.length).isLessThan(65_536);
        in(WsWire.frame(0x80 | 0x40 | WsWire.TEXT, bomb, true));
        assertThat(closeCodes()).containsExactly(1009);
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void withCompressionOffTheOfferIsIgnoredAndACompressedFrameIsAProtocolError() {
        open();
        in(WsWire.handshake("/ws/customer", DEFLATE_OFFER));
        assertThat(httpOut()).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("permessage-deflate");
        sent.reset();
        in(WsWire.frame(0x80 | 0x40 | WsWire.TEXT, WsWire.deflate("{}".getBytes(StandardCharsets.UTF_8)), true));
        assertThat(closeCodes()).containsExactly(1002);
    }
}
