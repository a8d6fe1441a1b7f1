package io.chatgateway.gateway;

import io.chatgateway.gateway.auth.TokenService;
import io.chatgateway.router.AgentIdentity;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code java -jar chat-gateway.jar [serve]} runs the gateway; {@code java -jar chat-gateway.jar
 * token ...} mints a token signed with the configured secret. Settings come from the environment
 * (README, Configuration); {@code --help} on either command lists its options.
 */
@Command(name = "chat-gateway", mixinStandardHelpOptions = true, version = "chat-gateway 0.1.0",
        description = "The chat routing gateway. Without a command it serves (settings: CHAT_GATEWAY_* environment variables).",
        subcommands = {Main.Serve.class, Main.Token.class})
public final class Main implements Callable<Integer> {
    /** Exit status of a command line that was wrong (picocli's usage-error status). */
    static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args)); // serve returns only when it could not start
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public Integer call() throws Exception {
        return new Serve().call();
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"Runs the gateway: public port (WebSocket, demo page) and admin port.",
                    "SIGTERM drains (CHAT_GATEWAY_DRAIN_SECONDS) and exits 0; Ctrl-C stops at once."})
    static final class Serve implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            GatewayOptions options;
            try {
                options = GatewayOptions.fromEnvironment();
            } catch (GatewayException e) {
                System.err.println("error: " + e.getMessage());
                return USAGE;
            }
            GatewayServer server;
            try {
                server = GatewayServer.start(options);
            } catch (RuntimeException e) {
                // A port in use or a Redis that cannot be reached: say so in one line, no stack trace.
                System.err.println("error: cannot start the gateway: " + e.getMessage());
                return 1;
            }
            System.out.println("chat-gateway ready: ws://localhost:" + server.port() + "/ws/customer  ws://localhost:"
                    + server.port() + "/ws/agent  demo http://localhost:" + server.port() + "/  admin http://localhost:"
                    + server.adminPort() + "/admin/queues  console http://localhost:" + server.port() + "/console  ops http://localhost:"
                    + server.adminPort() + "/ops  widget http://localhost:" + server.port() + "/demo/shop.html");
            // SIGTERM (orchestrators, systemd) drains, then exits 0; anything else that ends the JVM (Ctrl-C) stops at once.
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> new Thread(() -> {
                server.drain(options.drainQuiet());
                System.exit(0);
            }, "drain").start());
            Thread.currentThread().join();
            return 0;
        }
    }

    /** Roles a token may carry. */
    enum TokenRole { customer, agent, supervisor }

    /** Agent levels. */
    enum TokenLevel { senior, regular, trainee }

    @Command(name = "token", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints a token signed with CHAT_GATEWAY_JWT_SECRET (the development secret when unset),",
                    "for demos, tests and wscat sessions."})
    static final class Token implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--role", required = true, description = "customer, agent or supervisor")
        TokenRole role;
        @Option(names = "--sub", required = true, description = "the customer or agent id")
        String sub;
        @Option(names = "--name", description = "display name")
        String name;
        @Option(names = "--tier", description = "customers: vip, regular or new", converter = TierConverter.class)
        String tier;
        @Option(names = "--tags", split = ",", description = "customers: e.g. complaint_prone,urgent_order")
        List<String> tags;
        @Option(names = "--level", description = "agents: senior, regular or trainee")
        TokenLevel level;
        @Option(names = "--groups", split = ",", description = "groups served (agents) or wanted (customers)")
        List<String> groups;
        @Option(names = "--skills", split = ",", description = "agents: e.g. complaints,en")
        List<String> skills;
        @Option(names = "--lang", description = "customers: en or zh-CN", converter = LangConverter.class)
        String lang;
        @Option(names = "--weight", description = "agents: share of new chats, 10..200 (default: 100, or what ops set)")
        Integer weight;
        @Option(names = "--ttl", defaultValue = "86400", description = "seconds until it expires (default: ${DEFAULT-VALUE})")
        long ttl;

        @Override
        public Integer call() {
            if (ttl < 1) {
                throw new ParameterException(spec.commandLine(), "--ttl " + ttl + " (expected: seconds, at least 1)");
            }
            if (weight != null && (weight < AgentIdentity.MIN_WEIGHT || weight > AgentIdentity.MAX_WEIGHT)) {
                throw new ParameterException(spec.commandLine(), "--weight " + weight + " (expected: " + AgentIdentity.MIN_WEIGHT + ".."
                        + AgentIdentity.MAX_WEIGHT + ")");
            }
            GatewayOptions options;
            try {
                options = GatewayOptions.fromEnvironment();
            } catch (GatewayException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return USAGE;
            }
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("role", role.name());
            put(claims, "name", name);
            put(claims, "tier", tier);
            put(claims, "level", level == null ? null : level.name());
            put(claims, "lang", lang);
            put(claims, "tags", tags == null ? null : new ArrayList<>(tags));
            put(claims, "groups", groups == null ? null : new ArrayList<>(groups));
            put(claims, "skills", skills == null ? null : new ArrayList<>(skills));
            put(claims, "weight", weight);
            spec.commandLine().getOut().println(new TokenService(options.jwtSecret(), Clock.systemUTC(), Duration.ofDays(1))
                    .mint(sub, claims, Duration.ofSeconds(ttl)));
            return 0;
        }

        private static void put(Map<String, Object> claims, String key, Object value) {
            if (value != null) {
                claims.put(key, value);
            }
        }
    }

    /** {@code new} is a Java keyword, so tiers are checked here rather than by an enum. */
    static final class TierConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!List.of("vip", "regular", "new").contains(value)) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: vip, regular or new)");
            }
            return value;
        }
    }

    static final class LangConverter implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!List.of("en", "zh-CN").contains(value)) {
                throw new CommandLine.TypeConversionException("'" + value + "' (expected: en or zh-CN)");
            }
            return value;
        }
    }
}
