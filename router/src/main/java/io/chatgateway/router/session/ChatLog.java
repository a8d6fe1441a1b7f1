package io.chatgateway.router.session;

import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.Peer;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import java.util.List;
import java.util.Optional;
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
     * A chat message of the shopper or the agent: appended and sent, unless a client frame with this
     * key was appended before (a resend: null). The check and the append are one store step, so a
     * failure in between cannot turn a retry into a "duplicate" and lose it; with a shared store the
     * care state moves on in that same step (one round trip per message).
     */
    ChatStore.Said<ServerMessage.ChatText> appendMessage(ChatRecord chat, String agentId, String clientKey, boolean fromAgent,
                                                         LongFunction<ServerMessage.ChatText> event) {
        ChatStore.Said<ServerMessage.ChatText> said;
        if (ctx.shared()) {
            said = ctx.store().appendMessage(chat.chatId(), clientKey, fromAgent, ctx.now(), SharedTimers.CARE + chat.chatId(),
                    ctx.cfg().care().agentNudgeSeconds() * 1000L, event).orElse(null);
        } else {
            Optional<ServerMessage.ChatText> e = clientKey == null ? Optional.of(ctx.store().append(chat.chatId(), event))
                    : ctx.store().appendOnce(chat.chatId(), clientKey, event);
            said = e.map(x -> new ChatStore.Said<>(x, null)).orElse(null);
        }
        if (said != null) {
            delivery.sendEvent(chat, agentId, said.event());
        }
        return said;
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
