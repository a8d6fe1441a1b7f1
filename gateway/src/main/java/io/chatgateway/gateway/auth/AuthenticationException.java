package io.chatgateway.gateway.auth;

import io.chatgateway.gateway.GatewayException;

/** A token was missing, malformed, badly signed, expired or lacked a claim; the message says which. */
public final class AuthenticationException extends GatewayException {
    public AuthenticationException(String message) {
        super(message);
    }
}
