package io.chatgateway.loadtest.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.loadtest.client.WsClient;
import io.chatgateway.loadtest.metrics.LatencyRecorder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What every scenario shares: where to connect, how, tokens, counters, latency recorders. */
public final class Context implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final URI customerUri;
    final URI agentUri;
    final String adminUrl;
    final String adminToken;
    final TokenService tokens;
    final List<InetSocketAddress> binds;
    final EventLoopGroup group;
    final Class<? extends SocketChannel> channelType;
    final ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "driver-timer");
        t.setDaemon(true);
        return t;
    });
    final LatencyRecorder latency = new LatencyRecorder();
    final LatencyRecorder greeting = new LatencyRecorder();
    private final Map<String, LongAdder> counters = new TreeMap<>();
    private final AtomicInteger nextBind = new AtomicInteger();
    private volatile boolean compress;
    private final Map<String, LongAdder> failureReasons = new java.util.concurrent.ConcurrentHashMap<>();
    final List<long[]> queueDepth = new ArrayList<>(); // second, waiting
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public Context(String baseUrl, String adminUrl, String adminToken, String jwtSecret, List<String> bindAddresses, int threads) {
        this(baseUrl, baseUrl, adminUrl, adminToken, jwtSecret, bindAddresses, threads);
    }

    /** Shoppers connect to {@code baseUrl}, agents to {@code agentBaseUrl} (another gateway node, for cross-node runs). */
    public Context(String baseUrl, String agentBaseUrl, String adminUrl, String adminToken, String jwtSecret, List<String> bindAddresses,
                   int threads) {
        this.customerUri = URI.create(baseUrl.replaceFirst("^http", "ws") + "/ws/customer");
        this.agentUri = URI.create(agentBaseUrl.replaceFirst("^http", "ws") + "/ws/agent");
        this.adminUrl = adminUrl;
        this.adminToken = adminToken;
        this.tokens = jwtSecret == null ? null : new TokenService(jwtSecret, Clock.systemUTC(), Duration.ofDays(1));
        this.binds = new ArrayList<>();
        for (String b : bindAddresses) {
            binds.add(new InetSocketAddress(b, 0));
        }
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        for (String c : List.of("connections", "connectFailures", "sent", "received", "errors", "greeted", "queued", "assigned",
                "leftMessage", "failures", "lost", "doubled", "reconnects", "closedByServer", "arrivals", "closed", "unserved")) {
            counters.put(c, new LongAdder());
        }
    }

    /** Whether connections offer permessage-deflate (set before a scenario starts). */
    public void compress(boolean on) {
        this.compress = on;
    }

    CompletableFuture<WsClient> connect(URI uri, WsClient.Listener listener) {
        InetSocketAddress local = binds.isEmpty() ? null : binds.get(Math.floorMod(nextBind.getAndIncrement(), binds.size()));
        return WsClient.connect(group, channelType, uri, local, compress, listener).whenComplete((c, e) -> count(e == null ? "connections" : "connectFailures"));
    }

    void count(String name) {
        counters.get(name).increment();
    }

    void add(String name, long n) {
        counters.get(name).add(n);
    }

    /** Counts a failure and why (a server close code, the shopper's own timer, a connect error), for the report. */
    void fail(String why) {
        count("failures");
        failureReasons.computeIfAbsent(why, k -> new LongAdder()).increment();
    }

    /** Failures by reason, e.g. {@code {"closed by the server with 1013 before the greeting": 2}}. */
    public Map<String, Long> failureReasons() {
        Map<String, Long> m = new TreeMap<>();
        failureReasons.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    public long counter(String name) {
        return counters.get(name).sum();
    }

    public Map<String, Long> counters() {
        Map<String, Long> m = new TreeMap<>();
        counters.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    String customerHello(String id, String tier) {
        if (tokens == null) {
            return "{\"type\":\"hello\"}";
        }
        String t = tokens.mint(id, Map.of("role", "customer", "tier", tier), Duration.ofHours(4));
        return "{\"type\":\"hello\",\"token\":\"" + t + "\"}";
    }

    /** A shopper's hello with the trace's tier, tags and group in the token (anonymous without a secret). */
    String customerHello(String id, String tier, List<String> tags, String group) {
        if (tokens == null) {
            return "{\"type\":\"hello\"}";
        }
        String t = tokens.mint(id, Map.of("role", "customer", "tier", tier, "tags", tags, "groups", List.of(group)), Duration.ofHours(4));
        return "{\"type\":\"hello\",\"token\":\"" + t + "\"}";
    }

    String customerResume(String id, String tier, String chatId, long lastSeq) {
        String t = tokens.mint(id, Map.of("role", "customer", "tier", tier), Duration.ofHours(4));
        return "{\"type\":\"hello\",\"token\":\"" + t + "\",\"resume\":{\"chatId\":\"" + chatId + "\",\"lastSeq\":" + lastSeq + "}}";
    }

    /** An auto-accepting agent of {@code level} serving {@code groups}. */
    String agentHello(String id, String level, List<String> groups) {
        String t = tokens == null ? "none"
                : tokens.mint(id, Map.of("role", "agent", "level", level, "name", id, "groups", groups), Duration.ofHours(4));
        return "{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + t + "\"}";
    }

    String agentHello(String id) {
        String t = tokens == null ? "none" : tokens.mint(id, Map.of("role", "agent", "level", "regular", "name", id), Duration.ofHours(4));
        return "{\"type\":\"hello\",\"autoAccept\":true,\"token\":\"" + t + "\"}";
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("server sent invalid JSON", e);
        }
    }

    /** Total waiting shoppers from the ops API, or -1 without one. */
    long sampleQueueDepth() {
        if (adminUrl == null) {
            return -1;
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(adminUrl + "/admin/queues"))
                    .header("Authorization", "Bearer " + adminToken).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            long waiting = 0;
            for (JsonNode g : JSON.readTree(r.body()).path("groups")) {
                waiting += g.path("waiting").asLong();
            }
            return waiting;
        } catch (Exception e) {
            return -1;
        }
    }

    /** The server processes whose CPU time is measured together (Linux /proc); empty: none. */
    volatile List<Long> serverPids = List.of();
    volatile double serverCpu = -1;
    volatile long windowReceived = -1;

    /** Measures the CPU of these processes (e.g. two gateway nodes and their Redis), summed. */
    public void serverPids(List<Long> pids) {
        this.serverPids = List.copyOf(pids);
    }

    /** CPU seconds (user + system) the server processes used so far, or -1 if unknown. */
    double serverCpuSeconds() {
        if (serverPids.isEmpty()) {
            return -1;
        }
        double total = 0;
        for (long pid : serverPids) {
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // fields after the command: state(0) ... utime(11) stime(12), in clock ticks of 1/100 s on Linux
                total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
            } catch (Exception e) {
                return -1;
            }
        }
        return total;
    }

    /** Server CPU seconds of the measured window, or -1. */
    public double windowServerCpu() {
        return serverCpu;
    }

    /** Messages received in the measured window, or -1. */
    public long windowReceived() {
        return windowReceived;
    }

    public LatencyRecorder latencyRecorder() {
        return latency;
    }

    public LatencyRecorder greetingRecorder() {
        return greeting;
    }

    public List<long[]> queueDepthSeries() {
        synchronized (queueDepth) {
            return List.copyOf(queueDepth);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
