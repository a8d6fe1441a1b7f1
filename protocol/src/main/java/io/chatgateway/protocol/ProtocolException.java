package io.chatgateway.protocol;

/**
 * The root of every protocol failure. Each carries the one {@link ErrorCode} the client sees, the
 * {@code ref} of the offending frame when it had an {@code id}, and a message that says what was
 * expected. Messages never quote client text, so they are safe to log.
 */
public class ProtocolException extends RuntimeException {
    private final ErrorCode code;
    private final String ref;

    public ProtocolException(ErrorCode code, String ref, String message) {
        super(message, null, false, false);
        this.code = code;
        this.ref = ref;
    }

    public ProtocolException(ErrorCode code, String message) {
        this(code, null, message);
    }

    public ErrorCode code() {
        return code;
    }

    /** The {@code id} of the client frame this error is about, or {@code null}. */
    public String ref() {
        return ref;
    }

    /** This failure as the {@code error} frame the client receives. */
    public ServerMessage.Error toFrame() {
        return new ServerMessage.Error(ref, code.wire(), getMessage());
    }
}
