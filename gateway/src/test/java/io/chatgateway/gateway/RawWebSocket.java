package io.chatgateway.gateway;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately crude WebSocket client over a plain socket, for what standard clients refuse to
 * send: invalid UTF-8, oversized single frames. Writes masked frames, reads the server's close code.
 */
final class RawWebSocket implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private String head;

    RawWebSocket(int port, String path) throws IOException {
        this(port, path, 0);
    }

    /** With {@code receiveBuffer} > 0 the socket's receive buffer is that small (a slow phone). */
    RawWebSocket(int port, String path, int receiveBuffer) throws IOException {
        this(port, path, receiveBuffer, "");
    }

    /** With extra handshake header lines (each ending in CRLF); {@link #handshakeHead()} is the server's answer. */
    RawWebSocket(int port, String path, int receiveBuffer, String extraHeaders) throws IOException {
        socket = new Socket();
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        send(WsWire.handshake(path, extraHeaders));
        head = readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("handshake refused: " + head);
        }
    }

    String handshakeHead() {
        return head;
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            b.write(in.readUnsignedByte());
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                return b.toString(StandardCharsets.US_ASCII);
            }
        }
    }

    void sendFrame(int opcode, byte[] payload) throws IOException {
        send(WsWire.frame(opcode, payload));
    }

    /** Raw bytes as they are: frames from {@link WsWire}, or garbage. */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void sendText(String text) throws IOException {
        sendFrame(1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The server's next frame. */
    WsWire.Frame readFrame() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new WsWire.Frame(b0 & 0x0F, payload, (b0 & 0x40) != 0);
    }

    /** Every frame the server sends until it closes the connection (EOF or reset). */
    java.util.List<WsWire.Frame> framesUntilClosed() {
        return WsWire.parse(readToEnd(in));
    }

    /** What arrives until the server closes (a reset after it counts as closed: what came before it is kept). */
    static byte[] readToEnd(java.io.InputStream in) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                all.write(buf, 0, n);
            }
        } catch (IOException e) {
            // reset
        }
        return all.toByteArray();
    }

    /** Reads frames until the server's close frame; returns its status code. */
    int awaitCloseCode() throws IOException {
        while (true) {
            WsWire.Frame f = readFrame();
            if (f.opcode() == WsWire.CLOSE) {
                return f.closeCode();
            }
        }
    }

    /** Drops the connection with a TCP reset, as a phone switching networks may. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
