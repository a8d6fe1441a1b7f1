package io.chatgateway.gateway.ws;

import io.chatgateway.gateway.http.HttpResponses;
import io.chatgateway.gateway.http.StaticAssets;
import io.chatgateway.protocol.Role;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;

/**
 * The public port's plain HTTP: {@code /healthz}, the demo page, and the gate to the two WebSocket
 * endpoints. Only an upgrade request for {@code /ws/customer} or {@code /ws/agent} passes on to the
 * WebSocket handshake, with its role noted on the channel.
 */
final class PublicHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final AttributeKey<Role> ROLE = AttributeKey.valueOf("chat-role");
    private static final java.util.Set<String> DEMO_TIERS = java.util.Set.of("vip", "regular", "new");
    private static final java.util.Set<String> DEMO_LEVELS = java.util.Set.of("senior", "regular", "trainee");

    private final io.chatgateway.gateway.auth.TokenService demoTokens;
    private final OriginPolicy origins;
    private final WebSocketDecoderConfig frames;

    /**
     * @param demoTokens mints tokens for the demo page; null unless the gateway runs with the development secret
     * @param origins    which pages may open a chat socket
     * @param frames     limits of the WebSocket frame decoder
     */
    PublicHttpHandler(io.chatgateway.gateway.auth.TokenService demoTokens, OriginPolicy origins, WebSocketDecoderConfig frames) {
        this.demoTokens = demoTokens;
        this.origins = origins;
        this.frames = frames;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        Role role = path.equals("/ws/customer") ? Role.CUSTOMER : path.equals("/ws/agent") ? Role.AGENT : null;
        if (role != null) {
            if (!"websocket".equalsIgnoreCase(req.headers().get(HttpHeaderNames.UPGRADE))) {
                HttpResponses.error(ctx, req, HttpResponseStatus.UPGRADE_REQUIRED,
                        path + " is a WebSocket endpoint (expected: an Upgrade: websocket request)");
                return;
            }
            String origin = req.headers().get(HttpHeaderNames.ORIGIN);
            if (!origins.allows(role, origin, req.headers().get(HttpHeaderNames.HOST))) {
                HttpResponses.errorAndClose(ctx, HttpResponseStatus.FORBIDDEN, "pages of origin " + origin + " may not open "
                        + path + " (expected: a shop origin in CHAT_GATEWAY_ALLOWED_ORIGINS"
                        + (role == Role.AGENT ? ", listed by name for agents" : "") + ", or this gateway's own pages)");
                return;
            }
            if (!HttpMethod.GET.equals(req.method()) || req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY) == null) {
                HttpResponses.errorAndClose(ctx, HttpResponseStatus.BAD_REQUEST,
                        "not a WebSocket handshake (expected: GET " + path + " with Sec-WebSocket-Key, RFC 6455)");
                return;
            }
            if (!"13".equals(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
                // 426 with Sec-WebSocket-Version: 13, as RFC 6455 4.4 asks
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            upgrade(ctx, req, role, path);
            return;
        }
        if (!HttpMethod.GET.equals(req.method()) && !HttpMethod.HEAD.equals(req.method())) {
            HttpResponses.error(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET is served here (expected: GET " + path + ")");
            return;
        }
        if (path.equals("/healthz")) {
            HttpResponses.json(ctx, req, HttpResponseStatus.OK, "{\"status\":\"ok\"}");
        } else if (path.equals("/favicon.ico")) {
            HttpResponses.send(ctx, req, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER, "image/x-icon"); // browsers ask on every page
        } else if (path.equals("/demo/token")) {
            demoToken(ctx, req);
        } else if (!StaticAssets.servePublic(ctx, req, path)) {
            HttpResponses.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no such path " + path
                    + " (expected: /ws/customer, /ws/agent, /healthz, " + StaticAssets.publicPaths() + ")");
        }
    }

    /**
     * Hands the connection over to WebSocket: the HTTP-only handlers leave its pipeline (less memory
     * per idle session, and the HTTP request timeout must not close a socket: the hello timeout bounds
     * it from here), the chat handler joins, then the RFC 6455 handshake answers 101.
     */
    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, Role role, String path) {
        Channel ch = ctx.channel();
        ch.attr(ROLE).set(role);
        ChannelPipeline p = ctx.pipeline();
        p.remove(PublicChannelInitializer.HTTP_GUARD);
        PublicChannelInitializer.addSocketHandlers(ch, role);
        p.remove(this); // before the handshake: frames right behind the request must not reach this handler
        String url = "ws://" + req.headers().get(HttpHeaderNames.HOST, "localhost") + path;
        WebSocketServerProtocolHandler.HandshakeComplete done =
                new WebSocketServerProtocolHandler.HandshakeComplete(req.uri(), req.headers(), null);
        // RSV1 marks compressed frames: allowed only where permessage-deflate is negotiated (the negotiator is in the pipeline).
        boolean deflate = p.get(PublicChannelInitializer.WS_DEFLATE) != null
                && Compression.offered(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS));
        WebSocketDecoderConfig config = deflate ? frames.toBuilder().allowExtensions(true).build() : frames;
        StrictFrameDecoder.handshaker(url, config).handshake(ch, req).addListener(f -> {
            if (f.isSuccess()) {
                p.fireUserEventTriggered(done);
            } else {
                ch.close();
            }
        });
    }

    /**
     * {@code GET /demo/token?role=customer&tier=vip&sub=...} or {@code ?role=agent&level=senior&sub=...}:
     * only while the development secret is in use, so a production gateway never mints tokens for
     * whoever asks.
     */
    private void demoToken(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (demoTokens == null) {
            HttpResponses.error(ctx, req, HttpResponseStatus.NOT_FOUND,
                    "demo tokens are only served while CHAT_GATEWAY_JWT_SECRET is unset (development mode)");
            return;
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        String role = first(q, "role");
        String sub = first(q, "sub");
        if (sub == null || !sub.matches("[A-Za-z0-9_-]{1,32}")) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "sub is missing or invalid (expected: 1..32 of A-Z a-z 0-9 _ -)");
            return;
        }
        java.util.Map<String, Object> claims = new java.util.LinkedHashMap<>();
        if ("customer".equals(role)) {
            String tier = first(q, "tier");
            if (!DEMO_TIERS.contains(tier)) {
                HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "tier '" + tier + "' (expected: vip, regular or new)");
                return;
            }
            claims.put("role", "customer");
            claims.put("tier", tier);
            claims.put("name", sub);
            if ("1".equals(first(q, "urgent"))) {
                claims.put("tags", java.util.List.of("urgent_order"));
            }
        } else if ("agent".equals(role)) {
            String level = first(q, "level");
            if (!DEMO_LEVELS.contains(level)) {
                HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "level '" + level + "' (expected: senior, regular or trainee)");
                return;
            }
            claims.put("role", "agent");
            claims.put("level", level);
            claims.put("name", sub);
        } else {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "role '" + role + "' (expected: customer or agent)");
            return;
        }
        String token = demoTokens.mint(sub, claims, java.time.Duration.ofHours(8));
        HttpResponses.json(ctx, req, HttpResponseStatus.OK, java.util.Map.of("token", token));
    }

    private static String first(QueryStringDecoder q, String name) {
        java.util.List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
