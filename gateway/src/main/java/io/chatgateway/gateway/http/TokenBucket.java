package io.chatgateway.gateway.http;

/**
 * The one rule of the gateway's rate limits (frames per connection, connections per address): a
 * bucket of {@code perSecond} tokens a second that holds at most twice that, so short bursts pass.
 * Kept as arithmetic on the caller's own fields, so a connection carries no extra object for it.
 */
public final class TokenBucket {
    private TokenBucket() {
    }

    /** The tokens a full bucket holds. */
    public static double burst(int perSecond) {
        return perSecond * 2.0;
    }

    /** The tokens after {@code elapsedNanos} of refilling, never above the burst. */
    public static double refill(double tokens, long elapsedNanos, int perSecond) {
        return Math.min(burst(perSecond), tokens + elapsedNanos / 1e9 * perSecond);
    }
}
