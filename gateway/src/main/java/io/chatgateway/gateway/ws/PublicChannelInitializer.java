package io.chatgateway.gateway.ws;

import io.chatgateway.gateway.GatewayOptions;
import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.Role;
import io.chatgateway.router.Router;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;

/**
 * Builds the public port's pipeline, in this order:
 * <ol>
 *   <li>{@value #HTTP_CODEC}: HTTP/1.1 with small header limits (only handshakes and health checks come here);</li>
 *   <li>{@value #HTTP_AGGREGATOR}: whole requests up to 16 KiB;</li>
 *   <li>{@value #HTTP_ROUTES}: {@code /healthz}, the demo page, and the gate to {@code /ws/customer} and
 *       {@code /ws/agent} (it adds {@value #CHAT_HANDLER} at the end for an upgrade);</li>
 *   <li>{@value #WS_PROTOCOL}: Netty's handshake, ping/pong, close, UTF-8 validation (1007) and the frame
 *       size limit (1009);</li>
 *   <li>{@value #WS_AGGREGATOR}: joins fragmented messages, with the same size limit;</li>
 *   <li>{@value #CHAT_HANDLER}: {@link ChatSocketHandler}, one per connection.</li>
 * </ol>
 */
public final class PublicChannelInitializer extends ChannelInitializer<Channel> {
    public static final String HTTP_CODEC = "http-codec";
    public static final String HTTP_AGGREGATOR = "http-aggregator";
    public static final String HTTP_ROUTES = "http-routes";
    public static final String WS_PROTOCOL = "ws-protocol";
    public static final String WS_AGGREGATOR = "ws-aggregator";
    public static final String CHAT_HANDLER = "chat";

    private static final AttributeKey<SocketSettings> SETTINGS = AttributeKey.valueOf("chat-settings");

    private final SocketSettings settings;
    private final ChannelGroup sockets;
    private final WebSocketServerProtocolConfig wsConfig;
    private final TokenService demoTokens;

    public PublicChannelInitializer(GatewayOptions options, MessageCodec codec, TokenService tokens, Router router,
                                    ChannelGroup sockets, Runnable onTooSlow) {
        this.settings = new SocketSettings(codec, tokens, router, options.allowAnonymous(),
                options.helloTimeout().toMillis(), options.maxFramesPerSecond(), options.agentMaxFramesPerSecond(), options.maxErrorsPerMinute(),
                options.maxPendingOutboundBytes(), options.limits().maxFrameBytes(), onTooSlow);
        this.sockets = sockets;
        this.demoTokens = options.devSecret() ? tokens : null;
        this.wsConfig = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws")
                .checkStartsWith(true)
                .handshakeTimeoutMillis(options.helloTimeout().toMillis())
                .dropPongFrames(true)
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(options.limits().maxFrameBytes())
                        .allowExtensions(false)
                        .closeOnProtocolViolation(true)
                        .withUTF8Validator(true)
                        .build())
                .build();
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.attr(SETTINGS).set(settings);
        sockets.add(ch);
        ChannelPipeline p = ch.pipeline();
        p.addLast(HTTP_CODEC, new HttpServerCodec(4096, 8192, 8192));
        p.addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(16 * 1024));
        p.addLast(HTTP_ROUTES, new PublicHttpHandler(demoTokens));
        p.addLast(WS_PROTOCOL, new WebSocketServerProtocolHandler(wsConfig));
        p.addLast(WS_AGGREGATOR, new WebSocketFrameAggregator(settings.maxFrameBytes()));
    }

    static ChannelHandler chatHandler(Channel ch, Role role) {
        return new ChatSocketHandler(role, ch.attr(SETTINGS).get(), System::nanoTime);
    }
}
