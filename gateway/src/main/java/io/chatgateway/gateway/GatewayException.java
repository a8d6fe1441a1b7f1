package io.chatgateway.gateway;

/** The root of the gateway module's exceptions (bad configuration, failed start). */
public class GatewayException extends RuntimeException {
    public GatewayException(String message) {
        super(message);
    }

    public GatewayException(String message, Throwable cause) {
        super(message, cause);
    }
}
