package io.chatgateway.router;

import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A peer that keeps what it was sent, for router tests. */
class RecordingPeer implements Peer {
    private static final AtomicInteger IDS = new AtomicInteger();
    private final String id = "p" + IDS.incrementAndGet();
    final List<ServerMessage> received = new ArrayList<>();
    Integer closedWith;
    volatile boolean gone; // the client closed the connection

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
            m = decodeForwarded(new String(frame.bytes(CODEC), java.nio.charset.StandardCharsets.UTF_8));
        }
        received.add(m);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper()
            .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** Server frames other than chat events, by wire type (what another node may forward to a participant here). */
    private static final java.util.Map<String, Class<? extends ServerMessage>> OTHER_FRAMES = java.util.Map.ofEntries(
            java.util.Map.entry("queued", ServerMessage.Queued.class),
            java.util.Map.entry("offer", ServerMessage.Offer.class),
            java.util.Map.entry("warning", ServerMessage.Warning.class),
            java.util.Map.entry("queue", ServerMessage.QueueStatus.class),
            java.util.Map.entry("status", ServerMessage.StatusChanged.class),
            java.util.Map.entry("offer_withdrawn", ServerMessage.OfferWithdrawn.class),
            java.util.Map.entry("nudge", ServerMessage.Nudge.class),
            java.util.Map.entry("faq", ServerMessage.Faq.class),
            java.util.Map.entry("typing", ServerMessage.TypingNotice.class),
            java.util.Map.entry("error", ServerMessage.Error.class));

    /** A frame forwarded by another node, already encoded: read back as the record it was, whatever its type. */
    static ServerMessage decodeForwarded(String json) {
        try {
            com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(json);
            Class<? extends ServerMessage> type = OTHER_FRAMES.get(n.path("type").asText());
            return type == null ? CODEC.decodeEvent(json) : JSON.treeToValue(n, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError("a node forwarded a frame that is not JSON: " + json, e);
        }
    }

    @Override
    public boolean isOpen() {
        return closedWith == null && !gone;
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
