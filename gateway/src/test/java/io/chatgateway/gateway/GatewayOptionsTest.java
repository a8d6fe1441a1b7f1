package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatgateway.router.RouterOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Settings read from the environment: router lanes. */
class GatewayOptionsTest {

    @Test
    void routerLanesDefaultToTheCoresAndFollowTheSetting() {
        assertThat(GatewayOptions.from(Map.of()).router().workers()).isEqualTo(RouterOptions.DEFAULT_WORKERS);
        assertThat(GatewayOptions.from(Map.of("CHAT_GATEWAY_ROUTER_WORKERS", "3")).router().workers()).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "65", "lots", "2.5"})
    void aBadLaneCountStopsTheStartWithWhatWasExpected(String bad) {
        assertThatThrownBy(() -> GatewayOptions.from(Map.of("CHAT_GATEWAY_ROUTER_WORKERS", bad)))
                .isInstanceOf(GatewayException.class)
                .hasMessageContaining("CHAT_GATEWAY_ROUTER_WORKERS")
                .hasMessageContaining("expected: an integer 1..64");
    }
}
