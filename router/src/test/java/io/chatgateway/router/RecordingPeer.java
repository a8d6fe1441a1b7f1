package io.chatgateway.router;

import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A peer that keeps what it was sent, for router tests. */
final class RecordingPeer implements Peer {
    private static final AtomicInteger IDS = new AtomicInteger();
    private final String id = "p" + IDS.incrementAndGet();
    final List<ServerMessage> received = new ArrayList<>();
    Integer closedWith;

    @Override
    public String connectionId() {
        return id;
    }

    private static final io.chatgateway.protocol.MessageCodec CODEC =
            io.chatgateway.protocol.MessageCodec.json(io.chatgateway.protocol.ProtocolLimits.defaults());

    @Override
    public synchronized void send(OutboundFrame frame) {
        ServerMessage m = frame.message();
        if (m == null) {
            // Forwarded by another node, already encoded: chat events are read back; other frames are not needed here.
            try {
                m = CODEC.decodeEvent(new String(frame.bytes(CODEC), java.nio.charset.StandardCharsets.UTF_8));
            } catch (RuntimeException notAnEvent) {
                return;
            }
        }
        received.add(m);
    }

    @Override
    public void close(int code, String reason) {
        closedWith = code;
    }

    synchronized <T extends ServerMessage> List<T> all(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (ServerMessage m : received) {
            if (type.isInstance(m)) {
                out.add(type.cast(m));
            }
        }
        return out;
    }

    <T extends ServerMessage> T last(Class<T> type) {
        List<T> all = all(type);
        if (all.isEmpty()) {
            throw new AssertionError("no " + type.getSimpleName() + " in " + received);
        }
        return all.get(all.size() - 1);
    }

    synchronized void clear() {
        received.clear();
    }
}
