package io.chatgateway.protocol;

/** Which endpoint a connection came through; it decides which client message types are allowed. */
public enum Role {
    /** A shopper's widget on {@code /ws/customer}. */
    CUSTOMER,
    /** An agent (or supervisor) desktop on {@code /ws/agent}. */
    AGENT
}
