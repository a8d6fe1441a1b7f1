package io.chatgateway.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A standard WebSocket client (the JDK's java.net.http) that keeps every JSON frame it receives and
 * checks each against the published frame schema ({@code docs/schema/server-to-client.json}): a
 * frame the gateway sends but the contract does not describe fails the test when the client closes.
 */
final class WsClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<JsonNode> received = new ArrayList<>();
    private final List<String> offContract = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;
    private int consumed;

    private WsClient(URI uri) {
        this.socket = HTTP.newWebSocketBuilder().connectTimeout(WAIT).buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        JsonNode node = JSON.readTree(partial.toString());
                        List<String> problems = Contracts.frameProblems("server-to-client.json", node);
                        if (!problems.isEmpty()) {
                            offContract.add(node + " " + problems);
                        }
                        synchronized (received) {
                            received.add(node);
                            received.notifyAll();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException("server sent invalid JSON: " + partial, e);
                    }
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                closeCode.complete(statusCode);
                synchronized (received) {
                    received.notifyAll();
                }
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                closeCode.complete(-1);
            }
        }).join();
    }

    static WsClient connect(int port, String path) {
        return new WsClient(URI.create("ws://127.0.0.1:" + port + path));
    }

    WsClient send(String json) {
        socket.sendText(json, true).join();
        return this;
    }

    WsClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** Waits for the next not-yet-consumed frame matching the predicate; earlier frames stay readable via all(). */
    JsonNode await(String description, Predicate<JsonNode> p) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (received) {
            while (true) {
                for (int i = consumed; i < received.size(); i++) {
                    if (p.test(received.get(i))) {
                        consumed = i + 1;
                        return received.get(i);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + description + " within " + WAIT + "; got " + received);
                }
                try {
                    received.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    JsonNode await(String type) {
        return await(type, f -> type.equals(f.path("type").asText()));
    }

    JsonNode awaitScript(String kind) {
        return await("script " + kind, f -> "script".equals(f.path("type").asText()) && kind.equals(f.path("kind").asText()));
    }

    JsonNode awaitError(String code) {
        return await("error " + code, f -> "error".equals(f.path("type").asText()) && code.equals(f.path("code").asText()));
    }

    /** Every frame received so far. */
    List<JsonNode> all() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    List<JsonNode> all(String type) {
        return all().stream().filter(f -> type.equals(f.path("type").asText())).toList();
    }

    int awaitClose() {
        try {
            return closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("connection did not close within " + WAIT + "; got " + all(), e);
        }
    }

    boolean isClosed() {
        return closeCode.isDone();
    }

    /** Drops the TCP connection without a close handshake, as a phone losing its network would. */
    void drop() {
        socket.abort();
    }

    /** Frames received that docs/schema/server-to-client.json does not describe, with the schema's objections. */
    List<String> offContract() {
        return List.copyOf(offContract);
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
        if (!offContract.isEmpty()) {
            throw new AssertionError("the gateway sent frames docs/schema/server-to-client.json does not describe: " + offContract);
        }
    }
}
