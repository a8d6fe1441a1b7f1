package io.chatgateway.router.session;

import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.Peer;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.store.ChatStore;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The chat log as clients see it: every chat event carries the next {@code seq} of its chat (1, 2,
 * 3 … no gaps); a message with a client id is stored once however often it is resent (de-dup),
 * and a client that reconnects, to any node, gets exactly the events after its last seen seq.
 */
public final class ChatLog {
    private final NodeContext ctx;
    private final Delivery delivery;

    public ChatLog(NodeContext ctx, Delivery delivery) {
        this.ctx = ctx;
        this.delivery = delivery;
    }

    /**
     * A chat message of the shopper ({@code byAgent} null) or an agent, in one store step (see
     * {@code ChatStore.say}), issued without waiting, from any thread (the connection's, for the
     * hot path): when the store answers, the message goes to the shopper and the chat's agent in
     * the log's order (as the bytes the store encoded, when it made them: serialised once), then
     * {@code then} gets the outcome. Both may run on the store's I/O thread: {@code then} must not
     * block (hand blocking work to the worker).
     */
    void say(String chatId, String byAgent, String clientKey, LongFunction<ServerMessage.ChatText> event,
             Consumer<ChatStore.Spoken<ServerMessage.ChatText>> then) {
        ctx.store().say(chatId, byAgent, clientKey, ctx.now(), SharedTimers.CARE + chatId,
                ctx.cfg().care().agentNudgeSeconds() * 1000L, event,
                said -> {
                    delivery.sendEvent(chatId, byAgent != null ? byAgent : said.agentId(), said.event(), said.json(), true);
                    ctx.metrics().message(byAgent == null);
                },
                said -> {
                    then.accept(said);
                    if (byAgent == null && said.careBefore() != null && said.careBefore().idle()) {
                        // The quiet shopper is back: the chat counts against the agent's capacity again (ChatCare).
                        ctx.onWorker(() -> ctx.store().wake(chatId));
                    }
                });
    }

    /**
     * The error frame for a message the store refused (nothing said for a resend: it is in the chat
     * already, sent when it was first taken); {@code shopper} picks the wording for the widget.
     */
    static void refused(Peer peer, String ref, String chatId, ChatStore.Spoken.Outcome outcome, boolean shopper) {
        String again = shopper ? "; reconnect without resume to start a new chat" : "";
        switch (outcome) {
            case CLOSED -> Delivery.error(peer, ref, ErrorCode.CONFLICT, "chat " + chatId + " is closed" + again);
            case UNKNOWN -> Delivery.error(peer, ref, ErrorCode.NOT_FOUND, shopper ? "chat " + chatId + " no longer exists" + again
                    : "no chat " + chatId);
            case NOT_YOURS -> Delivery.error(peer, ref, ErrorCode.FORBIDDEN, "chat " + chatId + " is not assigned to you");
            case UNAVAILABLE -> Delivery.error(peer, ref, ErrorCode.UNAVAILABLE,
                    "the chat service is temporarily unavailable; please retry shortly");
            default -> { } // RESENT (or SAID): nothing to tell
        }
    }

    /** The de-duplication key of a client frame, or null when the client gave no id. */
    static String clientKey(String side, String id) {
        return id == null ? null : side + id;
    }

    /**
     * Sends the events after {@code lastSeq}. A lastSeq ahead of the log, or events already
     * trimmed, get a clear error and a full resync of what is kept, never a silent gap.
     */
    void replay(Peer peer, String chatId, long lastSeq, boolean customer) {
        long last = ctx.store().lastSeq(chatId);
        long from = lastSeq;
        if (lastSeq > last) {
            Delivery.error(peer, null, ErrorCode.CONFLICT, "lastSeq " + lastSeq + " is ahead of chat " + chatId
                    + " (last seq " + last + "); resending the whole chat");
            from = 0;
        }
        List<ChatEvent> events = ctx.store().eventsAfter(chatId, from);
        if (!events.isEmpty() && events.get(0).seq() > from + 1) {
            Delivery.error(peer, null, ErrorCode.CONFLICT, "events " + (from + 1) + ".." + (events.get(0).seq() - 1) + " of chat "
                    + chatId + " are no longer kept; resending from " + events.get(0).seq());
        }
        for (ChatEvent e : events) {
            peer.send(Delivery.frame(customer ? e.forCustomer() : e));
        }
        delivery.seen(peer, chatId, events.isEmpty() ? from : events.get(events.size() - 1).seq());
    }

    /** An {@code ack} may not name a seq the chat has not reached. */
    void checkAck(Peer peer, ClientMessage.Ack a, String chatId) {
        long last = ctx.store().lastSeq(chatId);
        if (a.seq() > last) {
            Delivery.error(peer, a.id(), ErrorCode.INVALID_FIELD, "ack seq " + a.seq() + " is ahead of chat " + chatId
                    + " (expected <= " + last + ")");
        }
    }
}
