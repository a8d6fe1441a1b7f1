package io.chatgateway.gateway.http;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The HTTP parsing limits of both ports, in one place: only handshakes, probes and ops requests
 * come over HTTP, so the limits are small. What goes over them is answered by {@link HttpEdgeGuard}.
 */
public final class HttpLimits {
    /** Longest request line (method, target, version): longer gets 414. */
    public static final int MAX_REQUEST_LINE = 4096;
    /** Largest header block: larger gets 431. */
    public static final int MAX_HEADER_BYTES = 8192;

    private HttpLimits() {
    }

    /** A server codec with these limits (Content-Length with Transfer-Encoding, or two Content-Lengths, fail decoding). */
    public static HttpServerCodec serverCodec() {
        return new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADER_BYTES)
                .setMaxChunkSize(8192)
                .setAllowDuplicateContentLengths(false));
    }
}
