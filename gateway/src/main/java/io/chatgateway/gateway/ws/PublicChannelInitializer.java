package io.chatgateway.gateway.ws;

import io.chatgateway.gateway.GatewayOptions;
import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.gateway.http.ConnectionRateLimiter;
import io.chatgateway.gateway.http.HttpEdgeGuard;
import io.chatgateway.gateway.http.HttpLimits;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.Role;
import io.chatgateway.router.Router;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.AttributeKey;

/**
 * Builds the public port's pipeline. Until the upgrade, in this order:
 * <ol>
 *   <li>{@value #HTTP_CODEC}: HTTP/1.1 with small header limits (only handshakes and health checks come here,
 *       see {@link HttpLimits});</li>
 *   <li>{@value #HTTP_AGGREGATOR}: whole requests up to 16 KiB;</li>
 *   <li>{@value #HTTP_GUARD}: {@link HttpEdgeGuard}: request timeout, malformed or over-long requests, connections
 *       per address;</li>
 *   <li>{@value #HTTP_ROUTES}: {@code /healthz}, the demo page, and the gate to {@code /ws/customer} and
 *       {@code /ws/agent} with the {@link OriginPolicy}; it does the RFC 6455 handshake itself. With
 *       {@code CHAT_GATEWAY_COMPRESSION=on}, {@value #WS_DEFLATE} before it negotiates permessage-deflate
 *       ({@link Compression}) and puts its inflater and deflater after the frame codec.</li>
 * </ol>
 * After the upgrade the HTTP handlers are gone and a socket has only:
 * <ol>
 *   <li>the frame codec, with the {@link StrictFrameDecoder} (1002 for protocol errors and bad close codes,
 *       1009 for a frame over the size limit);</li>
 *   <li>{@value #WS_AGGREGATOR}: joins fragmented messages, with the same size limit (1009);</li>
 *   <li>{@value #CHAT_HANDLER}: {@link ChatSocketHandler}, one per connection: pings, the client's close,
 *       the UTF-8 check of each whole message (1007), and the chat.</li>
 * </ol>
 * Nothing adds a close frame of its own (as Netty's {@code WebSocketServerProtocolHandler} would add
 * {@code 1000 "Bye"}): each connection gets exactly one, with the code of what ended it.
 */
public final class PublicChannelInitializer extends ChannelInitializer<Channel> {
    public static final String HTTP_CODEC = "http-codec";
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    public static final String HTTP_GUARD = "http-guard";
    public static final String WS_DEFLATE = "ws-deflate";
    public static final String HTTP_ROUTES = "http-routes";
    public static final String WS_AGGREGATOR = "ws-aggregator";
    public static final String CHAT_HANDLER = "chat";

    private static final AttributeKey<SocketSettings> SETTINGS = AttributeKey.valueOf("chat-settings");

    private final SocketSettings settings;
    private final ChannelGroup sockets;
    private final WebSocketDecoderConfig decoderConfig;
    private final TokenService demoTokens;
    private final OriginPolicy origins;
    private final ConnectionRateLimiter connects;
    private final long requestTimeoutMillis;
    private final Runnable onRefused;
    private final boolean compression;

    public PublicChannelInitializer(GatewayOptions options, MessageCodec codec, TokenService tokens, Router router,
                                    ChannelGroup sockets, Runnable onTooSlow, Runnable onRefused) {
        this.settings = new SocketSettings(codec, tokens, router, options.allowAnonymous(),
                options.helloTimeout().toMillis(), options.maxFramesPerSecond(), options.agentMaxFramesPerSecond(), options.maxErrorsPerMinute(),
                options.maxPendingOutboundBytes(), options.limits().maxFrameBytes(), onTooSlow);
        this.sockets = sockets;
        this.demoTokens = options.devSecret() ? tokens : null;
        this.origins = new OriginPolicy(options.allowedOrigins());
        this.connects = new ConnectionRateLimiter(options.maxConnectsPerSecondPerAddress(), System::nanoTime);
        this.requestTimeoutMillis = options.httpRequestTimeout().toMillis();
        this.onRefused = onRefused;
        this.compression = options.compression();
        this.decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(options.limits().maxFrameBytes())
                .allowExtensions(false)
                .closeOnProtocolViolation(true)
                .withUTF8Validator(false) // ChatSocketHandler checks each whole message
                .build();
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.attr(SETTINGS).set(settings);
        sockets.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast(HTTP_CODEC, HttpLimits.serverCodec());
        p.addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(16 * 1024));
        p.addLast(HTTP_GUARD, new HttpEdgeGuard(requestTimeoutMillis, connects, onRefused));
        if (compression) {
            p.addLast(WS_DEFLATE, Compression.negotiator(settings.maxFrameBytes()));
        }
        p.addLast(HTTP_ROUTES, new PublicHttpHandler(demoTokens, origins, decoderConfig));
    }

    /** The handlers of an upgraded socket (the frame codec is the handshake's), after the HTTP ones. */
    static void addSocketHandlers(Channel ch, Role role) {
        SocketSettings s = ch.attr(SETTINGS).get();
        ChannelPipeline p = ch.pipeline();
        p.addLast(WS_AGGREGATOR, new WebSocketFrameAggregator(s.maxFrameBytes()));
        p.addLast(CHAT_HANDLER, new ChatSocketHandler(role, s, System::nanoTime));
    }

    /** How many of the channels are chat sockets of {@code role} now (a gauge; counted at each scrape). */
    public static long chatSockets(Iterable<Channel> channels, Role role) {
        long n = 0;
        for (Channel ch : channels) {
            if (ch.pipeline().get(CHAT_HANDLER) instanceof ChatSocketHandler chat && chat.role() == role) {
                n++;
            }
        }
        return n;
    }

    /** Tells a chat socket to reconnect elsewhere (1001, its one close frame); other channels are left alone. */
    public static void goingAway(Channel ch) {
        if (ch.pipeline().get(CHAT_HANDLER) instanceof ChatSocketHandler chat) {
            chat.close(1001, "gateway shutting down; reconnect");
        }
    }
}
