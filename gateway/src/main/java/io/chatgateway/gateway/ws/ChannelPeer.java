package io.chatgateway.gateway.ws;

import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.router.Peer;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket connection as the router's {@link Peer}. Sends are safe from any thread (Netty hops
 * to the channel's event loop and keeps their order). A client that stops reading is closed with
 * 1013 once {@code maxPendingBytes} wait for it, instead of buffering for it without bound.
 */
final class ChannelPeer implements Peer {
    static final int CLOSE_TOO_SLOW = 1013;
    static final long CLOSE_GRACE_MILLIS = 2000;

    @Override
    public boolean isOpen() {
        return !closing.get() && channel.isActive();
    }

    private final Channel channel;
    private final MessageCodec codec;
    private final long maxPendingBytes;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Runnable onTooSlow;

    ChannelPeer(Channel channel, MessageCodec codec, long maxPendingBytes, Runnable onTooSlow) {
        this.channel = channel;
        this.codec = codec;
        this.maxPendingBytes = maxPendingBytes;
        this.onTooSlow = onTooSlow;
    }

    @Override
    public String connectionId() {
        return channel.id().asLongText();
    }

    @Override
    public void send(OutboundFrame frame) {
        if (closing.get() || !channel.isActive()) {
            return; // the client resumes with its last seq and gets this again from the log
        }
        ChannelOutboundBuffer pending = channel.unsafe().outboundBuffer();
        if (pending != null && pending.totalPendingWriteBytes() > maxPendingBytes) {
            onTooSlow.run();
            close(CLOSE_TOO_SLOW, "client reads too slowly; reconnect and resume");
            return;
        }
        // The byte array is shared between recipients of the same frame: wrap, never copy.
        channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame.bytes(codec))), channel.voidPromise());
    }

    @Override
    public void close(int code, String reason) {
        closeWith(new CloseWebSocketFrame(code, reason));
    }

    /** Answers the client's close frame: its code echoed (RFC 6455 5.5.1), or an empty close for an empty one. */
    void answerClose(int clientCode) {
        closeWith(clientCode < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(clientCode, ""));
    }

    /** Sends the connection's one close frame, then closes (a second call does nothing). */
    private void closeWith(CloseWebSocketFrame frame) {
        if (!closing.compareAndSet(false, true) || !channel.isActive()) {
            frame.release();
            return;
        }
        channel.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
        // A client that does not read never lets the close frame through: close anyway, soon.
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, CLOSE_GRACE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    boolean isClosing() {
        return closing.get();
    }
}
