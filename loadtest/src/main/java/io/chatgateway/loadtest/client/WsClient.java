package io.chatgateway.loadtest.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketClientExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateClientExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * A lean WebSocket client connection on a shared Netty event loop group: thousands per process,
 * an optional local source address (127.0.0.x) so several driver processes stay under the
 * per-address port and per-process file limits.
 */
public final class WsClient {

    /** What a connection reports back; called on its event loop. */
    public interface Listener {
        void onOpen(WsClient client);

        void onText(WsClient client, String text);

        void onClose(WsClient client, int code);
    }

    private final Channel channel;
    private volatile int closeCode = -1;

    private WsClient(Channel channel) {
        this.channel = channel;
    }

    /** Connects and completes when the WebSocket handshake is done (or failed). */
    public static CompletableFuture<WsClient> connect(EventLoopGroup group, Class<? extends SocketChannel> type, URI uri,
                                                      InetSocketAddress local, boolean compress, Listener listener) {
        CompletableFuture<WsClient> done = new CompletableFuture<>();
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri).version(WebSocketVersion.V13).maxFramePayloadLength(1 << 20)
                .handleCloseFrames(false).handshakeTimeoutMillis(30_000).allowExtensions(compress).build();
        Bootstrap b = new Bootstrap().group(group).channel(type)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        WsClient client = new WsClient(ch);
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536));
                        if (compress) {
                            // permessage-deflate without context takeover either way, as the gateway negotiates it
                            ch.pipeline().addLast(new WebSocketClientExtensionHandler(
                                    new PerMessageDeflateClientExtensionHandshaker(6, false, 15, true, true)));
                        }
                        ch.pipeline().addLast(
                                new WebSocketClientProtocolHandler(config), new WebSocketFrameAggregator(1 << 20),
                                new SimpleChannelInboundHandler<Object>() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                            done.complete(client);
                                            listener.onOpen(client);
                                        }
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof TextWebSocketFrame t) {
                                            listener.onText(client, t.text());
                                        } else if (msg instanceof CloseWebSocketFrame c) {
                                            client.closeCode = c.statusCode();
                                            ctx.close();
                                        }
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        if (!done.isDone()) {
                                            done.completeExceptionally(new IllegalStateException("closed before handshake"));
                                        }
                                        listener.onClose(client, client.closeCode);
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        if (!done.isDone()) {
                                            done.completeExceptionally(cause);
                                        }
                                        ctx.close();
                                    }
                                });
                    }
                });
        InetSocketAddress remote = new InetSocketAddress(uri.getHost(), uri.getPort());
        ChannelFuture f = local == null ? b.connect(remote) : b.connect(remote, local);
        f.addListener(r -> {
            if (!r.isSuccess()) {
                done.completeExceptionally(r.cause());
            }
        });
        return done;
    }

    public void send(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
    }

    /** Stops reading (a slow consumer) or resumes. */
    public void setReading(boolean reading) {
        channel.config().setAutoRead(reading);
    }

    /** Closes with a close frame. */
    public void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseWebSocketFrame(1000, "bye")).addListener(f -> channel.close());
        }
    }

    /** Drops the TCP connection with no close frame, as a phone losing its network does. */
    public void drop() {
        channel.close();
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    public int closeCode() {
        return closeCode;
    }
}
