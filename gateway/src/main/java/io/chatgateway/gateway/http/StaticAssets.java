package io.chatgateway.gateway.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files the gateway serves, with the headers each kind needs: the demo pages with a
 * Content-Security-Policy that allows no inline script or style and no framing; the embeddable
 * widget and the client library with CORS (a shop's page on another origin loads them, the client
 * as a module); every file with {@code X-Content-Type-Options: nosniff}. Files are read once, at
 * first use.
 */
public final class StaticAssets {
    /** No inline script or style, nothing from elsewhere, never framed: people's text is always rendered as text anyway. */
    static final String PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
    private static final Map<String, String> COMMON = Map.of("X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer");

    private record Asset(String resource, String contentType, Map<String, String> headers) {
    }

    private static final Map<String, Asset> PUBLIC = new LinkedHashMap<>();
    /** The ops dashboard on the admin port: the page and its files hold no data (every figure comes with the bearer token). */
    private static final Map<String, Asset> ADMIN = new LinkedHashMap<>();

    static {
        Map<String, String> page = headers(Map.of("Content-Security-Policy", PAGE_POLICY, "X-Frame-Options", "DENY"));
        Map<String, String> local = headers(Map.of());
        Map<String, String> embeddable = headers(Map.of("Access-Control-Allow-Origin", "*", "Cross-Origin-Resource-Policy", "cross-origin"));
        Asset demo = new Asset("/web/demo/index.html", "text/html; charset=UTF-8", page);
        PUBLIC.put("/", demo);
        PUBLIC.put("/demo", demo);
        PUBLIC.put("/demo/", demo);
        PUBLIC.put("/demo/shop.html", new Asset("/web/demo/shop.html", "text/html; charset=UTF-8", page));
        PUBLIC.put("/demo/demo.js", new Asset("/web/demo/demo.js", "text/javascript; charset=UTF-8", local));
        PUBLIC.put("/demo/demo.css", new Asset("/web/demo/demo.css", "text/css; charset=UTF-8", local));
        Asset console = new Asset("/web/console/index.html", "text/html; charset=UTF-8", page);
        PUBLIC.put("/console", console);
        PUBLIC.put("/console/", console);
        PUBLIC.put("/console/console.js", new Asset("/web/console/console.js", "text/javascript; charset=UTF-8", local));
        PUBLIC.put("/console/console.css", new Asset("/web/console/console.css", "text/css; charset=UTF-8", local));
        PUBLIC.put("/widget.js", new Asset("/web/widget.js", "text/javascript; charset=UTF-8", embeddable));
        PUBLIC.put("/client/chat-gateway-client.js", new Asset("/web/client/chat-gateway-client.js", "text/javascript; charset=UTF-8", embeddable));
        ADMIN.put("/ops", new Asset("/web/ops/index.html", "text/html; charset=UTF-8", page));
        ADMIN.put("/ops/ops.js", new Asset("/web/ops/ops.js", "text/javascript; charset=UTF-8", local));
        ADMIN.put("/ops/ops.css", new Asset("/web/ops/ops.css", "text/css; charset=UTF-8", local));
        PUBLIC.put("/client/chat-gateway-client.d.ts", new Asset("/web/client/chat-gateway-client.d.ts", "text/plain; charset=UTF-8", embeddable));
    }

    private static final Map<String, byte[]> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private StaticAssets() {
    }

    private static Map<String, String> headers(Map<String, String> extra) {
        Map<String, String> h = new LinkedHashMap<>(COMMON);
        h.putAll(extra);
        return Map.copyOf(h);
    }

    /** Serves {@code path} if it is one of the public port's files; false when it is not. */
    public static boolean servePublic(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        Asset a = PUBLIC.get(path);
        if (a == null) {
            return false;
        }
        HttpResponses.send(ctx, req, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes(a.resource())), a.contentType(), a.headers());
        return true;
    }

    /** Serves one of the admin port's files (the ops dashboard). */
    public static void serveAdmin(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        Asset a = ADMIN.get(path);
        HttpResponses.send(ctx, req, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes(a.resource())), a.contentType(), a.headers());
    }

    /** Serves a resource of the jar as is (e.g. the OpenAPI document on the admin port). */
    public static void serve(ChannelHandlerContext ctx, FullHttpRequest req, String resource, String contentType) {
        HttpResponses.send(ctx, req, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes(resource)), contentType, COMMON);
    }

    /** The public port's file paths (for the 404 answer). */
    public static String publicPaths() {
        return String.join(", ", PUBLIC.keySet());
    }

    private static byte[] bytes(String resource) {
        return CACHE.computeIfAbsent(resource, r -> {
            try (InputStream in = StaticAssets.class.getResourceAsStream(r)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + r + " is missing from the jar (a build problem)");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
