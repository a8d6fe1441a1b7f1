package io.chatgateway.loadtest;

import io.chatgateway.loadtest.relay.NettyRelay;
import io.chatgateway.loadtest.report.Report;
import io.chatgateway.loadtest.scenario.Context;
import io.chatgateway.loadtest.scenario.Replay;
import io.chatgateway.loadtest.scenario.Scenarios;
import io.chatgateway.loadtest.report.ReplayReport;
import io.chatgateway.gateway.trace.Trace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import io.chatgateway.gateway.GatewayOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The load-test jar (picocli: {@code --help} on each command lists its options and defaults):
 * <pre>
 * java -jar loadtest/target/chat-loadtest.jar run --scenario steady|surge|idle|storm [options]
 * java -jar loadtest/target/chat-loadtest.jar relay --port 9090        (baseline B0)
 * java -jar loadtest/target/chat-loadtest.jar jmh [JMH options]
 * </pre>
 */
@Command(name = "chat-loadtest", mixinStandardHelpOptions = true, description = "Load tests and benchmarks of the chat gateway.",
        subcommands = {Main.Run.class, Main.ReplayCommand.class, Main.Relay.class, Main.Jmh.class, Main.Delay.class})
public final class Main implements Runnable {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != Relay.SERVING) {
            System.exit(code);
        }
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.getSubcommands().get("jmh").setUnmatchedOptionsArePositionalParams(true); // -f 1, -prof stack: JMH's, not ours
        return cl;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required (expected: run, relay or jmh)");
    }

    /** Scenarios: {@code steady} (pairs chatting at a rate), {@code surge} (arrivals ramping up), {@code idle}, {@code storm}. */
    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
            description = "Runs one scenario against a gateway (or the B0 relay) and prints a RESULT line; exit 1 on failures, lost or doubled messages.")
    static final class Run implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--scenario", defaultValue = "steady", description = "steady, surge, idle or storm")
        Scenario scenario;
        @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the gateway's public URL")
        String url;
        @Option(names = "--agent-url", defaultValue = "", description = "another node for the agents (cross-node runs); empty: --url")
        String agentUrl;
        @Option(names = "--admin", defaultValue = "", description = "the admin URL, to sample queue depth")
        String admin;
        @Option(names = "--admin-token", defaultValue = "dev-admin-token")
        String adminToken;
        @Option(names = "--secret", defaultValue = GatewayOptions.DEV_JWT_SECRET, description = "JWT secret; none: anonymous shoppers (baselines)")
        String secret;
        @Option(names = "--bind", defaultValue = "", description = "comma-separated local addresses to spread connections over")
        String bind;
        @Option(names = "--threads", defaultValue = "1")
        int threads;
        @Option(names = "--pairs", defaultValue = "200")
        int pairs;
        @Option(names = "--rate", defaultValue = "5", description = "messages a second per pair")
        double rate;
        @Option(names = "--seconds", defaultValue = "20")
        int seconds;
        @Option(names = "--per-agent", defaultValue = "10", description = "chats per agent")
        int perAgent;
        @Option(names = "--payload", defaultValue = "64", description = "message size in characters")
        int payload;
        @Option(names = "--slow", defaultValue = "0", description = "shoppers that stop reading")
        int slow;
        @Option(names = "--surge-start", defaultValue = "200", description = "new chats a second at the start of a surge")
        double surgeStart;
        @Option(names = "--surge-end", defaultValue = "1000")
        double surgeEnd;
        @Option(names = "--ramp", defaultValue = "20", description = "seconds from start to end rate")
        int ramp;
        @Option(names = "--stay", defaultValue = "5", description = "seconds at the end rate")
        int stay;
        @Option(names = "--agents", defaultValue = "500")
        int agents;
        @Option(names = "--sessions", defaultValue = "5000", description = "idle sessions")
        int sessions;
        @Option(names = "--drops", defaultValue = "0.2", description = "share of connections dropped in a storm")
        double drops;
        @Option(names = "--report", defaultValue = "", description = "a directory for report.json and report.html")
        String report;
        @Option(names = "--server-pid", defaultValue = "0", description = "comma-separated server pids whose CPU is counted")
        String serverPid;
        @Option(names = "--compress", defaultValue = "off", description = "on: offer permessage-deflate (no context takeover)")
        OnOff compress;

        @Override
        public Integer call() throws Exception {
            return Main.run(settings()) ? 0 : 1;
        }

        /** Every option by name (without {@code --}), as parsed: what the run uses and its report records. */
        Map<String, String> settings() {
            Map<String, String> o = new LinkedHashMap<>();
            for (CommandLine.Model.OptionSpec opt : spec.options()) {
                if (!opt.usageHelp() && !opt.versionHelp()) {
                    o.put(opt.longestName().substring(2), String.valueOf((Object) opt.getValue()));
                }
            }
            return o;
        }
    }

    enum Scenario { steady, surge, idle, storm }

    @Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
            description = {"Surge rehearsal: replays a recorded arrival trace (GET /admin/trace, CHAT_GATEWAY_TRACE_FILE, loadtest/traces/)",
                    "against a gateway, open model, and compares the rehearsal's queue depth, waits and service levels with the recorded ones."})
    static final class ReplayCommand implements Callable<Integer> {
        @Option(names = "--trace", required = true, description = "the trace file (JSON Lines)")
        Path trace;
        @Option(names = "--speed", defaultValue = "1", description = "how many times faster than recorded (arrivals and handling times)")
        double speed;
        @Option(names = "--scale", defaultValue = "1", description = "how many times the recorded arrivals")
        double scale;
        @Option(names = "--agents", defaultValue = "50", description = "auto-accepting agents serving every group of the trace")
        int agents;
        @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the gateway's public URL")
        String url;
        @Option(names = "--admin", defaultValue = "http://127.0.0.1:8081", description = "the admin URL, to sample queue depth (empty: none)")
        String admin;
        @Option(names = "--admin-token", defaultValue = "dev-admin-token")
        String adminToken;
        @Option(names = "--secret", defaultValue = GatewayOptions.DEV_JWT_SECRET, description = "JWT secret of the gateway (tiers and tags ride in tokens)")
        String secret;
        @Option(names = "--threads", defaultValue = "1")
        int threads;
        @Option(names = "--report", description = "write replay.json (recorded beside rehearsed) into this directory")
        Path report;

        @Override
        public Integer call() throws Exception {
            if (speed <= 0 || scale <= 0 || agents < 1) {
                throw new ParameterException(new CommandLine(this), "--speed " + speed + " --scale " + scale + " --agents " + agents
                        + " (expected: speed and scale > 0, at least one agent)");
            }
            Trace recorded = Trace.read(trace);
            try (Context ctx = new Context(url, admin.isBlank() ? null : admin, adminToken, secret, List.of(), threads)) {
                Replay.Result r = Replay.run(ctx, recorded, speed, scale, agents, System.out);
                var comparison = ReplayReport.of(recorded, r);
                System.out.println(comparison.table());
                if (!ctx.failureReasons().isEmpty()) {
                    System.out.println("FAILURES by reason: " + ctx.failureReasons());
                }
                if (report != null) {
                    java.nio.file.Files.createDirectories(report);
                    java.nio.file.Files.writeString(report.resolve("replay.json"), comparison.json().toPrettyString());
                    System.out.println("report: " + report.resolve("replay.json"));
                }
                return ctx.counter("failures") == 0 ? 0 : 1;
            }
        }
    }

    enum OnOff { on, off }

    @Command(name = "relay", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Runs B0, the plain Netty relay every benchmark compares against.")
    static final class Relay implements Callable<Integer> {
        /** Never an exit status: the relay serves until it is stopped. */
        static final int SERVING = -1;
        @Option(names = "--port", defaultValue = "9090")
        int port;
        @Option(names = "--per-agent", defaultValue = "10")
        int perAgent;

        @Override
        public Integer call() throws Exception {
            NettyRelay relay = new NettyRelay(port, perAgent);
            System.out.println("B0 netty relay ready on port " + relay.port());
            Thread.currentThread().join();
            return SERVING;
        }
    }

    @Command(name = "delay", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "A TCP proxy adding a one-way delay each way (a Redis on another host, for benchmarks).")
    static final class Delay implements Callable<Integer> {
        @Option(names = "--port", required = true, description = "port to listen on (127.0.0.1)")
        int port;
        @Option(names = "--to", required = true, description = "host:port to forward to")
        String to;
        @Option(names = "--delay-us", defaultValue = "250", description = "one-way delay in microseconds (round trip: twice)")
        long delayMicros;

        @Override
        public Integer call() throws Exception {
            int colon = to.lastIndexOf(':');
            if (colon < 1) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--to " + to + " (expected: host:port)");
            }
            try (io.chatgateway.loadtest.delay.DelayProxy proxy = new io.chatgateway.loadtest.delay.DelayProxy(port,
                    new java.net.InetSocketAddress(to.substring(0, colon), Integer.parseInt(to.substring(colon + 1))), delayMicros)) {
                System.out.println("delay proxy ready on port " + proxy.port() + ", " + delayMicros + " µs each way to " + to);
                Thread.currentThread().join();
            }
            return Relay.SERVING;
        }
    }

    @Command(name = "jmh", description = "Runs JMH benchmarks; every argument goes to JMH (e.g. RouterDecisionBenchmark -f 1).")
    static final class Jmh implements Callable<Integer> {
        @Parameters(description = "JMH options")
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.Main.main(args.toArray(String[]::new));
            return 0;
        }
    }

    /** Runs one scenario; returns false when it saw failures, lost or doubled messages. */
    public static boolean run(Map<String, String> o) throws Exception {
        List<String> binds = new ArrayList<>();
        if (!o.get("bind").isBlank()) {
            binds.addAll(Arrays.asList(o.get("bind").split(",")));
        }
        String secret = "none".equals(o.get("secret")) ? null : o.get("secret");
        String admin = o.get("admin").isBlank() ? null : o.get("admin");
        Scenarios.Settings s = new Scenarios.Settings(Integer.parseInt(o.get("pairs")), Double.parseDouble(o.get("rate")),
                Integer.parseInt(o.get("seconds")), Integer.parseInt(o.get("per-agent")), Integer.parseInt(o.get("payload")),
                Integer.parseInt(o.get("slow")), Double.parseDouble(o.get("surge-start")), Double.parseDouble(o.get("surge-end")),
                Integer.parseInt(o.get("ramp")), Integer.parseInt(o.get("stay")), Integer.parseInt(o.get("agents")),
                Integer.parseInt(o.get("sessions")), Double.parseDouble(o.get("drops")));
        long cpuBefore = processCpuNanos();
        long t0 = System.nanoTime();
        String agentUrl = o.get("agent-url").isBlank() ? o.get("url") : o.get("agent-url");
        try (Context ctx = new Context(o.get("url"), agentUrl, admin, o.get("admin-token"), secret, binds,
                Integer.parseInt(o.get("threads")))) {
            if (!List.of("on", "off").contains(o.get("compress"))) {
                throw new IllegalArgumentException("--compress " + o.get("compress") + " (expected: on or off)");
            }
            ctx.compress(o.get("compress").equals("on"));
            List<Long> pids = new ArrayList<>();
            for (String pid : o.get("server-pid").split(",")) {
                if (!pid.isBlank() && Long.parseLong(pid.trim()) > 0) {
                    pids.add(Long.parseLong(pid.trim()));
                }
            }
            ctx.serverPids(pids);
            switch (o.get("scenario")) {
                case "steady" -> Scenarios.steady(ctx, s, System.out);
                case "surge" -> Scenarios.surge(ctx, s, System.out);
                case "idle" -> Scenarios.idle(ctx, s, System.out).forEach(io.chatgateway.loadtest.client.WsClient::close);
                case "storm" -> Scenarios.reconnectStorm(ctx, s, System.out);
                default -> throw new IllegalArgumentException("scenario " + o.get("scenario") + " (expected steady, surge, idle or storm)");
            }
            double seconds = "steady".equals(o.get("scenario")) || "storm".equals(o.get("scenario")) ? s.seconds() : (System.nanoTime() - t0) / 1e9;
            Map<String, Object> settings = new LinkedHashMap<>(o);
            settings.remove("secret");
            settings.put("driverCpuSeconds", (processCpuNanos() - cpuBefore) / 1e9);
            var json = Report.json(o.get("scenario"), settings, ctx.counters(), latencyOf(ctx), greetingOf(ctx), queueOf(ctx), seconds);
            if (ctx.windowServerCpu() > 0) {
                json.put("serverCpuSeconds", ctx.windowServerCpu());
                json.put("routedPerServerCpuSecond", ctx.windowReceived() / ctx.windowServerCpu());
            }
            System.out.println("RESULT " + json.get("scenario").asText() + " " + json.get("counters") + " latencyMillis=" + json.get("latencyMillis")
                    + " greetingMillis=" + json.get("greetingMillis") + " messagesPerSecond=" + Math.round(json.get("messagesPerSecond").asDouble())
                    + (json.has("routedPerServerCpuSecond") ? " serverCpuSeconds=" + json.get("serverCpuSeconds").asDouble()
                    + " routedPerServerCpuSecond=" + Math.round(json.get("routedPerServerCpuSecond").asDouble()) : ""));
            if (!ctx.failureReasons().isEmpty()) {
                System.out.println("FAILURES by reason: " + ctx.failureReasons());
            }
            if (!o.get("report").isBlank()) {
                Report.write(json, Path.of(o.get("report")));
                System.out.println("report: " + Path.of(o.get("report")).resolve("report.html"));
            }
            return ctx.counter("failures") == 0 && ctx.counter("lost") == 0 && ctx.counter("doubled") == 0;
        }
    }

    private static io.chatgateway.loadtest.metrics.LatencyRecorder latencyOf(Context c) {
        return c.latencyRecorder();
    }

    private static io.chatgateway.loadtest.metrics.LatencyRecorder greetingOf(Context c) {
        return c.greetingRecorder();
    }

    private static List<long[]> queueOf(Context c) {
        return c.queueDepthSeries();
    }

    private static long processCpuNanos() {
        var bean = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return bean instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
    }
}
