package io.chatgateway.protocol;

/**
 * Turns wire text into validated {@link ClientMessage}s and {@link ServerMessage}s into wire bytes.
 * Implementations are thread-safe.
 */
public interface MessageCodec {

    /**
     * Decodes and validates one client frame.
     *
     * @param role the endpoint the frame came through; types the role may not send are {@code forbidden}
     * @throws ProtocolException with the one error code that describes the failure
     */
    ClientMessage decode(Role role, String frame);

    /** Encodes a server frame as UTF-8 JSON. */
    byte[] encode(ServerMessage message);

    /**
     * Decodes a chat event this codec encoded (stores keep chat logs as JSON).
     *
     * @throws ProtocolException when the text is not an encoded chat event
     */
    ServerMessage.ChatEvent decodeEvent(String json);

    /** The default JSON codec with the given limits. */
    static MessageCodec json(ProtocolLimits limits) {
        return new JsonMessageCodec(limits);
    }
}
