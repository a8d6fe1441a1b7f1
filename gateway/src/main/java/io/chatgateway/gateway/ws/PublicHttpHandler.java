package io.chatgateway.gateway.ws;

import io.chatgateway.gateway.http.HttpResponses;
import io.chatgateway.protocol.Role;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;

/**
 * The public port's plain HTTP: {@code /healthz}, the demo page, and the gate to the two WebSocket
 * endpoints. Only an upgrade request for {@code /ws/customer} or {@code /ws/agent} passes on to the
 * WebSocket handshake, with its role noted on the channel.
 */
final class PublicHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final AttributeKey<Role> ROLE = AttributeKey.valueOf("chat-role");

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
            ctx.channel().attr(ROLE).set(role);
            ctx.pipeline().addLast(PublicChannelInitializer.CHAT_HANDLER, PublicChannelInitializer.chatHandler(ctx.channel(), role));
            ctx.fireChannelRead(req.retain());
            return;
        }
        if (!HttpMethod.GET.equals(req.method()) && !HttpMethod.HEAD.equals(req.method())) {
            HttpResponses.error(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET is served here (expected: GET " + path + ")");
            return;
        }
        switch (path) {
            case "/healthz":
                HttpResponses.json(ctx, req, HttpResponseStatus.OK, "{\"status\":\"ok\"}");
                return;
            case "/":
            case "/demo":
            case "/demo/":
                HttpResponses.resource(ctx, req, "/demo/index.html", "text/html; charset=UTF-8");
                return;
            default:
                HttpResponses.error(ctx, req, HttpResponseStatus.NOT_FOUND,
                        "no such path " + path + " (expected: /ws/customer, /ws/agent, /healthz or /)");
        }
    }
}
