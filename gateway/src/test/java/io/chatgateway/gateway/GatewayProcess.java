package io.chatgateway.gateway;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway in a JVM of its own ({@code Main serve}, the test class path), for what only a real
 * process shows: signals (SIGKILL, SIGTERM and its exit status) and what it writes to stdout.
 */
record GatewayProcess(Process process, int port, int adminPort, List<String> output) implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("chat-gateway ready: ws://localhost:(\\d+)/.* admin http://localhost:(\\d+)/");

    /** Starts one with {@code env} added to this JVM's environment; returns once it listens. */
    static GatewayProcess start(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Xmx256m", Main.class.getName(), "serve");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process process = pb.start();
        List<String> output = new CopyOnWriteArrayList<>();
        CompletableFuture<int[]> ports = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(line);
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ports.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
                    }
                }
            } catch (Exception ignored) {
                // the process ended
            }
            ports.completeExceptionally(new AssertionError("the gateway process exited before it was ready: " + output));
        }, "gateway-process-output");
        reader.setDaemon(true);
        reader.start();
        try {
            int[] p = ports.get(30, TimeUnit.SECONDS);
            return new GatewayProcess(process, p[0], p[1], output);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
