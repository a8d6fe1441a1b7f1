package io.chatgateway.gateway;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.config.ConfigException;
import io.chatgateway.router.config.RoutingConfig;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Immutable gateway settings, read from the environment names of PROTOCOL.md (a properties file
 * named by {@code CHAT_GATEWAY_CONFIG} may set the same names; the environment wins).
 *
 * <ul>
 *   <li>{@code CHAT_GATEWAY_PORT} 8080 (0 = any free port, printed at start), {@code CHAT_GATEWAY_ADMIN_PORT} 8081,
 *       {@code CHAT_GATEWAY_HOST} 0.0.0.0.</li>
 *   <li>{@code CHAT_GATEWAY_JWT_SECRET}: HS256 secret, at least 32 bytes. Unset, a fixed development
 *       secret is used and a warning logged: fine for the demo, never for production.</li>
 *   <li>{@code CHAT_GATEWAY_ADMIN_TOKEN}: bearer token of the ops API; unset, a development token.</li>
 *   <li>{@code CHAT_GATEWAY_STORE} {@code memory} (default) or {@code redis}; {@code CHAT_GATEWAY_REDIS_URI}
 *       ({@code redis://host:port} or {@code redis-cluster://host:port,host:port}); with Redis, several nodes
 *       share the state: {@code CHAT_GATEWAY_NODE_ID} (default: random per process) and
 *       {@code CHAT_GATEWAY_NODE_TTL_SECONDS} 10 (a node silent this long is taken for dead);
 *       {@code CHAT_GATEWAY_LOG_MAX_EVENTS} 10000 events kept per chat log (either store).</li>
 *   <li>{@code CHAT_GATEWAY_TRACE_FILE} (append the anonymised arrival trace to this file),
 *       {@code CHAT_GATEWAY_TRACE_RETENTION_SECONDS} 7200 (kept in memory for {@code GET /admin/trace}).</li>
 *   <li>{@code CHAT_GATEWAY_LOG_FORMAT} {@code text} (default) or {@code json} (read by logback.xml from the
 *       environment; one JSON object per line with the node id and the connection and chat ids).</li>
 *   <li>{@code CHAT_GATEWAY_ALLOW_ANONYMOUS} true: shoppers without a token chat as tier {@code new}.</li>
 *   <li>{@code CHAT_GATEWAY_HELLO_TIMEOUT_SECONDS} 10, {@code CHAT_GATEWAY_MAX_FRAME_BYTES} 65536.</li>
 *   <li>{@code CHAT_GATEWAY_MAX_FRAMES_PER_SECOND} 20 per shopper connection and
 *       {@code CHAT_GATEWAY_AGENT_MAX_FRAMES_PER_SECOND} 200 per agent connection (bursts of twice that); above it
 *       frames get {@code rate_limited}; {@code CHAT_GATEWAY_MAX_ERRORS_PER_MINUTE} 30, above it the
 *       connection is closed with 1008 (repeated abuse).</li>
 *   <li>{@code CHAT_GATEWAY_MAX_PENDING_OUTBOUND_BYTES} 1 MiB: a client that reads slower than we write is
 *       closed (1013) once this much waits for it, so one slow phone cannot hold the node's memory.</li>
 *   <li>{@code CHAT_GATEWAY_DEFAULT_LANG} en, {@code CHAT_GATEWAY_SHOP_NAME} "our shop",
 *       {@code CHAT_GATEWAY_DEFAULT_GROUP} general, {@code CHAT_GATEWAY_CAPACITY_SENIOR|REGULAR|TRAINEE} 10,
 *       {@code CHAT_GATEWAY_ROUTING_CONFIG} (a JSON routing document to start with),
 *       {@code CHAT_GATEWAY_AGENT_GRACE_SECONDS} 15, {@code CHAT_GATEWAY_DRAIN_SECONDS} 10 (after SIGTERM,
 *       {@code /readyz} says 503 this long before clients are asked to reconnect elsewhere).</li>
 *   <li>The edge: {@code CHAT_GATEWAY_ALLOWED_ORIGINS} (comma-separated {@code https://shop.example} origins whose
 *       pages may open chats; {@code *} for any, development mode only and the default there),
 *       {@code CHAT_GATEWAY_HTTP_REQUEST_TIMEOUT_SECONDS} 10 (a whole HTTP request must arrive within it),
 *       {@code CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS} 200 (0: no limit),
 *       {@code CHAT_GATEWAY_COMPRESSION} off ({@code on}: permessage-deflate for clients that offer it).</li>
 * </ul>
 */
public final class GatewayOptions {
    public static final String DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef";
    public static final String DEV_ADMIN_TOKEN = "dev-admin-token";

    private final String host;
    private final int port;
    private final int adminPort;
    private final String jwtSecret;
    private final boolean devSecret;
    private final String adminToken;
    private final boolean devAdminToken;
    private final String store;
    private final String redisUri;
    private final String nodeId;
    private final int maxLogEvents;
    private final Duration nodeTtl;
    private final boolean allowAnonymous;
    private final Duration helloTimeout;
    private final int maxFramesPerSecond;
    private final int agentMaxFramesPerSecond;
    private final int maxErrorsPerMinute;
    private final long maxPendingOutboundBytes;
    private final int socketSendBuffer;
    private final ProtocolLimits limits;
    private final RouterOptions router;
    private final RoutingConfig routing;
    private final java.util.List<String> allowedOrigins;
    private final Duration httpRequestTimeout;
    private final Duration drainQuiet;
    private final Path traceFile;
    private final int traceRetentionSeconds;
    private final int maxConnectsPerSecondPerAddress;
    private final boolean compression;

    private GatewayOptions(Map<String, String> c) {
        host = c.getOrDefault("CHAT_GATEWAY_HOST", "0.0.0.0");
        port = intIn(c, "CHAT_GATEWAY_PORT", 8080, 0, 65535);
        adminPort = intIn(c, "CHAT_GATEWAY_ADMIN_PORT", 8081, 0, 65535);
        String secret = c.get("CHAT_GATEWAY_JWT_SECRET");
        devSecret = secret == null || secret.isEmpty();
        jwtSecret = devSecret ? DEV_JWT_SECRET : secret;
        if (jwtSecret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new GatewayException("CHAT_GATEWAY_JWT_SECRET is too short (expected: at least 32 bytes)");
        }
        String admin = c.get("CHAT_GATEWAY_ADMIN_TOKEN");
        devAdminToken = admin == null || admin.isEmpty();
        adminToken = devAdminToken ? DEV_ADMIN_TOKEN : admin;
        store = c.getOrDefault("CHAT_GATEWAY_STORE", "memory");
        if (!store.equals("memory") && !store.equals("redis")) {
            throw new GatewayException("CHAT_GATEWAY_STORE is '" + store + "' (expected: memory or redis)");
        }
        redisUri = c.getOrDefault("CHAT_GATEWAY_REDIS_URI", "redis://127.0.0.1:6379");
        // Read by logback.xml itself (it names the appender); checked here so a typo stops the start instead of silencing the logs.
        String logFormat = c.getOrDefault("CHAT_GATEWAY_LOG_FORMAT", "text");
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw new GatewayException("CHAT_GATEWAY_LOG_FORMAT is '" + logFormat + "' (expected: text or json)");
        }
        nodeId = c.getOrDefault("CHAT_GATEWAY_NODE_ID",
                "n" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFL));
        if (nodeId.isBlank() || !nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new GatewayException("CHAT_GATEWAY_NODE_ID is '" + nodeId + "' (expected 1-64 letters, digits, '.', '_' or '-')");
        }
        nodeTtl = Duration.ofSeconds(intIn(c, "CHAT_GATEWAY_NODE_TTL_SECONDS", 10, 2, 300));
        maxLogEvents = intIn(c, "CHAT_GATEWAY_LOG_MAX_EVENTS", 10_000, 10, 1_000_000);
        allowAnonymous = bool(c, "CHAT_GATEWAY_ALLOW_ANONYMOUS", true);
        helloTimeout = Duration.ofSeconds(intIn(c, "CHAT_GATEWAY_HELLO_TIMEOUT_SECONDS", 10, 1, 300));
        maxFramesPerSecond = intIn(c, "CHAT_GATEWAY_MAX_FRAMES_PER_SECOND", 20, 1, 10_000);
        agentMaxFramesPerSecond = intIn(c, "CHAT_GATEWAY_AGENT_MAX_FRAMES_PER_SECOND", 200, 1, 100_000);
        maxErrorsPerMinute = intIn(c, "CHAT_GATEWAY_MAX_ERRORS_PER_MINUTE", 30, 1, 100_000);
        maxPendingOutboundBytes = intIn(c, "CHAT_GATEWAY_MAX_PENDING_OUTBOUND_BYTES", 1 << 20, 64 * 1024, Integer.MAX_VALUE);
        socketSendBuffer = intIn(c, "CHAT_GATEWAY_SOCKET_SEND_BUFFER", 0, 0, 16 << 20);
        limits = ProtocolLimits.builder()
                .maxFrameBytes(intIn(c, "CHAT_GATEWAY_MAX_FRAME_BYTES", ProtocolLimits.DEFAULT_MAX_FRAME_BYTES, 1024, 1 << 20))
                .build();
        try {
            RouterOptions.Builder r = RouterOptions.builder()
                    .defaultLang(c.getOrDefault("CHAT_GATEWAY_DEFAULT_LANG", "en"))
                    .shopName(c.getOrDefault("CHAT_GATEWAY_SHOP_NAME", "our shop"))
                    .defaultGroup(c.getOrDefault("CHAT_GATEWAY_DEFAULT_GROUP", RouterOptions.DEFAULT_GROUP))
                    .agentReconnectGrace(Duration.ofSeconds(intIn(c, "CHAT_GATEWAY_AGENT_GRACE_SECONDS", 15, 0, 3600)))
                    .workers(intIn(c, "CHAT_GATEWAY_ROUTER_WORKERS", RouterOptions.DEFAULT_WORKERS, 1, RouterOptions.MAX_WORKERS));
            router = r.build();
        } catch (IllegalArgumentException e) {
            throw new GatewayException("bad router setting: " + e.getMessage(), e);
        }
        routing = initialRouting(c);
        allowedOrigins = origins(c.get("CHAT_GATEWAY_ALLOWED_ORIGINS"), devSecret);
        httpRequestTimeout = Duration.ofSeconds(intIn(c, "CHAT_GATEWAY_HTTP_REQUEST_TIMEOUT_SECONDS", 10, 1, 300));
        drainQuiet = Duration.ofSeconds(intIn(c, "CHAT_GATEWAY_DRAIN_SECONDS", 10, 0, 300));
        String trace = c.getOrDefault("CHAT_GATEWAY_TRACE_FILE", "");
        traceFile = trace.isBlank() ? null : Path.of(trace);
        traceRetentionSeconds = intIn(c, "CHAT_GATEWAY_TRACE_RETENTION_SECONDS", 7200, 60, 86_400);
        maxConnectsPerSecondPerAddress = intIn(c, "CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS", 200, 0, 1_000_000);
        String z = c.getOrDefault("CHAT_GATEWAY_COMPRESSION", "off").trim().toLowerCase(java.util.Locale.ROOT);
        if (!z.equals("on") && !z.equals("off")) {
            throw new GatewayException("CHAT_GATEWAY_COMPRESSION is '" + z + "' (expected: off or on)");
        }
        compression = z.equals("on");
    }

    /** Parses the origin allow-list: exact {@code scheme://host[:port]} origins, or {@code *} in development mode. */
    private static java.util.List<String> origins(String v, boolean dev) {
        if (v == null || v.isBlank()) {
            return dev ? java.util.List.of("*") : java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String raw : v.split(",")) {
            String o = raw.trim().toLowerCase(java.util.Locale.ROOT);
            if (o.isEmpty()) {
                continue;
            }
            if (o.equals("*")) {
                if (!dev) {
                    throw new GatewayException("CHAT_GATEWAY_ALLOWED_ORIGINS contains '*', which is only allowed in development mode"
                            + " (expected: the shop origins, e.g. https://shop.example,https://m.shop.example)");
                }
            } else if (!o.matches("https?://[a-z0-9.-]+(:[0-9]{1,5})?")) {
                throw new GatewayException("CHAT_GATEWAY_ALLOWED_ORIGINS entry '" + raw.trim()
                        + "' is not an origin (expected: scheme://host[:port] such as https://shop.example, no path)");
            }
            out.add(o);
        }
        return java.util.List.copyOf(out);
    }

    /**
     * The routing configuration the gateway starts with: the JSON document named by
     * {@code CHAT_GATEWAY_ROUTING_CONFIG} (the format of {@code GET /admin/config}), else the defaults;
     * {@code CHAT_GATEWAY_CAPACITY_<LEVEL>} override its capacities.
     */
    private static RoutingConfig initialRouting(Map<String, String> c) {
        ObjectNode json;
        String file = c.get("CHAT_GATEWAY_ROUTING_CONFIG");
        if (file != null && !file.isBlank()) {
            try {
                json = (ObjectNode) new ObjectMapper().readTree(Files.readString(Path.of(file)));
            } catch (IOException | ClassCastException e) {
                throw new GatewayException("cannot read CHAT_GATEWAY_ROUTING_CONFIG " + file
                        + " (expected a JSON object as GET /admin/config returns): " + e.getMessage(), e);
            }
        } else {
            json = RoutingConfig.defaults().toJson();
        }
        for (AgentLevel l : AgentLevel.values()) {
            String v = c.get("CHAT_GATEWAY_CAPACITY_" + l.name());
            if (v != null && !v.isBlank()) {
                json.with("capacity").put(l.wire(), intIn(c, "CHAT_GATEWAY_CAPACITY_" + l.name(), 10, 1, 100));
            }
        }
        try {
            return RoutingConfig.fromJson(json);
        } catch (ConfigException e) {
            throw new GatewayException("bad routing configuration: " + e.getMessage(), e);
        }
    }

    /** Reads the process environment (and the file named by {@code CHAT_GATEWAY_CONFIG}, if set). */
    public static GatewayOptions fromEnvironment() {
        return from(System.getenv());
    }

    /** Reads settings from a map of the documented names, as {@link #fromEnvironment()} does. */
    public static GatewayOptions from(Map<String, String> env) {
        Map<String, String> merged = new HashMap<>();
        String file = env.get("CHAT_GATEWAY_CONFIG");
        if (file != null && !file.isEmpty()) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new GatewayException("cannot read CHAT_GATEWAY_CONFIG file " + file + ": " + e.getMessage(), e);
            }
            p.stringPropertyNames().forEach(k -> merged.put(k, p.getProperty(k)));
        }
        env.forEach((k, v) -> {
            if (k.startsWith("CHAT_GATEWAY_")) {
                merged.put(k, v);
            }
        });
        return new GatewayOptions(merged);
    }

    private static int intIn(Map<String, String> c, String name, int def, int min, int max) {
        String v = c.get(name);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i < min || i > max) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException e) {
            throw new GatewayException(name + " is '" + v + "' (expected: an integer " + min + ".." + max + ")");
        }
    }

    private static boolean bool(Map<String, String> c, String name, boolean def) {
        String v = c.get(name);
        if (v == null || v.isBlank()) {
            return def;
        }
        if (v.equalsIgnoreCase("true") || v.equals("1")) {
            return true;
        }
        if (v.equalsIgnoreCase("false") || v.equals("0")) {
            return false;
        }
        throw new GatewayException(name + " is '" + v + "' (expected: true or false)");
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int adminPort() {
        return adminPort;
    }

    public String jwtSecret() {
        return jwtSecret;
    }

    /** True when no secret was configured and the development secret is in use. */
    public boolean devSecret() {
        return devSecret;
    }

    public String adminToken() {
        return adminToken;
    }

    public boolean devAdminToken() {
        return devAdminToken;
    }

    public String store() {
        return store;
    }

    /** Events kept per chat log (older ones are trimmed; a resume from before them gets a full resync). */
    public int maxLogEvents() {
        return maxLogEvents;
    }

    /** This node's id among the nodes sharing one Redis. */
    public String nodeId() {
        return nodeId;
    }

    /** How long a node may stay silent before the others take it for dead. */
    public Duration nodeTtl() {
        return nodeTtl;
    }

    public String redisUri() {
        return redisUri;
    }

    public boolean allowAnonymous() {
        return allowAnonymous;
    }

    public Duration helloTimeout() {
        return helloTimeout;
    }

    public int maxFramesPerSecond() {
        return maxFramesPerSecond;
    }

    /** Agents type into many chats on one connection, so their limit is higher (default 200). */
    public int agentMaxFramesPerSecond() {
        return agentMaxFramesPerSecond;
    }

    public int maxErrorsPerMinute() {
        return maxErrorsPerMinute;
    }

    public long maxPendingOutboundBytes() {
        return maxPendingOutboundBytes;
    }

    /**
     * {@code CHAT_GATEWAY_SOCKET_SEND_BUFFER}: the kernel send buffer per connection in bytes, 0 (default)
     * for the OS's autotuning. A small value bounds kernel memory per connection and makes a client
     * that stops reading show up sooner in the gateway's own pending-bytes limit.
     */
    public int socketSendBuffer() {
        return socketSendBuffer;
    }

    public ProtocolLimits limits() {
        return limits;
    }

    public RouterOptions router() {
        return router;
    }

    /** The routing configuration to start with (version 1); ops change it live through the admin API. */
    public RoutingConfig routing() {
        return routing;
    }

    /**
     * Origins whose pages may open a WebSocket (lower case; {@code *}: any, development mode only).
     * Pages of the gateway itself and clients that send no {@code Origin} (apps, servers) are always let in.
     */
    public java.util.List<String> allowedOrigins() {
        return allowedOrigins;
    }

    /** How long a client may take to send one whole HTTP request (headers and body) on either port. */
    public Duration httpRequestTimeout() {
        return httpRequestTimeout;
    }

    /** Where the anonymised arrival trace is appended too (null: kept in memory only, see {@code GET /admin/trace}). */
    public Path traceFile() {
        return traceFile;
    }

    /** Seconds of trace kept in memory for {@code GET /admin/trace}. */
    public int traceRetentionSeconds() {
        return traceRetentionSeconds;
    }

    /** After SIGTERM: how long {@code /readyz} says 503 while new connections are still taken (see {@code GatewayServer.drain}). */
    public Duration drainQuiet() {
        return drainQuiet;
    }

    /** New connections a second one source address may open on either port (0: no limit). */
    public int maxConnectsPerSecondPerAddress() {
        return maxConnectsPerSecondPerAddress;
    }

    /** permessage-deflate for clients that offer it (off by default: chat frames are small, compressing costs CPU). */
    public boolean compression() {
        return compression;
    }
}
