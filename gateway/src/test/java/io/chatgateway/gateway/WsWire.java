package io.chatgateway.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * WebSocket frames as bytes on the wire (RFC 6455 5.2), for tests that must send what standard
 * clients refuse to (invalid UTF-8, bad close codes, reserved bits) and count every frame the
 * server sends back.
 */
public final class WsWire {
    public static final int CONTINUATION = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9;

    /** One server frame: its opcode, payload, and whether RSV1 (permessage-deflate: compressed) is set. */
    public record Frame(int opcode, byte[] payload, boolean compressed) {
        /** The status code of a close frame (1005 when it has none). */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        public String text() {
            return new String(payload, opcode == CLOSE && payload.length >= 2 ? 2 : 0,
                    opcode == CLOSE && payload.length >= 2 ? payload.length - 2 : payload.length, StandardCharsets.UTF_8);
        }
    }

    private WsWire() {
    }

    /** An upgrade request for {@code path}; {@code extraHeaders} are whole lines ending in CRLF. */
    public static byte[] handshake(String path, String extraHeaders) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** A masked client frame, FIN set. */
    public static byte[] frame(int opcode, byte[] payload) {
        return frame(0x80 | opcode, payload, true);
    }

    /**
     * A client frame with the given first byte (FIN, RSV bits and opcode as they are to be sent).
     * @param masked clients must mask; false builds the protocol error
     */
    public static byte[] frame(int firstByte, byte[] payload, boolean masked) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(firstByte);
        int len = payload.length;
        int maskBit = masked ? 0x80 : 0;
        if (len < 126) {
            f.write(maskBit | len);
        } else if (len < 65536) {
            f.write(maskBit | 126);
            f.write(len >>> 8);
            f.write(len & 0xFF);
        } else {
            f.write(maskBit | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) len >>> (8 * i)) & 0xFF);
            }
        }
        byte[] mask = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(mask);
            f.write(mask, 0, 4);
        }
        for (int i = 0; i < len; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    public static byte[] text(String s) {
        return frame(TEXT, s.getBytes(StandardCharsets.UTF_8));
    }

    /** A client close frame with this status code. */
    public static byte[] close(int code) {
        return frame(CLOSE, new byte[] {(byte) (code >>> 8), (byte) code});
    }

    /** Raw DEFLATE of one message as permessage-deflate sends it (RFC 7692 7.2.1: the final empty block's tail removed). */
    public static byte[] deflate(byte[] message) {
        java.util.zip.Deflater d = new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = d.deflate(buf, 0, buf.length, java.util.zip.Deflater.SYNC_FLUSH)) > 0; ) {
            out.write(buf, 0, n);
        }
        d.end();
        byte[] all = out.toByteArray();
        return java.util.Arrays.copyOf(all, all.length - 4);
    }

    /** The message of one compressed frame's payload. */
    public static byte[] inflate(byte[] payload) throws java.util.zip.DataFormatException {
        java.util.zip.Inflater i = new java.util.zip.Inflater(true);
        byte[] in = java.util.Arrays.copyOf(payload, payload.length + 4);
        in[in.length - 2] = (byte) 0xFF;
        in[in.length - 1] = (byte) 0xFF;
        i.setInput(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = i.inflate(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        i.end();
        return out.toByteArray();
    }

    /** Parses unmasked server frames; a trailing partial frame is left out. */
    public static List<Frame> parse(byte[] b) {
        List<Frame> out = new ArrayList<>();
        int i = 0;
        while (i + 2 <= b.length) {
            int op = b[i] & 0x0F;
            long len = b[i + 1] & 0x7F;
            int at = i + 2;
            if (len == 126) {
                if (at + 2 > b.length) {
                    break;
                }
                len = ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
                at += 2;
            } else if (len == 127) {
                if (at + 8 > b.length) {
                    break;
                }
                len = 0;
                for (int k = 0; k < 8; k++) {
                    len = (len << 8) | (b[at + k] & 0xFF);
                }
                at += 8;
            }
            if (at + len > b.length) {
                break;
            }
            byte[] payload = java.util.Arrays.copyOfRange(b, at, (int) (at + len));
            out.add(new Frame(op, payload, (b[i] & 0x40) != 0));
            i = (int) (at + len);
        }
        return out;
    }
}
