package io.chatgateway.router.store;

import io.chatgateway.router.error.RoutingException;

/** The store cannot be reached (e.g. Redis is down); the client gets {@code unavailable}. */
public final class StoreUnavailableException extends RoutingException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
