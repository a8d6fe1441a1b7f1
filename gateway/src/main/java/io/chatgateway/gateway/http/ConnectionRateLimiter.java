package io.chatgateway.gateway.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * New connections per second per source address, as a {@link TokenBucket} (bursts of twice the rate), so
 * a reconnect storm from one address cannot take the accept capacity every other shopper needs.
 *
 * <p>Generous by default: mobile carriers put many phones behind one address (carrier-grade NAT),
 * and a whole shop floor of agents may share an office address. Buckets of addresses not seen for a
 * minute are dropped; at most {@value #MAX_ADDRESSES} addresses are tracked, so a spoofed-address
 * flood cannot grow the map without bound. Safe from any event loop.
 */
public final class ConnectionRateLimiter {
    private static final int MAX_ADDRESSES = 100_000;

    private final int perSecond;
    private final LongSupplier nanoTime;
    private final Cache<InetAddress, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(MAX_ADDRESSES).expireAfterAccess(Duration.ofMinutes(1)).executor(Runnable::run).build();

    /** @param perSecond new connections a second per address; 0 turns the limit off */
    public ConnectionRateLimiter(int perSecond, LongSupplier nanoTime) {
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
    }

    /** The limit, connections a second per address (0: none). */
    public int perSecond() {
        return perSecond;
    }

    /** Takes one connection from the address's bucket; false when it is empty (refuse this one). */
    public boolean tryAcquire(InetAddress address) {
        if (perSecond <= 0 || address == null) {
            return true;
        }
        Bucket b = buckets.get(address, a -> new Bucket(TokenBucket.burst(perSecond), nanoTime.getAsLong()));
        synchronized (b) {
            long now = nanoTime.getAsLong();
            b.tokens = TokenBucket.refill(b.tokens, now - b.last, perSecond);
            b.last = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private static final class Bucket {
        double tokens;
        long last;

        Bucket(double tokens, long last) {
            this.tokens = tokens;
            this.last = last;
        }
    }
}
