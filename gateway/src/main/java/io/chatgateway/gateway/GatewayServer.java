package io.chatgateway.gateway;

import io.chatgateway.router.cluster.RedisNodeBus;
import io.chatgateway.router.engine.Routers;
import io.chatgateway.gateway.admin.AdminHandler;
import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.gateway.trace.TraceRecorder;
import io.chatgateway.gateway.http.ConnectionRateLimiter;
import io.chatgateway.gateway.http.HttpEdgeGuard;
import io.chatgateway.gateway.http.HttpLimits;
import io.chatgateway.gateway.ws.PublicChannelInitializer;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.Role;
import io.chatgateway.router.Router;
import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.MemoryChatStore;
import io.chatgateway.router.store.RedisChatStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A running gateway: the public WebSocket port, the admin port and the router behind them.
 * Native epoll when the platform has it, NIO otherwise.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel publicChannel;
    private final Channel adminChannel;
    private final ChannelGroup sockets;
    private final Router router;
    private final Scheduler routerScheduler;
    private final TokenService tokens;
    private final String transport;
    private final PrometheusMeterRegistry prometheus;
    private final RedisChatStore redisStore;
    private final NodeBus bus;
    private final ChatStore store;
    private final java.util.function.BooleanSupplier ready;
    private final java.util.function.BooleanSupplier storeUp;
    private final TraceRecorder trace;
    private final java.util.concurrent.ScheduledExecutorService traceTicker;
    /** Set when draining starts: {@code /readyz} answers 503 from then on, so load balancers stop sending new clients. */
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ScheduledExecutorService readinessProbe;

    private GatewayServer(GatewayOptions options) {
        // The node's id on every log record (the JSON format prints the logging context's properties).
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logging) {
            logging.putProperty("node", options.nodeId());
        }
        if (options.store().equals("redis")) {
            redisStore = new RedisChatStore(options.redisUri(), options.routing(), java.time.Duration.ofSeconds(1),
                    options.maxLogEvents(), java.time.Duration.ofHours(24));
            store = redisStore;
            try {
                bus = RedisNodeBus.of(redisStore, options.nodeId(), options.nodeTtl());
            } catch (RuntimeException e) {
                redisStore.close();
                throw e;
            }
            // Readiness is probed off the event loops (a Redis round trip may take up to its timeout).
            java.util.concurrent.atomic.AtomicBoolean up = new java.util.concurrent.atomic.AtomicBoolean(true);
            readinessProbe = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "readiness");
                t.setDaemon(true);
                return t;
            });
            readinessProbe.scheduleWithFixedDelay(() -> up.set(redisStore.ping()), 0, 500, TimeUnit.MILLISECONDS);
            storeUp = up::get;
            ready = () -> up.get() && !draining.get();
        } else {
            redisStore = null;
            bus = NodeBus.local();
            readinessProbe = null;
            store = new MemoryChatStore(options.maxLogEvents(), 10_000, options.routing());
            storeUp = () -> true;
            ready = () -> !draining.get();
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        transport = epoll ? "epoll" : "nio";
        boss = new MultiThreadIoEventLoopGroup(1, io);
        workers = new MultiThreadIoEventLoopGroup(0, io);
        sockets = new DefaultChannelGroup("sockets", GlobalEventExecutor.INSTANCE);
        // One thread per router lane (a parallel scheduler hands its threads to the lanes in turn).
        routerScheduler = Schedulers.newParallel("router", options.router().workers(), true);
        prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(prometheus);
        new JvmGcMetrics().bindTo(prometheus);
        new ProcessorMetrics().bindTo(prometheus);
        Gauge.builder("gateway.store.available", () -> storeUp.getAsBoolean() ? 1 : 0)
                .description("1 while the store answers (Redis: pinged every 500 ms), else 0").register(prometheus);
        Gauge.builder("gateway.draining", () -> draining.get() ? 1 : 0).description("1 once SIGTERM started a drain").register(prometheus);
        for (Role r : Role.values()) {
            Gauge.builder("gateway.connections", () -> PublicChannelInitializer.chatSockets(sockets, r))
                    .tag("role", r.name().toLowerCase(java.util.Locale.ROOT)).description("open chat connections").register(prometheus);
        }
        trace = new TraceRecorder(System::currentTimeMillis, () -> (int) prometheus.find("chat.queue.depth").gauges().stream()
                .mapToDouble(Gauge::value).sum(), options.traceRetentionSeconds(), options.traceFile());
        router = Routers.create(options.router().toBuilder().activity(trace).build(), store, bus, routerScheduler, prometheus);
        traceTicker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "trace");
            t.setDaemon(true);
            return t;
        });
        traceTicker.scheduleAtFixedRate(trace::flush, 1, 1, TimeUnit.SECONDS);
        tokens = new TokenService(options.jwtSecret(), Clock.systemUTC(), Duration.ofDays(1));
        MessageCodec codec = MessageCodec.json(options.limits());
        try {
            ServerBootstrap publicBootstrap = new ServerBootstrap();
            if (options.socketSendBuffer() > 0) {
                publicBootstrap.childOption(ChannelOption.SO_SNDBUF, options.socketSendBuffer());
            }
            publicChannel = publicBootstrap.group(boss, workers).channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new PublicChannelInitializer(options, codec, tokens, router, sockets,
                            prometheus.counter("gateway.slow.consumers.closed")::increment,
                            prometheus.counter("gateway.connections.refused", "port", "public")::increment))
                    .bind(new InetSocketAddress(options.host(), options.port())).sync().channel();
            ConnectionRateLimiter adminConnects = new ConnectionRateLimiter(options.maxConnectsPerSecondPerAddress(), System::nanoTime);
            Runnable adminRefused = prometheus.counter("gateway.connections.refused", "port", "admin")::increment;
            adminChannel = new ServerBootstrap().group(boss, workers).channel(channelType)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast("http-codec", HttpLimits.serverCodec());
                            // 8 MiB: a dry-run may carry an hour of trace (a few MB); the admin port is behind its bearer token
                            ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(8 * 1024 * 1024));
                            ch.pipeline().addLast("http-guard", new HttpEdgeGuard(options.httpRequestTimeout().toMillis(),
                                    adminConnects, adminRefused));
                            ch.pipeline().addLast("admin", new AdminHandler(router, options.adminToken(), ready, prometheus, trace));
                        }
                    })
                    .bind(new InetSocketAddress(options.host(), options.adminPort())).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new GatewayException("interrupted while binding", e);
        } catch (RuntimeException e) {
            close();
            throw new GatewayException("cannot bind ports " + options.port() + "/" + options.adminPort() + ": " + e.getMessage(), e);
        }
    }

    /** Starts a gateway; returns once both ports listen. */
    public static GatewayServer start(GatewayOptions options) {
        GatewayServer s = new GatewayServer(options);
        log.info("chat gateway listening: public port {} (WebSocket /ws/customer, /ws/agent), admin port {}, transport {}",
                s.port(), s.adminPort(), s.transport);
        if (options.devSecret()) {
            log.warn("CHAT_GATEWAY_JWT_SECRET is not set: using the development secret. Set it in production.");
        }
        if (options.store().equals("redis")) {
            log.info("shared store: Redis; this is node {} (taken for dead after {} s of silence)", options.nodeId(),
                    options.nodeTtl().toSeconds());
        }
        if (options.devAdminToken()) {
            log.warn("CHAT_GATEWAY_ADMIN_TOKEN is not set: the ops API accepts the development token '{}'.", GatewayOptions.DEV_ADMIN_TOKEN);
        }
        return s;
    }

    /** The bound public port (useful with port 0). */
    public int port() {
        return ((InetSocketAddress) publicChannel.localAddress()).getPort();
    }

    public int adminPort() {
        return ((InetSocketAddress) adminChannel.localAddress()).getPort();
    }

    /** The token service of this gateway (mints demo and test tokens with its secret). */
    public TokenService tokens() {
        return tokens;
    }

    /** "epoll" or "nio". */
    public String transport() {
        return transport;
    }

    /**
     * Takes this node out of service without losing anything, then stops it (what SIGTERM does):
     * {@code /readyz} turns 503 at once; new connections are still taken for {@code quiet} (the
     * load balancer needs a few probes to notice), then refused; every connected client gets 1001
     * and resumes on another node; the router records their departures (an agent's chats are kept
     * for the grace period, so the agent takes them back on another node); the store answers
     * everything sent to it; then the node stops. Blocks the calling thread (a signal handler's,
     * never an event loop).
     */
    public void drain(Duration quiet) {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        log.info("draining: /readyz answers 503; new connections are taken for {} s more, then clients are asked to reconnect elsewhere",
                quiet.toSeconds());
        try {
            Thread.sleep(quiet.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publicChannel.close().awaitUninterruptibly(); // new connections are refused from here on
        int clients = sockets.size();
        for (Channel ch : sockets) {
            PublicChannelInitializer.goingAway(ch);
        }
        sockets.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        try {
            router.settle().block(Duration.ofSeconds(10)); // every departure recorded
            if (redisStore != null) {
                redisStore.ping(); // answered after every command this node sent before it
            }
        } catch (RuntimeException e) {
            log.warn("draining: the router or store did not settle in time: {}", e.getMessage());
        }
        log.info("drained: {} clients asked to reconnect elsewhere; stopping", clients);
        close();
    }

    /** Tells every WebSocket client to reconnect elsewhere (1001), then stops (at once; see {@link #drain}). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (sockets != null) {
            for (Channel ch : sockets) {
                PublicChannelInitializer.goingAway(ch);
            }
            sockets.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (publicChannel != null) {
            publicChannel.close().awaitUninterruptibly();
        }
        if (adminChannel != null) {
            adminChannel.close().awaitUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        if (router != null) {
            router.close();
        }
        if (routerScheduler != null) {
            routerScheduler.dispose();
        }
        if (readinessProbe != null) {
            readinessProbe.shutdownNow();
        }
        if (traceTicker != null) {
            traceTicker.shutdownNow();
            trace.flush();
            trace.close();
        }
        if (bus != null) {
            bus.close();
        }
        if (redisStore != null) {
            redisStore.close();
        }
    }
}
