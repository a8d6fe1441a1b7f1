package io.chatgateway.loadtest.delay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The delay proxy passes every byte, in order, both ways (its delay is a benchmark's concern, not asserted here). */
class DelayProxyTest {

    @Test
    void everyByteArrivesInOrderBothWays() throws Exception {
        try (ServerSocket echo = new ServerSocket(0)) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream()); // echoes until the client closes its side
                } catch (java.io.IOException e) {
                    // the test failed elsewhere
                }
            });
            server.start();
            try (DelayProxy proxy = new DelayProxy(0, new InetSocketAddress("127.0.0.1", echo.getLocalPort()), 500);
                 Socket client = new Socket("127.0.0.1", proxy.port())) {
                byte[] sent = new byte[300_000];
                for (int i = 0; i < sent.length; i++) {
                    sent[i] = (byte) (i * 31 + i / 977);
                }
                OutputStream out = client.getOutputStream();
                Thread writer = new Thread(() -> {
                    try {
                        for (int off = 0; off < sent.length; off += 1000) { // many small writes: many chunks to keep in order
                            out.write(sent, off, Math.min(1000, sent.length - off));
                        }
                        client.shutdownOutput();
                    } catch (java.io.IOException e) {
                        // the read below fails the test
                    }
                });
                writer.start();
                InputStream in = client.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                in.transferTo(got);
                assertThat(got.toByteArray()).isEqualTo(sent);
            }
            server.join(30_000);
        }
    }
}
