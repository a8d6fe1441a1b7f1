package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.CustomerIdentity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line: {@code token} mints what the gateway accepts, and a wrong option is named with what was expected. */
class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static TokenService devTokens() {
        return new TokenService(GatewayOptions.DEV_JWT_SECRET, Clock.systemUTC(), Duration.ofDays(1));
    }

    @Test
    void tokensCarryTheClaimsGivenAndTheGatewayAcceptsThem() {
        assertThat(run("token", "--role", "customer", "--sub", "u42", "--name", "Lee", "--tier", "vip",
                "--tags", "urgent_order,complaint_prone", "--lang", "zh-CN")).isZero();
        CustomerIdentity lee = devTokens().customer(out.toString().trim(), null);
        assertThat(lee.customerId()).isEqualTo("u42");
        assertThat(lee.tier()).isEqualTo(Tier.VIP);
        assertThat(lee.tags()).containsExactlyInAnyOrder("urgent_order", "complaint_prone");

        out.getBuffer().setLength(0);
        assertThat(run("token", "--role", "agent", "--sub", "ann", "--level", "senior", "--groups", "pre-sales,after-sales",
                "--skills", "complaints")).isZero();
        AgentIdentity ann = devTokens().agent(out.toString().trim());
        assertThat(ann.agentId()).isEqualTo("ann");
        assertThat(ann.groups()).containsExactlyInAnyOrder("pre-sales", "after-sales");
    }

    @Test
    void aWrongCommandLineNamesTheOptionAndWhatWasExpected() {
        assertThat(run("token", "--role", "boss", "--sub", "x")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("--role").contains("customer, agent, supervisor").contains("Usage:");

        err.getBuffer().setLength(0);
        assertThat(run("token", "--role", "customer")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("Missing required option: '--sub=<sub>'");

        err.getBuffer().setLength(0);
        assertThat(run("token", "--role", "customer", "--sub", "u1", "--tier", "gold")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("--tier").contains("expected: vip, regular or new");

        err.getBuffer().setLength(0);
        assertThat(run("token", "--role", "customer", "--sub", "u1", "--ttl", "soon")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("--ttl");

        err.getBuffer().setLength(0);
        assertThat(run("token", "--role", "customer", "--sub", "u1", "--colour", "red")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("Unknown options: '--colour'");

        err.getBuffer().setLength(0);
        assertThat(run("launch")).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("launch");
    }

    @Test
    void helpListsEveryOption() {
        assertThat(run("token", "--help")).isZero();
        assertThat(out.toString()).contains("--role", "--sub", "--tier", "--tags", "--level", "--groups", "--skills", "--lang", "--ttl");
    }
}
