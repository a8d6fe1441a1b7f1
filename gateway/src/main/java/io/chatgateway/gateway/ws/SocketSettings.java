package io.chatgateway.gateway.ws;

import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.router.Router;

/** What every connection handler shares: codec, tokens, router and per-connection limits. */
record SocketSettings(MessageCodec codec, TokenService tokens, Router router, boolean allowAnonymous,
                      long helloTimeoutMillis, int maxFramesPerSecond, int agentMaxFramesPerSecond, int maxErrorsPerMinute,
                      long maxPendingOutboundBytes, int maxFrameBytes, Runnable onTooSlow) {

    int framesPerSecond(io.chatgateway.protocol.Role role) {
        return role == io.chatgateway.protocol.Role.AGENT ? agentMaxFramesPerSecond : maxFramesPerSecond;
    }
}
