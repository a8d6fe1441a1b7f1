package io.chatgateway.loadtest;

import io.chatgateway.loadtest.relay.NettyRelay;
import io.chatgateway.loadtest.report.Report;
import io.chatgateway.loadtest.scenario.Context;
import io.chatgateway.loadtest.scenario.Scenarios;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load-test jar:
 * <pre>
 * java -jar loadtest/target/chat-loadtest.jar run --scenario steady|surge|idle|storm [options]
 * java -jar loadtest/target/chat-loadtest.jar relay --port 9090        (baseline B0)
 * java -jar loadtest/target/chat-loadtest.jar jmh [JMH options]
 * </pre>
 */
public final class Main {
    private Main() {
    }

    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("url", "http://127.0.0.1:8080");
        DEFAULTS.put("agent-url", ""); // another node for the agents (cross-node runs); empty: --url
        DEFAULTS.put("admin", "");
        DEFAULTS.put("admin-token", "dev-admin-token");
        DEFAULTS.put("secret", "dev-only-secret-change-me-0123456789abcdef");
        DEFAULTS.put("bind", "");
        DEFAULTS.put("threads", "1");
        DEFAULTS.put("pairs", "200");
        DEFAULTS.put("rate", "5");
        DEFAULTS.put("seconds", "20");
        DEFAULTS.put("per-agent", "10");
        DEFAULTS.put("payload", "64");
        DEFAULTS.put("slow", "0");
        DEFAULTS.put("surge-start", "200");
        DEFAULTS.put("surge-end", "1000");
        DEFAULTS.put("ramp", "20");
        DEFAULTS.put("stay", "5");
        DEFAULTS.put("agents", "500");
        DEFAULTS.put("sessions", "5000");
        DEFAULTS.put("drops", "0.2");
        DEFAULTS.put("report", "");
        DEFAULTS.put("port", "9090");
        DEFAULTS.put("server-pid", "0");
        DEFAULTS.put("compress", "off"); // on: offer permessage-deflate (no context takeover) on every connection
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            return;
        }
        switch (args[0]) {
            case "jmh" -> org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
            case "relay" -> {
                Map<String, String> o = options(Arrays.copyOfRange(args, 1, args.length));
                NettyRelay relay = new NettyRelay(Integer.parseInt(o.get("port")), Integer.parseInt(o.get("per-agent")));
                System.out.println("B0 netty relay ready on port " + relay.port());
                Thread.currentThread().join();
            }
            case "run" -> System.exit(run(options(Arrays.copyOfRange(args, 1, args.length))) ? 0 : 1);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: java -jar chat-loadtest.jar run --scenario steady|surge|idle|storm [--name value ...]");
        System.err.println("       java -jar chat-loadtest.jar relay [--port 9090] [--per-agent 10]");
        System.err.println("       java -jar chat-loadtest.jar jmh [JMH options]");
        System.err.println("options and defaults: " + DEFAULTS + " (--secret none: anonymous shoppers, for baselines)");
        System.exit(2);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>(DEFAULTS);
        o.put("scenario", "steady");
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            String k = args[i].substring(2);
            if (!o.containsKey(k)) {
                throw new IllegalArgumentException("unknown option --" + k + " (expected one of " + o.keySet() + ")");
            }
            o.put(k, args[++i]);
        }
        return o;
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
