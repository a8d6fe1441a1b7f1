package io.chatgateway.router.error;

/** The root of the router module's exceptions. */
public class RoutingException extends RuntimeException {
    public RoutingException(String message) {
        super(message);
    }

    public RoutingException(String message, Throwable cause) {
        super(message, cause);
    }
}
