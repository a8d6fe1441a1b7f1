package io.chatgateway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.gateway.GatewayOptions;
import io.chatgateway.gateway.GatewayServer;
import io.chatgateway.loadtest.relay.NettyRelay;
import io.chatgateway.loadtest.scenario.Context;
import io.chatgateway.loadtest.scenario.Scenarios;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A few seconds of each scenario against a gateway the test starts, so the load tool cannot rot.
 * Asserts what the tool reports (sessions greeted, messages routed, nothing lost or doubled), never
 * timings.
 */
class SmokeIntegrationTest {
    private static final String SECRET = "smoke-secret-0123456789-0123456789-abc";
    private GatewayServer gateway;
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(progress, true, StandardCharsets.UTF_8);

    @BeforeEach
    void start() {
        gateway = GatewayServer.start(GatewayOptions.from(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET, "CHAT_GATEWAY_ADMIN_TOKEN", "ops",
                // the driver is one address opening a surge's worth of connections at once
                "CHAT_GATEWAY_MAX_CONNECTS_PER_SECOND_PER_ADDRESS", "0")));
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private Context context() {
        return new Context("http://127.0.0.1:" + gateway.port(), "http://127.0.0.1:" + gateway.adminPort(), "ops", SECRET,
                List.of(), 1);
    }

    private static Scenarios.Settings settings(int pairs, int seconds) {
        return new Scenarios.Settings(pairs, 2, seconds, 10, 32, 2, 50, 150, 2, 1, 20, 300, 0.5);
    }

    @Test
    void steadyChatRoutesEveryMessageBothWays() throws Exception {
        try (Context ctx = context()) {
            Scenarios.steady(ctx, settings(100, 3), out);
            assertThat(ctx.counter("assigned")).isEqualTo(102);
            assertThat(ctx.counter("errors")).isZero();
            // shoppers' messages reach agents, agents answer each: both directions are routed
            assertThat(ctx.counter("received")).isGreaterThan(ctx.counter("sent") / 2);
            assertThat(ctx.latencyRecorder().total().getTotalCount()).isEqualTo(ctx.counter("received"));
            assertThat(progress.toString(StandardCharsets.UTF_8)).contains("msg/s=").contains("p99=");
        }
    }

    @Test
    void aSurgeGreetsEveryArrivalAndQueuesWhenAgentsAreFull() throws Exception {
        try (Context ctx = context()) {
            Scenarios.surge(ctx, settings(0, 3), out);
            assertThat(ctx.counter("failures")).as("failures by reason: %s", ctx.failureReasons()).isZero();
            assertThat(ctx.counter("greeted")).isGreaterThanOrEqualTo(250).isEqualTo(ctx.greetingRecorder().total().getTotalCount());
            assertThat(ctx.counter("assigned")).isPositive();
            assertThat(ctx.counter("queued")).as("20 agents of 10 slots cannot take everyone").isPositive();
            assertThat(ctx.queueDepthSeries()).isNotEmpty();
        }
    }

    @Test
    void aReconnectStormLosesAndDoublesNothing() throws Exception {
        try (Context ctx = context()) {
            Scenarios.reconnectStorm(ctx, settings(50, 3), out);
            assertThat(ctx.counter("reconnects")).isPositive();
            assertThat(ctx.counter("received")).isPositive();
            assertThat(ctx.counter("lost")).isZero();
            assertThat(ctx.counter("doubled")).isZero();
        }
    }

    @Test
    void idleSessionsAreHeld() throws Exception {
        try (Context ctx = context()) {
            var held = Scenarios.idle(ctx, new Scenarios.Settings(0, 0, 1, 10, 0, 0, 1, 1, 0, 1, 0, 300, 0), out);
            assertThat(ctx.counter("greeted")).isEqualTo(300);
            assertThat(held).allMatch(c -> c.isOpen());
            held.forEach(io.chatgateway.loadtest.client.WsClient::close);
        }
    }

    @Test
    void theB0RelayPlaysTheSameSteadyScenario() throws Exception {
        try (NettyRelay relay = new NettyRelay(0, 10);
             Context ctx = new Context("http://127.0.0.1:" + relay.port(), null, null, null, List.of(), 1)) {
            Scenarios.steady(ctx, settings(50, 2), out);
            assertThat(ctx.counter("assigned")).isEqualTo(52);
            assertThat(ctx.counter("received")).isPositive();
        }
    }
}
