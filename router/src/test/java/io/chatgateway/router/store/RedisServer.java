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
    private Process process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer r = new RedisServer(port, Files.createTempDirectory("redis-test"));
        r.startProcess();
        return r;
    }

    private void startProcess() throws IOException, InterruptedException {
        try {
            process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", dir.toString()))
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

    /** Starts it again on the same port, empty. */
    public void restart() throws IOException, InterruptedException {
        stop();
        startProcess();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
