package io.chatgateway.gateway.ws;

import io.chatgateway.gateway.auth.AuthenticationException;
import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.gateway.http.HttpEdgeGuard;
import io.chatgateway.gateway.http.TokenBucket;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ProtocolException;
import io.chatgateway.protocol.Role;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.CustomerIdentity;
import io.chatgateway.router.Router;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One WebSocket connection of a shopper or an agent, after the upgrade. Turns frames into router
 * events and protocol failures into error frames or close codes (PROTOCOL.md):
 * no {@code hello} in time, bad or expired token and repeated abuse close with 1008; a binary frame
 * with 1003; an over-long message with 1009. Everything else gets an {@code error} frame and the
 * connection carries on. All state here is touched only on the channel's event loop.
 */
final class ChatSocketHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(ChatSocketHandler.class);

    private final Role role;
    private final SocketSettings settings;
    private final LongSupplier nanoTime;
    private final int rate;

    private ChannelPeer peer;
    private ScheduledFuture<?> helloTimer;
    private boolean authenticated;
    // Token bucket: frames per second with bursts of twice that.
    private double tokens;
    private long lastRefill;
    // Errors in the current minute; too many means abuse.
    private long errorWindowStart;
    private int errorsInWindow;

    ChatSocketHandler(Role role, SocketSettings settings, LongSupplier nanoTime) {
        this.role = role;
        this.settings = settings;
        this.nanoTime = nanoTime;
        this.rate = settings.framesPerSecond(role);
        this.tokens = TokenBucket.burst(rate);
        this.lastRefill = nanoTime.getAsLong();
        this.errorWindowStart = lastRefill;
    }

    Role role() {
        return role;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        peer = new ChannelPeer(ctx.channel(), settings.codec(), settings.maxPendingOutboundBytes(), settings.onTooSlow());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            // Cancelled by a successful hello (same event loop, so it cannot be running then): the cancel is the one rule.
            helloTimer = ctx.executor().schedule(() -> {
                log.debug("{} connection closed: no hello in time", role);
                peer.close(1008, "no hello within " + settings.helloTimeoutMillis() / 1000 + " s");
            }, settings.helloTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        read(ctx, frame); // the frame path logs nothing but refusals, which name the connection themselves (logged())
    }

    private void read(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof BinaryWebSocketFrame) {
            peer.close(1003, "binary frames are not supported (expected: JSON text frames)");
            return;
        }
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            return;
        }
        if (frame instanceof CloseWebSocketFrame c) {
            peer.answerClose(c.statusCode()); // the frame decoder refused codes a client may not send
            return;
        }
        if (!(frame instanceof TextWebSocketFrame text)) {
            return; // pongs (keep-alive answers)
        }
        // Checked here, on the whole message, rather than by a validator handler per fragment: one handler
        // less on every idle connection. Strict (no overlongs, no surrogates), as RFC 6455 8.1 asks.
        if (!ByteBufUtil.isText(text.content(), StandardCharsets.UTF_8)) {
            peer.close(1007, "the message is not valid UTF-8");
            return;
        }
        if (!takeToken()) {
            error(null, ErrorCode.RATE_LIMITED, "more than " + rate
                    + " frames per second; this frame was dropped, slow down and resend");
            return;
        }
        ClientMessage message;
        try {
            message = settings.codec().decode(role, text.text());
        } catch (ProtocolException e) {
            error(e.ref(), e.code(), e.getMessage());
            return;
        }
        if (!authenticated) {
            onFirstFrame(message);
        } else if (message instanceof ClientMessage.Hello h) {
            error(h.id(), ErrorCode.CONFLICT, "hello was already received on this connection");
        } else if (role == Role.CUSTOMER) {
            settings.router().customerFrame(peer, message);
        } else {
            settings.router().agentFrame(peer, message);
        }
    }

    private void onFirstFrame(ClientMessage message) {
        if (!(message instanceof ClientMessage.Hello hello)) {
            error(message.id(), ErrorCode.NOT_AUTHENTICATED, "the first frame must be hello (expected: {\"type\":\"hello\",\"token\":...})");
            return;
        }
        TokenService tokens = settings.tokens();
        try {
            if (role == Role.CUSTOMER) {
                CustomerIdentity who;
                if (hello.token() == null) {
                    if (!settings.allowAnonymous()) {
                        throw new AuthenticationException("a token is required: this gateway does not take anonymous chats");
                    }
                    who = tokens.anonymous(hello.lang());
                } else {
                    who = tokens.customer(hello.token(), hello.lang());
                }
                authenticated();
                settings.router().customerHello(peer, who, hello.resume().isEmpty() ? null : hello.resume().get(0));
            } else {
                AgentIdentity who = tokens.agent(hello.token());
                authenticated();
                settings.router().agentHello(peer, who, hello.resume(), hello.autoAccept());
            }
        } catch (AuthenticationException e) {
            logged(() -> log.info("{} hello refused: {}", role, e.getMessage()));
            peer.send(OutboundFrame.of(new ServerMessage.Error(hello.id(), ErrorCode.NOT_AUTHENTICATED.wire(), e.getMessage())));
            peer.close(1008, "not authenticated");
        }
    }

    private void authenticated() {
        authenticated = true;
        if (helloTimer != null) {
            helloTimer.cancel(false);
        }
    }

    private boolean takeToken() {
        long now = nanoTime.getAsLong();
        tokens = TokenBucket.refill(tokens, now - lastRefill, rate);
        lastRefill = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private void error(String ref, ErrorCode code, String message) {
        peer.send(OutboundFrame.of(new ServerMessage.Error(ref, code.wire(), message)));
        long now = nanoTime.getAsLong();
        if (now - errorWindowStart > TimeUnit.MINUTES.toNanos(1)) {
            errorWindowStart = now;
            errorsInWindow = 0;
        }
        if (++errorsInWindow > settings.maxErrorsPerMinute()) {
            logged(() -> log.info("{} connection closed after {} errors in a minute", role, errorsInWindow));
            peer.close(1008, "too many invalid frames");
        }
    }

    /**
     * Logs with this connection's id in the log context (structured logs: mdc.conn). Only where
     * something is logged: setting the context on every frame costs the message path a map copy.
     */
    private void logged(Runnable logging) {
        MDC.put("conn", peer.connectionId());
        try {
            logging.run();
        } finally {
            MDC.remove("conn");
        }
    }

    /** Closes with this code, the connection's one close frame. Safe from any thread. */
    void close(int code, String reason) {
        peer.close(code, reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (helloTimer != null) {
            helloTimer.cancel(false);
        }
        if (authenticated) {
            if (role == Role.CUSTOMER) {
                settings.router().customerGone(peer);
            } else {
                settings.router().agentGone(peer);
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logged(() -> failed(ctx, cause));
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException || cause instanceof DecompressionException) {
            // over the limit as sent, or once inflated (a deflate bomb stops at the limit)
            peer.close(1009, "message over " + settings.maxFrameBytes() + " bytes");
        } else if (cause instanceof CorruptedWebSocketFrameException) {
            // The frame decoder has already sent the close frame with the right code (1007, 1009, 1002).
            log.debug("{} protocol violation: {}", role, cause.getMessage());
            ctx.close();
        } else if (HttpEdgeGuard.clientWentAway(cause)) {
            // What clients on flaky networks do (reset, drop mid-message): one quiet line, no stack.
            log.debug("{} connection error: {}", role, cause.getMessage());
            ctx.close();
        } else {
            log.warn("{} connection failed", role, cause);
            peer.close(1011, "unexpected server condition");
        }
    }
}
