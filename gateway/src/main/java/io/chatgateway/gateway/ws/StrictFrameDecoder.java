package io.chatgateway.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Netty's RFC 6455 frame decoder with the close-frame checks the RFC asks for. Netty lets close
 * codes of 5000 and above through, and answers a close frame it refuses (a reserved code such as
 * 1005, a reason that is not UTF-8) with no close frame at all, as if the closing handshake had
 * been done; a client then cannot tell a protocol error from a normal close. Here such a frame
 * gets one close frame: 1002 for a code a peer may not send, 1007 for a reason that is not UTF-8.
 */
final class StrictFrameDecoder extends WebSocket08FrameDecoder {

    StrictFrameDecoder(WebSocketDecoderConfig config) {
        super(config);
    }

    /** The handshake of RFC 6455 (version 13) with this decoder. */
    static WebSocketServerHandshaker13 handshaker(String url, WebSocketDecoderConfig config) {
        return new WebSocketServerHandshaker13(url, null, config) {
            @Override
            protected WebSocketFrameDecoder newWebsocketDecoder() {
                return new StrictFrameDecoder(decoderConfig());
            }
        };
    }

    /** Close codes a peer may send (RFC 6455 7.4 and the IANA registry): not 1004-1006, 1015, below 1000, or 5000 and above. */
    static boolean sendable(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    @Override
    protected void checkCloseFrameBody(ChannelHandlerContext ctx, ByteBuf buffer) {
        if (buffer == null || buffer.readableBytes() < 2) {
            super.checkCloseFrameBody(ctx, buffer); // empty is fine; one byte is refused before we get here
            return;
        }
        int code = buffer.getUnsignedShort(buffer.readerIndex());
        if (!sendable(code)) {
            refuse(ctx, buffer, WebSocketCloseStatus.PROTOCOL_ERROR, "close code " + code + " may not be sent by a client");
        }
        if (buffer.readableBytes() > 2) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(buffer.nioBuffer(buffer.readerIndex() + 2, buffer.readableBytes() - 2));
            } catch (CharacterCodingException e) {
                refuse(ctx, buffer, WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "the close reason is not UTF-8");
            }
        }
    }

    private static void refuse(ChannelHandlerContext ctx, ByteBuf buffer, WebSocketCloseStatus status, String reason) {
        ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
        throw new CorruptedWebSocketFrameException(status, reason);
    }
}
