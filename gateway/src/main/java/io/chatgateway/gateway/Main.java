package io.chatgateway.gateway;

import io.chatgateway.gateway.auth.TokenService;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar chat-gateway.jar} runs the gateway; {@code java -jar chat-gateway.jar token ...}
 * mints a demo token signed with the configured secret (see {@link #usage()}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("token")) {
            try {
                System.out.println(token(GatewayOptions.fromEnvironment(), Arrays.copyOfRange(args, 1, args.length)));
            } catch (IllegalArgumentException | GatewayException e) {
                System.err.println("error: " + e.getMessage());
                System.err.println(usage());
                System.exit(2);
            }
            return;
        }
        if (args.length > 0 && !args[0].equals("serve")) {
            System.err.println("error: unknown command '" + args[0] + "'");
            System.err.println(usage());
            System.exit(2);
        }
        GatewayOptions options;
        try {
            options = GatewayOptions.fromEnvironment();
        } catch (GatewayException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        GatewayServer server;
        try {
            server = GatewayServer.start(options);
        } catch (RuntimeException e) {
            // A port in use or a Redis that cannot be reached: say so in one line, no stack trace.
            System.err.println("error: cannot start the gateway: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("chat-gateway ready: ws://localhost:" + server.port() + "/ws/customer  ws://localhost:"
                + server.port() + "/ws/agent  demo http://localhost:" + server.port() + "/  admin http://localhost:"
                + server.adminPort() + "/admin/queues");
        // SIGTERM (orchestrators, systemd) drains, then exits 0; anything else that ends the JVM (Ctrl-C) stops at once.
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> new Thread(() -> {
            server.drain(options.drainQuiet());
            System.exit(0);
        }, "drain").start());
        Thread.currentThread().join();
    }

    static String usage() {
        return String.join("\n",
                "usage:",
                "  java -jar chat-gateway.jar [serve]",
                "  java -jar chat-gateway.jar token --role customer|agent|supervisor --sub ID [--name NAME]",
                "       [--tier vip|regular|new] [--tags a,b] [--level senior|regular|trainee] [--groups g1,g2]",
                "       [--skills complaints,en] [--lang en|zh-CN] [--ttl SECONDS (default 86400)]",
                "The token is signed with CHAT_GATEWAY_JWT_SECRET (the development secret when unset).");
    }

    static String token(GatewayOptions options, String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        String role = opts.remove("role");
        String sub = opts.remove("sub");
        if (role == null || sub == null) {
            throw new IllegalArgumentException("--role and --sub are required");
        }
        if (!List.of("customer", "agent", "supervisor").contains(role)) {
            throw new IllegalArgumentException("--role " + role + " (expected: customer, agent or supervisor)");
        }
        long ttl = Long.parseLong(opts.getOrDefault("ttl", "86400"));
        opts.remove("ttl");
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("role", role);
        for (Map.Entry<String, String> e : opts.entrySet()) {
            switch (e.getKey()) {
                case "name", "tier", "level", "lang" -> claims.put(e.getKey(), e.getValue());
                case "tags", "groups", "skills" -> claims.put(e.getKey(), new ArrayList<>(Arrays.asList(e.getValue().split(","))));
                default -> throw new IllegalArgumentException("unknown option --" + e.getKey());
            }
        }
        return new TokenService(options.jwtSecret(), Clock.systemUTC(), Duration.ofDays(1)).mint(sub, claims, Duration.ofSeconds(ttl));
    }
}
