package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A hostile client against a real gateway over real sockets: each attack gets its one answer (a
 * close code, an HTTP status) and a shopper and an agent chatting alongside carry on untouched.
 */
class HostileClientIntegrationTest {
    private static final String SECRET = "hostile-secret-0123456789-0123456789-abc";
    private static GatewayServer gateway;
    private WsClient shopper;
    private WsClient agent;
    private String chatId;
    private int said;

    static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET, "CHAT_GATEWAY_ADMIN_TOKEN", "ops-token",
                "CHAT_GATEWAY_ALLOWED_ORIGINS", "https://shop.example", "CHAT_GATEWAY_HTTP_REQUEST_TIMEOUT_SECONDS", "2",
                "CHAT_GATEWAY_HELLO_TIMEOUT_SECONDS", "2"));
        env.putAll(extra);
        return env;
    }

    @BeforeAll
    static void start() {
        gateway = GatewayServer.start(GatewayOptions.from(env(Map.of())));
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @BeforeEach
    void bystanders() {
        String agentToken = gateway.tokens().mint("by-agent", Map.of("role", "agent", "level", "senior"), Duration.ofHours(1));
        agent = WsClient.connect(gateway.port(), "/ws/agent");
        agent.send("{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + agentToken + "\"}");
        agent.await("welcome");
        shopper = WsClient.connect(gateway.port(), "/ws/customer");
        shopper.send("{\"type\":\"hello\"}");
        chatId = shopper.await("assigned").get("chatId").asText();
        bystandersCarryOn();
    }

    @AfterEach
    void bystandersLeave() {
        bystandersCarryOn();
        shopper.send("{\"type\":\"close\"}");
        shopper.await("closed");
        shopper.close();
        agent.close();
    }

    /** The shopper and the agent still reach each other, both ways. */
    private void bystandersCarryOn() {
        String ask = "still there? " + (++said);
        shopper.send("{\"type\":\"message\",\"text\":\"" + ask + "\"}");
        agent.await("message " + ask, f -> ask.equals(f.path("text").asText()));
        String answer = "yes " + said;
        agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"text\":\"" + answer + "\"}");
        shopper.await("message " + answer, f -> answer.equals(f.path("text").asText()));
    }

    private static List<Integer> closeCodes(List<WsWire.Frame> frames) {
        return frames.stream().filter(f -> f.opcode() == WsWire.CLOSE).map(WsWire.Frame::closeCode).toList();
    }

    /** Sends raw bytes and reads the answer until the server closes (a reset after it counts as closed). */
    static String exchange(int port, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port));
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write(request);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the server answered and stopped reading before all of it was sent: read what it said
            }
            return readUntilClosed(s.getInputStream());
        }
    }

    private static String readUntilClosed(InputStream in) {
        return new String(RawWebSocket.readToEnd(in), StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ close codes

    @Test
    void eachKindOfBadFrameGetsExactlyOneCloseFrameWithItsCode() throws Exception {
        record Attack(String name, String path, byte[] bytes, int code) { }
        byte[] big = "x".repeat(40_000).getBytes(StandardCharsets.US_ASCII);
        List<Attack> attacks = List.of(
                new Attack("invalid UTF-8", "/ws/customer", WsWire.frame(WsWire.TEXT, new byte[] {'"', (byte) 0xFF, '"'}), 1007),
                new Attack("one frame over 64 KiB", "/ws/customer", WsWire.frame(WsWire.TEXT, new byte[70_000]), 1009),
                new Attack("fragments over 64 KiB", "/ws/agent", concat(WsWire.frame(WsWire.TEXT, big, true),
                        WsWire.frame(0x80 | WsWire.CONTINUATION, big, true)), 1009),
                new Attack("binary frame", "/ws/customer", WsWire.frame(WsWire.BINARY, new byte[] {1}), 1003),
                new Attack("reserved close code 1005", "/ws/customer", WsWire.close(1005), 1002),
                new Attack("close code 5000", "/ws/agent", WsWire.close(5000), 1002),
                new Attack("reserved opcode", "/ws/customer", WsWire.frame(0x80 | 0x0B, new byte[0], true), 1002),
                new Attack("a normal close", "/ws/customer", WsWire.close(1000), 1000));
        for (Attack a : attacks) {
            try (RawWebSocket raw = new RawWebSocket(gateway.port(), a.path())) {
                raw.send(a.bytes());
                assertThat(closeCodes(raw.framesUntilClosed())).as(a.name()).containsExactly(a.code());
            }
        }
        try (RawWebSocket silent = new RawWebSocket(gateway.port(), "/ws/customer")) {
            assertThat(closeCodes(silent.framesUntilClosed())).as("no hello").containsExactly(1008);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void garbageJsonGetsErrorFramesAndTheConnectionCarriesOn() {
        try (WsClient rude = WsClient.connect(gateway.port(), "/ws/customer")) {
            rude.send("{\"type\":\"hello\"}");
            rude.await("welcome");
            for (String bad : List.of("{", "[]", "{\"type\":\"teleport\"}", "{\"type\":\"message\"}", "{\"type\":\"message\",\"text\":1}")) {
                rude.send(bad);
                rude.await("error for " + bad, f -> "error".equals(f.path("type").asText()));
            }
            assertThat(rude.isClosed()).isFalse();
        }
    }

    // ------------------------------------------------------------------ origins

    @Test
    void pagesOfOtherSitesCannotOpenChats() throws Exception {
        for (String origin : List.of("https://evil.example", "null")) {
            for (String path : List.of("/ws/customer", "/ws/agent")) {
                String reply = exchange(gateway.port(), WsWire.handshake(path, "Origin: " + origin + "\r\n"));
                assertThat(reply).as("%s from %s", path, origin).startsWith("HTTP/1.1 403").contains("CHAT_GATEWAY_ALLOWED_ORIGINS");
            }
        }
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(WsWire.handshake("/ws/customer", "Origin: https://shop.example\r\n"));
            byte[] head = new byte[12];
            new java.io.DataInputStream(s.getInputStream()).readFully(head);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 101");
        }
    }

    // ------------------------------------------------------------------ HTTP edge

    @Test
    void oversizedAndAmbiguousRequestsAreRefusedOnBothPorts() throws Exception {
        String filler = ("X-Filler: " + "v".repeat(80) + "\r\n").repeat(200); // ~18 KiB of header lines
        for (int port : List.of(gateway.port(), gateway.adminPort())) {
            assertThat(exchange(port, ("GET /healthz HTTP/1.1\r\nHost: x\r\n" + filler + "\r\n").getBytes(StandardCharsets.US_ASCII)))
                    .startsWith("HTTP/1.1 431");
            assertThat(exchange(port, ("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII)))
                    .startsWith("HTTP/1.1 414");
            assertThat(exchange(port, ("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\n").getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 400");
            assertThat(exchange(port, ("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
                    .getBytes(StandardCharsets.US_ASCII))).startsWith("HTTP/1.1 400");
        }
        // The upgrade with a megabyte of headers: refused, and none of it is read as WebSocket frames.
        String reply = exchange(gateway.port(), WsWire.handshake("/ws/customer", ("X-Big: " + "y".repeat(1000) + "\r\n").repeat(1024)));
        assertThat(reply).startsWith("HTTP/1.1 431").doesNotContain("101");
    }

    @Test
    void slowClientsAreCutOffOnBothPorts() throws Exception {
        List<Socket> slow = new ArrayList<>();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket("127.0.0.1", i % 2 == 0 ? gateway.port() : gateway.adminPort());
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            // Slowloris: one more header byte now and then, never the end of the header block.
            trickle.scheduleWithFixedDelay(() -> slow.forEach(s -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write('X');
                    out.flush();
                } catch (IOException e) {
                    // cut off: as expected
                }
            }), 0, 300, TimeUnit.MILLISECONDS);
            for (Socket s : slow) {
                assertThat(readUntilClosed(s.getInputStream())).startsWith("HTTP/1.1 408");
            }
        } finally {
            trickle.shutdownNow();
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    @Test
    void adminJsonWithAKeyGivenTwiceIsRefused() throws Exception {
        String body = "{\"group\":\"general\",\"mode\":\"on\",\"mode\":\"off\"}";
        String reply = exchange(gateway.adminPort(), ("POST /admin/overflow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ops-token\r\n"
                + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(reply).startsWith("HTTP/1.1 400").contains("Duplicate field 'mode'");
    }

    // ------------------------------------------------------------------ expected client behaviour

    @Test
    void aClientDroppingMidMessageOrResettingLogsOneQuietLineNotAWarning() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger sockets = (Logger) LoggerFactory.getLogger("io.chatgateway.gateway.ws.ChatSocketHandler");
        Level before = sockets.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        sockets.setLevel(Level.DEBUG);
        try {
            for (int i = 0; i < 3; i++) {
                RawWebSocket dropped = new RawWebSocket(gateway.port(), "/ws/customer");
                dropped.sendText("{\"type\":\"hello\"}");
                dropped.send(WsWire.frame(WsWire.TEXT, "{\"type\":\"mess".getBytes(StandardCharsets.US_ASCII), true)); // first fragment only
                dropped.close();
                RawWebSocket reset = new RawWebSocket(gateway.port(), "/ws/agent");
                reset.reset();
            }
            // Wait until the gateway has seen all six ends (one DEBUG line each), then look for anything louder.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> quietLines(captured) >= 6);
        } finally {
            sockets.setLevel(before);
            root.detachAppender(captured);
        }
        assertThat(copy(captured)).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }

    private static List<ILoggingEvent> copy(ListAppender<ILoggingEvent> a) {
        synchronized (a.list) {
            return List.copyOf(a.list);
        }
    }

    private static long quietLines(ListAppender<ILoggingEvent> a) {
        return copy(a).stream().filter(e -> e.getLevel() == Level.DEBUG && e.getFormattedMessage().contains("connection error")).count();
    }

    @Test
    void withCompressionOnADeflateBombClosesWith1009AndChatsCarryOnCompressed() throws Exception {
        try (GatewayServer z = GatewayServer.start(GatewayOptions.from(env(Map.of("CHAT_GATEWAY_COMPRESSION", "on"))))) {
            String offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
            try (RawWebSocket bomb = new RawWebSocket(z.port(), "/ws/customer", 0, offer)) {
                assertThat(bomb.handshakeHead().toLowerCase()).contains("permessage-deflate").contains("client_no_context_takeover");
                bomb.send(WsWire.frame(0x80 | 0x40 | WsWire.TEXT, WsWire.deflate(new byte[32 << 20]), true)); // 32 KiB on the wire, 32 MiB inflated
                assertThat(closeCodes(bomb.framesUntilClosed())).containsExactly(1009);
            }
            try (RawWebSocket shopper = new RawWebSocket(z.port(), "/ws/customer", 0, offer)) {
                shopper.send(WsWire.frame(0x80 | 0x40 | WsWire.TEXT, WsWire.deflate("{\"type\":\"hello\"}".getBytes(StandardCharsets.UTF_8)), true));
                WsWire.Frame welcome = shopper.readFrame();
                assertThat(welcome.compressed()).isTrue();
                assertThat(new String(WsWire.inflate(welcome.payload()), StandardCharsets.UTF_8)).contains("\"type\":\"welcome\"");
                shopper.send(WsWire.close(1000));
                assertThat(closeCodes(shopper.framesUntilClosed())).containsExactly(1000);
            }
        }
    }

    // ------------------------------------------------------------------ connections per address

    @Test
    void aReconnectStormFromOneAddressDoesNotStarveOthers() throws Exception {
        try (GatewayServer limited = GatewayServer.start(GatewayOptions.from(env(Map.of("CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS", "5"))))) {
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                try (Socket s = new Socket()) {
                    s.bind(new InetSocketAddress("127.0.0.2", 0)); // the storm comes from another address than the bystander
                    s.connect(new InetSocketAddress("127.0.0.1", limited.port()));
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    answers.add(readUntilClosed(s.getInputStream()));
                }
            }
            assertThat(answers).anyMatch(a -> a.startsWith("HTTP/1.1 200"));
            assertThat(answers).filteredOn(a -> a.startsWith("HTTP/1.1 429")).isNotEmpty()
                    .allMatch(a -> a.toLowerCase().contains("retry-after: 1"));
            try (WsClient other = WsClient.connect(limited.port(), "/ws/customer")) {
                other.send("{\"type\":\"hello\"}");
                other.awaitScript("greeting");
            }
        }
    }
}
