package io.chatgateway.gateway.admin;

import io.chatgateway.gateway.http.HttpResponses;
import io.chatgateway.router.Router;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The ops API on the admin port. {@code /healthz} and {@code /readyz} are open (load balancers
 * probe them); everything under {@code /admin/} needs {@code Authorization: Bearer <admin token>}
 * (401 without or with a wrong one). Router figures are taken on the router's own thread, so this
 * handler never blocks its event loop.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Router router;
    private final byte[] adminToken;
    private final BooleanSupplier ready;

    public AdminHandler(Router router, String adminToken, BooleanSupplier ready) {
        this.router = router;
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
        this.ready = ready;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        if (path.equals("/healthz")) {
            HttpResponses.json(ctx, req, HttpResponseStatus.OK, "{\"status\":\"ok\"}");
            return;
        }
        if (path.equals("/readyz")) {
            boolean ok = ready.getAsBoolean();
            HttpResponses.json(ctx, req, ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    ok ? "{\"ready\":true}" : "{\"ready\":false}");
            return;
        }
        if (!path.startsWith("/admin/")) {
            HttpResponses.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no such path " + path
                    + " (expected: /healthz, /readyz, /admin/queues, /admin/agents)");
            return;
        }
        if (!authorized(req)) {
            HttpResponses.error(ctx, req, HttpResponseStatus.UNAUTHORIZED,
                    "missing or wrong bearer token (expected: Authorization: Bearer <CHAT_GATEWAY_ADMIN_TOKEN>)");
            return;
        }
        if (!HttpMethod.GET.equals(req.method())) {
            HttpResponses.error(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, req.method() + " " + path
                    + " is not supported (expected: GET)");
            return;
        }
        switch (path) {
            case "/admin/queues" -> reply(ctx, req, true);
            case "/admin/agents" -> reply(ctx, req, false);
            default -> HttpResponses.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no such path " + path
                    + " (expected: /admin/queues or /admin/agents)");
        }
    }

    private void reply(ChannelHandlerContext ctx, FullHttpRequest req, boolean queues) {
        req.retain();
        router.snapshot().timeout(Duration.ofSeconds(5)).subscribe(s -> {
            try {
                Map<String, Object> body = new LinkedHashMap<>();
                if (queues) {
                    body.put("groups", s.groups());
                } else {
                    body.put("agents", s.agents());
                }
                HttpResponses.json(ctx, req, HttpResponseStatus.OK, body);
            } finally {
                req.release();
            }
        }, e -> {
            try {
                HttpResponses.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "router busy; retry shortly");
            } finally {
                req.release();
            }
        });
    }

    private boolean authorized(FullHttpRequest req) {
        String h = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Constant-time comparison: the token must not leak through response timing.
        return MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), adminToken);
    }
}
