package io.chatgateway.gateway.ws;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.util.HashMap;
import java.util.Map;

/**
 * permessage-deflate (RFC 7692) for shoppers on metered networks, when {@code CHAT_GATEWAY_COMPRESSION=on}.
 *
 * <p>Always without context takeover on both sides: the gateway adds {@code server_no_context_takeover}
 * and {@code client_no_context_takeover} to every accepted offer (RFC 7692 7.1.1 lets a server do so),
 * so each message is compressed and inflated on its own and no zlib state (some 300 KiB a
 * connection with a window) lives between messages: idle sessions cost what they cost without it.
 * Chat frames are small, so the ratio lost to a fresh window is small too. Inflating stops at the
 * frame limit: a deflate bomb closes the connection with 1009 having cost at most that much memory.
 */
final class Compression {
    private static final String SERVER_NO_CONTEXT = "server_no_context_takeover";
    private static final String CLIENT_NO_CONTEXT = "client_no_context_takeover";

    private Compression() {
    }

    /** The handler that negotiates it at the handshake (it leaves the pipeline once the socket is open). */
    static ChannelHandler negotiator(int maxMessageBytes) {
        PerMessageDeflateServerExtensionHandshaker deflate = new PerMessageDeflateServerExtensionHandshaker(
                6, false, 15, true, true, maxMessageBytes);
        WebSocketServerExtensionHandshaker noContext = offer -> deflate.handshakeExtension(withoutContextTakeover(offer));
        return new WebSocketServerExtensionHandler(noContext);
    }

    private static WebSocketExtensionData withoutContextTakeover(WebSocketExtensionData offer) {
        Map<String, String> p = new HashMap<>(offer.parameters());
        p.putIfAbsent(SERVER_NO_CONTEXT, null);
        p.putIfAbsent(CLIENT_NO_CONTEXT, null);
        return new WebSocketExtensionData(offer.name(), p);
    }

    /** Whether the handshake offers permessage-deflate (its frames then carry RSV1). */
    static boolean offered(String extensionsHeader) {
        return extensionsHeader != null && extensionsHeader.toLowerCase(java.util.Locale.ROOT).contains("permessage-deflate");
    }
}
