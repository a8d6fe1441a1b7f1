package io.chatgateway.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The driver's command line: typed options with the defaults the bench scripts rely on, and errors that name the option. */
class MainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void runOptionsParseToTheSettingsARunUses() {
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs("run", "--scenario", "surge", "--pairs", "7", "--rate", "2.5", "--compress", "on");
        Main.Run run = (Main.Run) parsed.subcommand().commandSpec().userObject();
        assertThat(run.settings()).containsEntry("scenario", "surge").containsEntry("pairs", "7").containsEntry("rate", "2.5")
                .containsEntry("compress", "on").containsEntry("url", "http://127.0.0.1:8080").containsEntry("per-agent", "10")
                .containsEntry("agent-url", "").containsEntry("server-pid", "0").doesNotContainKey("help");
    }

    @Test
    void aWrongOptionIsNamedWithWhatWasExpected() {
        assertThat(run("run", "--pairs", "lots")).isEqualTo(2);
        assertThat(err.toString()).contains("--pairs").contains("lots");
        err.getBuffer().setLength(0);
        assertThat(run("run", "--scenario", "party")).isEqualTo(2);
        assertThat(err.toString()).contains("--scenario").contains("steady, surge, idle, storm");
        err.getBuffer().setLength(0);
        assertThat(run("run", "--colour", "red")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--colour'");
        err.getBuffer().setLength(0);
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("expected: run, relay or jmh");
    }

    @Test
    void helpListsTheOptionsWithTheirDefaults() {
        assertThat(run("run", "--help")).isZero();
        assertThat(out.toString()).contains("--surge-start", "Default: 200", "--server-pid", "--compress");
    }
}
