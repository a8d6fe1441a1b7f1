package io.chatgateway.router;

import io.chatgateway.protocol.OutboundFrame;

/**
 * One client connection as the router sees it: somewhere to send frames. The gateway implements
 * it over a Netty channel; sends never block and are safe from any thread.
 */
public interface Peer {

    /** A process-unique id of this connection (for logs and to tell a stale connection from a new one). */
    String connectionId();

    /** Queues a frame for the client; frames to one peer arrive in the order they were sent. */
    void send(OutboundFrame frame);

    /**
     * False once the connection is closed or closing: work still queued for it may be skipped (a
     * shopper who gave up during a surge is not greeted and queued after they left).
     */
    default boolean isOpen() {
        return true;
    }

    /** Closes the connection with a WebSocket close code and a short reason. */
    void close(int code, String reason);
}
