package io.chatgateway.gateway.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge of both ports, right after the request aggregator: what a hostile or broken
 * client must not get past, each answered with its status and the connection closed.
 *
 * <ul>
 *   <li><b>Too slow</b> (slowloris): a whole request must arrive within the header timeout of the
 *       connection opening or of the previous response; else 408 and close.</li>
 *   <li><b>Not HTTP as Netty parsed it</b>: a request line over the limit gets 414, headers over the
 *       limit 431, anything else the decoder refused (both Content-Length and Transfer-Encoding,
 *       two Content-Lengths, a malformed line) 400. Such a request never reaches a route or the
 *       WebSocket upgrade, where the rest of its header block would be read as frames.</li>
 *   <li><b>Too many connections from one address</b>: the connection's first request gets 429 with
 *       {@code Retry-After} (see {@link ConnectionRateLimiter}).</li>
 * </ul>
 * One per connection. The public port removes it when a connection upgrades to WebSocket (the
 * hello timeout takes over from there).
 */
public final class HttpEdgeGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(HttpEdgeGuard.class);

    private final long timeoutMillis;
    private final ConnectionRateLimiter limiter;
    private final Runnable onRefused;
    private ScheduledFuture<?> timer;
    private boolean refused;

    /**
     * @param timeoutMillis time for a whole request to arrive
     * @param limiter       new connections per address
     * @param onRefused     counts connections refused by the limiter
     */
    public HttpEdgeGuard(long timeoutMillis, ConnectionRateLimiter limiter, Runnable onRefused) {
        this.timeoutMillis = timeoutMillis;
        this.limiter = limiter;
        this.onRefused = onRefused;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            opened(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        opened(ctx);
        super.channelActive(ctx);
    }

    private void opened(ChannelHandlerContext ctx) {
        if (timer != null) {
            return;
        }
        arm(ctx);
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && !limiter.tryAcquire(a.getAddress())) {
            refused = true;
            onRefused.run();
        }
    }

    private void arm(ChannelHandlerContext ctx) {
        cancel();
        timer = ctx.executor().schedule(() -> {
            log.debug("HTTP request not complete within {} ms: closing", timeoutMillis);
            HttpResponses.errorAndClose(ctx, HttpResponseStatus.REQUEST_TIMEOUT,
                    "the request did not arrive within " + timeoutMillis / 1000 + " s (expected: a whole HTTP request)");
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        cancel(); // re-armed once the response is written
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(req);
            refuse(ctx, result.cause());
        } else if (refused) {
            ReferenceCountUtil.release(req);
            HttpResponses.errorAndClose(ctx, HttpResponseStatus.TOO_MANY_REQUESTS, "more than " + limiter.perSecond()
                    + " new connections a second from your address (expected: reconnect with backoff, retry after 1 s)");
        } else {
            ctx.fireChannelRead(req);
        }
    }

    private static void refuse(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof PrematureChannelClosureException || !ctx.channel().isActive()) {
            ctx.close(); // the client went away mid-request: nobody to answer
            return;
        }
        if (cause instanceof TooLongHttpLineException) {
            HttpResponses.errorAndClose(ctx, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "the request line is too long (expected: at most " + HttpLimits.MAX_REQUEST_LINE + " bytes)");
        } else if (cause instanceof TooLongHttpHeaderException) {
            HttpResponses.errorAndClose(ctx, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "the header block is too large (expected: at most " + HttpLimits.MAX_HEADER_BYTES + " bytes)");
        } else {
            String why = cause == null || cause.getMessage() == null ? "unreadable request" : cause.getMessage();
            HttpResponses.errorAndClose(ctx, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: "
                    + (why.length() > 200 ? why.substring(0, 200) : why) + " (expected: an HTTP/1.1 request per RFC 9112)");
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean last = msg instanceof LastHttpContent; // a whole response, or the end of one
        ctx.write(msg, promise);
        if (last && ctx.channel().isActive()) {
            arm(ctx); // keep-alive: the next request has the same time to arrive
        }
    }

    /**
     * Whether a failure is what clients on flaky networks do (a reset, a drop mid-request or
     * mid-message): worth one DEBUG line, never a WARN with a stack. Used on both sides of the upgrade.
     */
    public static boolean clientWentAway(Throwable cause) {
        return cause instanceof java.io.IOException || cause instanceof PrematureChannelClosureException
                || cause.getCause() instanceof java.io.IOException;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (clientWentAway(cause)) {
            log.debug("HTTP connection error: {}", cause.getMessage()); // resets and drops: what networks do
        } else {
            log.warn("HTTP connection failed", cause);
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }
}
