package io.chatgateway.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The one place HTTP responses are written: JSON bodies, JSON errors, classpath resources. */
public final class HttpResponses {
    /** Admin JSON is read strictly: a key given twice is an error, not "the last one wins". */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final long LINGER_MILLIS = 1000;

    private HttpResponses() {
    }

    /** The shared mapper for admin JSON. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static void json(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String json) {
        send(ctx, req, status, Unpooled.copiedBuffer(json, StandardCharsets.UTF_8), "application/json; charset=UTF-8");
    }

    public static void json(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, Object body) {
        try {
            send(ctx, req, status, Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(body)), "application/json; charset=UTF-8");
        } catch (JsonProcessingException e) {
            error(ctx, req, HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot encode response");
        }
    }

    /** {@code {"error": "<status reason>", "message": "..."}}: what was wrong and what was expected. */
    public static void error(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String message) {
        send(ctx, req, status, Unpooled.wrappedBuffer(errorBody(status, message)), "application/json; charset=UTF-8");
    }

    /** A 405 with the {@code Allow} header RFC 9110 asks for. */
    public static void error(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String message, String allow) {
        send(ctx, req, status, Unpooled.wrappedBuffer(errorBody(status, message)), "application/json; charset=UTF-8",
                Map.of(HttpHeaderNames.ALLOW.toString(), allow));
    }

    /**
     * An error for a request that cannot be trusted (malformed, too slow, refused): no keep-alive,
     * the connection closes once it is written.
     */
    public static void errorAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        FullHttpResponse res = response(status, Unpooled.wrappedBuffer(errorBody(status, message)), "application/json; charset=UTF-8", false);
        if (status.code() == 429) {
            res.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        ctx.writeAndFlush(res).addListener((ChannelFutureListener) f -> {
            // Lingering close: a client still sending (a huge header block) would get a reset on close, which can
            // destroy the answer before it is read. Stop writing, let its bytes drain (they are discarded), close soon.
            if (f.isSuccess() && f.channel() instanceof DuplexChannel d && d.isActive()) {
                d.shutdownOutput();
                d.eventLoop().schedule(() -> d.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                f.channel().close();
            }
        });
    }

    private static byte[] errorBody(HttpResponseStatus status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", status.reasonPhrase());
        body.put("message", message);
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void send(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, ByteBuf body,
                            String contentType) {
        send(ctx, req, status, body, contentType, Map.of());
    }

    /** A response with these headers added (security headers of pages, CORS of embeddable scripts). */
    public static void send(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, ByteBuf body,
                            String contentType, Map<String, String> headers) {
        boolean head = HttpMethod.HEAD.equals(req.method());
        boolean keepAlive = HttpUtil.isKeepAlive(req) && status.code() < 500;
        FullHttpResponse res = response(status, body, contentType, keepAlive);
        for (Map.Entry<String, String> h : headers.entrySet()) {
            res.headers().set(h.getKey(), h.getValue());
        }
        if (head) {
            res.content().release();
            res = res.replace(Unpooled.EMPTY_BUFFER); // the headers (Content-Length too) as for GET, no body
        }
        ChannelFuture f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A whole response with the headers every answer carries. */
    private static FullHttpResponse response(HttpResponseStatus status, ByteBuf body, String contentType, boolean keepAlive) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        res.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return res;
    }
}
