package io.chatgateway.protocol;

/** The error codes of PROTOCOL.md v1; each failure maps to exactly one. */
public enum ErrorCode {
    BAD_JSON("bad_json"),
    UNKNOWN_TYPE("unknown_type"),
    INVALID_FIELD("invalid_field"),
    NOT_AUTHENTICATED("not_authenticated"),
    FORBIDDEN("forbidden"),
    NOT_FOUND("not_found"),
    RATE_LIMITED("rate_limited"),
    TOO_LARGE("too_large"),
    UNAVAILABLE("unavailable"),
    CONFLICT("conflict");

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    /** The name on the wire, e.g. {@code bad_json}. */
    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}
