package io.chatgateway.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-address bucket on an injected clock: bursts of twice the rate, refilled at the rate, one address never another's. */
class ConnectionRateLimiterTest {
    private final AtomicLong nanos = new AtomicLong();

    @Test
    void anAddressGetsABurstOfTwiceTheRateThenTheRate() throws Exception {
        ConnectionRateLimiter limit = new ConnectionRateLimiter(5, nanos::get);
        InetAddress storm = InetAddress.getByName("10.0.0.1");
        for (int i = 0; i < 10; i++) {
            assertThat(limit.tryAcquire(storm)).as("connection %d of the burst", i + 1).isTrue();
        }
        assertThat(limit.tryAcquire(storm)).as("the 11th at once").isFalse();
        assertThat(limit.tryAcquire(InetAddress.getByName("10.0.0.2"))).as("another address").isTrue();
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(200)); // one token at 5 a second
        assertThat(limit.tryAcquire(storm)).isTrue();
        assertThat(limit.tryAcquire(storm)).isFalse();
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        ConnectionRateLimiter none = new ConnectionRateLimiter(0, nanos::get);
        InetAddress one = InetAddress.getByName("10.0.0.3");
        for (int i = 0; i < 1000; i++) {
            assertThat(none.tryAcquire(one)).isTrue();
        }
    }
}
