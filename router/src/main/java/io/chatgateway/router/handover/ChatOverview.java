package io.chatgateway.router.handover;

import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.Peer;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Supervisors see every open chat ({@code list_chats}, answered by {@code chats}): waiting, offered
 * and assigned, across groups and nodes, read from the store when asked (a pull, so nobody pays for
 * it who does not look). They take one over with {@code transfer} to themselves ({@link Transfers}).
 * The list holds at most {@link #MAX_CHATS} chats, waiting ones first (best queue place first),
 * then by first contact.
 */
public final class ChatOverview {
    /** Chats one answer holds; the answer says when there were more. */
    public static final int MAX_CHATS = 500;

    private final NodeContext ctx;

    public ChatOverview(NodeContext ctx) {
        this.ctx = ctx;
    }

    public void list(Peer peer, String agentId, ClientMessage.ListChats request) {
        Optional<AgentRecord> me = ctx.store().agent(agentId);
        if (me.isEmpty() || !me.get().supervisor()) {
            Delivery.error(peer, request.id(), ErrorCode.FORBIDDEN, "only supervisors may list every chat");
            return;
        }
        Map<String, ChatRecord> open = new LinkedHashMap<>();
        TreeSet<String> groups = new TreeSet<>(ctx.cfg().groups().keySet());
        groups.addAll(ctx.store().queueDepths().keySet());
        boolean truncated = false;
        for (String group : groups) {
            List<ChatRecord> waiting = ctx.store().waiting(group, MAX_CHATS + 1);
            truncated |= waiting.size() > MAX_CHATS;
            waiting.forEach(c -> open.putIfAbsent(c.chatId(), c));
        }
        List<ChatRecord> held = new ArrayList<>();
        for (AgentRecord a : ctx.store().agents()) {
            if (a.load() > 0) {
                held.addAll(ctx.store().chatsOf(a.agentId()));
            }
        }
        held.sort(Comparator.comparingLong(ChatRecord::queuedAt).thenComparing(ChatRecord::chatId));
        held.forEach(c -> open.putIfAbsent(c.chatId(), c));
        List<ServerMessage.ChatSummary> out = new ArrayList<>(Math.min(open.size(), MAX_CHATS));
        for (ChatRecord c : open.values()) {
            if (!c.isOpen()) {
                continue;
            }
            if (out.size() == MAX_CHATS) {
                truncated = true;
                break;
            }
            out.add(new ServerMessage.ChatSummary(c.chatId(), c.state().name().toLowerCase(Locale.ROOT), Delivery.customerInfo(c),
                    c.agentId()));
        }
        Delivery.send(peer, new ServerMessage.ChatList(request.id(), out, truncated));
    }
}
