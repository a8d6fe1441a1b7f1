package io.chatgateway.router.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on a free port, for tests (never the machine's own 6379).
 * Nothing is persisted; the data directory is a temporary folder.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(int port, Path dir, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        return start(List.of());
    }

    /**
     * A server that writes every change to its append-only file before answering (as production
     * should run for "nothing acknowledged is lost"): {@link #restart()} comes back with the data.
     */
    public static RedisServer startPersistent() throws IOException, InterruptedException {
        return start(List.of("--appendonly", "yes", "--appendfsync", "always"));
    }

    private static RedisServer start(List<String> extraArgs) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer r = new RedisServer(port, Files.createTempDirectory("redis-test"), extraArgs);
        r.startProcess();
        return r;
    }

    /**
     * A three-master Redis Cluster made with {@code redis-cli --cluster create}; its URI is
     * {@code redis-cluster://host:port,...}. Close it to stop all three.
     */
    public static Cluster startCluster() throws IOException, InterruptedException {
        List<RedisServer> nodes = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            nodes.add(start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000")));
        }
        List<String> create = new java.util.ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (RedisServer n : nodes) {
            create.add("127.0.0.1:" + n.port);
        }
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            for (RedisServer n : nodes) {
                n.close();
            }
            throw new IOException("redis-cli --cluster create failed: " + out);
        }
        // wait until every node agrees the cluster is up
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (RedisServer n : nodes) {
            while (true) {
                Process info = new ProcessBuilder("redis-cli", "-p", Integer.toString(n.port), "cluster", "info").start();
                String text = new String(info.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                info.waitFor();
                if (text.contains("cluster_state:ok")) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("cluster did not become ok: " + text);
                }
                Thread.sleep(100);
            }
        }
        return new Cluster(nodes);
    }

    /** Three cluster masters. */
    public record Cluster(List<RedisServer> nodes) implements AutoCloseable {
        public String uri() {
            StringBuilder b = new StringBuilder("redis-cluster://");
            for (int i = 0; i < nodes.size(); i++) {
                b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(nodes.get(i).port);
            }
            return b.toString();
        }

        @Override
        public void close() throws InterruptedException {
            for (RedisServer n : nodes) {
                n.close();
            }
        }
    }

    private void startProcess() throws IOException, InterruptedException {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString()));
            cmd.addAll(extraArgs);
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        } catch (IOException e) {
            throw new IOException("redis-server is not installed (expected on PATH; .ci/run installs the Debian package)", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IOException("redis-server did not listen on " + port + " within 10 s; see " + dir.resolve("redis.log"));
    }

    /** Empties a test Redis, standalone ({@code redis://}) or cluster ({@code redis-cluster://}), between tests. */
    public static void flushAll(String uri) {
        if (uri.startsWith(RedisChatStore.CLUSTER_SCHEME)) {
            List<io.lettuce.core.RedisURI> seeds = new java.util.ArrayList<>();
            for (String hostPort : uri.substring(RedisChatStore.CLUSTER_SCHEME.length()).split(",")) {
                seeds.add(io.lettuce.core.RedisURI.create("redis://" + hostPort));
            }
            io.lettuce.core.cluster.RedisClusterClient c = io.lettuce.core.cluster.RedisClusterClient.create(seeds);
            try (var conn = c.connect()) {
                conn.sync().flushall();
            } finally {
                c.shutdown();
            }
        } else {
            io.lettuce.core.RedisClient c = io.lettuce.core.RedisClient.create(uri);
            try (var conn = c.connect()) {
                conn.sync().flushall();
            } finally {
                c.shutdown();
            }
        }
    }

    /** How many times this Redis has run {@code command} (lower case) since it started: {@code INFO commandstats}. */
    public long commandCalls(String command) {
        io.lettuce.core.RedisClient c = io.lettuce.core.RedisClient.create(uri());
        try (var conn = c.connect()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)")
                    .matcher(conn.sync().info("commandstats"));
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        } finally {
            c.shutdown();
        }
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops the process (as a crash or restart would). */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }

    /** Starts it again on the same port: empty, or with its data when started by {@link #startPersistent()}. */
    public void restart() throws IOException, InterruptedException {
        stop();
        startProcess();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
