package io.chatgateway.router.surge;

import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.Peer;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * Leave-a-message intake: while its group is in overflow mode, outside its business hours, or with
 * no agent online who may take the chat, a waiting shopper may leave the request as a message. It is kept in the chat's log and the chat keeps its place (urgent orders rank
 * first), so it re-enters live routing in order when capacity frees; the shopper may leave and
 * reads the answer on their next visit. A chat that left a message is never given up as abandoned.
 */
public final class LeaveMessageIntake {
    private final NodeContext ctx;
    private final Delivery delivery;
    private final OverflowMode overflow;
    private final QueuePositions positions;
    private final Set<String> left = Collections.newSetFromMap(NodeContext.perChat()); // waiting chats that left a message

    public LeaveMessageIntake(NodeContext ctx, Delivery delivery, OverflowMode overflow, QueuePositions positions) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.overflow = overflow;
        this.positions = positions;
    }

    public void leaveMessage(Peer peer, ChatRecord chat, ClientMessage.LeaveMessage lm) {
        if (chat.state() != ChatState.WAITING) {
            Delivery.error(peer, lm.id(), ErrorCode.CONFLICT, "an agent is already with you in chat " + chat.chatId() + "; just write here");
            return;
        }
        if (!overflow.isOn(chat.group()) && !positions.offersLeaveMessage(chat)) {
            Delivery.error(peer, lm.id(), ErrorCode.UNAVAILABLE, "leave_message is taken while overflow mode is on, outside business hours"
                    + " or while no agent is online; an agent can take your chat now, please stay in the queue");
            return;
        }
        StringBuilder text = new StringBuilder(lm.text());
        if (lm.orderNo() != null) {
            text.append("\n[order ").append(lm.orderNo()).append(']');
        }
        if (lm.topic() != null) {
            text.append("\n[topic ").append(lm.topic()).append(']');
        }
        delivery.appendAndSend(chat, null, seq -> new ServerMessage.ChatText(chat.chatId(), seq, "customer", text.toString(), ctx.now()));
        left.add(chat.chatId());
        String ref = chat.chatId();
        delivery.appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.LEAVE_MESSAGE_ACK.wire(),
                ctx.scripts().render(Kind.LEAVE_MESSAGE_ACK, chat.lang(), Map.of("ref", ref, "shop", ctx.options().shopName()))));
        ctx.metrics().registry.counter("chat.left.message").increment();
    }

    /** Whether the chat left a message through this node (no store read). */
    public boolean leftHere(String chatId) {
        return left.contains(chatId);
    }

    /** Whether the chat left a message, through this node or (shared store) another: the acknowledgement is in its log. */
    public boolean leftAMessage(String chatId) {
        if (left.contains(chatId)) {
            return true;
        }
        for (ChatEvent e : ctx.store().eventsAfter(chatId, 0)) {
            if (e instanceof ServerMessage.Script sc && Kind.LEAVE_MESSAGE_ACK.wire().equals(sc.kind())) {
                return true;
            }
        }
        return false;
    }

    /** The chat left the queue. */
    public void forget(String chatId) {
        left.remove(chatId);
    }
}
