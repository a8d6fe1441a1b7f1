package io.chatgateway.loadtest.delay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy that adds a fixed one-way delay in each direction: a gateway node talks to Redis
 * through it as if Redis ran on another host (a round trip of twice the delay), where this
 * machine's loopback answers in tens of microseconds. Bytes keep their order; each chunk read is
 * written once its delay has passed. For benchmarks only (two threads per direction per connection).
 */
public final class DelayProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final long delayNanos;

    /** Listens on {@code port} (0: any free port) and forwards to {@code target}, {@code delayMicros} each way. */
    public DelayProxy(int port, InetSocketAddress target, long delayMicros) throws IOException {
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", port));
        this.target = target;
        this.delayNanos = TimeUnit.MICROSECONDS.toNanos(delayMicros);
        Thread accept = new Thread(this::accept, "delay-accept");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger(2);
                pipe(client, upstream, "up", open);
                pipe(upstream, client, "down", open);
            } catch (IOException e) {
                if (!server.isClosed()) {
                    System.err.println("delay proxy: " + e.getMessage());
                }
            }
        }
    }

    private record Chunk(byte[] bytes, int length, long due) {
    }

    /**
     * Reads {@code from} on one thread and writes to {@code to} on another, each chunk after the
     * delay, in order. An end of stream is passed on as one (half-close); the sockets close when both
     * directions ended ({@code open} counts them) or either failed.
     */
    private void pipe(Socket from, Socket to, String name, java.util.concurrent.atomic.AtomicInteger open) throws IOException {
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    queue.add(new Chunk(java.util.Arrays.copyOf(buf, n), n, System.nanoTime() + delayNanos));
                }
            } catch (IOException e) {
                // the connection closed
            }
            queue.add(new Chunk(null, -1, 0));
        }, "delay-read-" + name);
        Thread writer = new Thread(() -> {
            boolean ended = false;
            try {
                for (Chunk c = queue.take(); c.length() >= 0; c = queue.take()) {
                    for (long wait = c.due() - System.nanoTime(); wait > 0; wait = c.due() - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    out.write(c.bytes(), 0, c.length());
                    out.flush();
                }
                to.shutdownOutput();
                ended = true;
            } catch (IOException | InterruptedException e) {
                // the connection failed: both ways end
            } finally {
                if (!ended || open.decrementAndGet() == 0) {
                    closeQuietly(to);
                    closeQuietly(from);
                }
            }
        }, "delay-write-" + name);
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
