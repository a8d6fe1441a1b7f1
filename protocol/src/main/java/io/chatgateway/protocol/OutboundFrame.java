package io.chatgateway.protocol;

/**
 * A server message on its way to one or more recipients, encoded at most once: the first
 * {@link #bytes(MessageCodec)} call encodes, later calls (for other recipients) reuse the bytes.
 */
public final class OutboundFrame {
    private final ServerMessage message;
    private volatile byte[] bytes;

    private OutboundFrame(ServerMessage message) {
        this.message = message;
    }

    public static OutboundFrame of(ServerMessage message) {
        return new OutboundFrame(message);
    }

    /**
     * A frame already encoded elsewhere (e.g. by another gateway node); {@link #message()} is null
     * for it.
     */
    public static OutboundFrame preEncoded(byte[] json) {
        OutboundFrame f = new OutboundFrame(null);
        f.bytes = json;
        return f;
    }

    /**
     * A message whose JSON is known already (a store encoded it to keep it): sent as these bytes,
     * never encoded again. The caller vouches that {@code json} is the encoding of {@code message}.
     */
    public static OutboundFrame encoded(ServerMessage message, byte[] json) {
        OutboundFrame f = new OutboundFrame(message);
        f.bytes = json;
        return f;
    }

    /** The message, or null for a {@link #preEncoded} frame. */
    public ServerMessage message() {
        return message;
    }

    /** The UTF-8 JSON of the message; the array is shared, so callers must not modify it. */
    public byte[] bytes(MessageCodec codec) {
        byte[] b = bytes;
        if (b == null) {
            b = codec.encode(message);
            bytes = b;
        }
        return b;
    }
}
