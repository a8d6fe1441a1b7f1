package io.chatgateway.router.internal;

import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.Peer;
import io.chatgateway.router.store.ChatRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Who is connected to this node, and how a frame reaches a participant: the local {@link Peer}
 * when this node holds them, else the {@link io.chatgateway.router.cluster.NodeBus} to the node
 * that does (shared store only). Chat events are appended to the chat's log before they are sent,
 * so a client that missed one gets it on resume.
 *
 * <p>Connections change only on the router's worker; the maps are concurrent because a chat
 * message's result may come back on the store's I/O thread ({@link #sendEvent}). Each connection
 * carries the stamp of its attach, so such a late result skips a connection attached after the
 * message was issued: that connection's resume, issued later, replays it (no duplicate).
 */
public final class Delivery {
    private final NodeContext ctx;
    private final Map<String, Peer> customerPeers = new ConcurrentHashMap<>(); // chatId -> peer
    private final Map<Peer, String> chatOfConnection = new ConcurrentHashMap<>(); // connection (identity) -> chatId
    private final Map<String, Peer> agentPeers = new ConcurrentHashMap<>(); // agentId -> peer
    private final Map<Peer, String> agentOfConnection = new ConcurrentHashMap<>(); // connection (identity) -> agentId
    private final Map<Peer, Long> attachedAt = new ConcurrentHashMap<>(); // connection -> stamp of its attach
    private final AtomicLong stamps = new AtomicLong();

    public Delivery(NodeContext ctx) {
        this.ctx = ctx;
    }

    // ---- who is here

    /** Binds a shopper's connection to a chat; returns the connection it replaces, if any. */
    public Peer attachCustomer(String chatId, Peer peer) {
        attachedAt.put(peer, stamps.incrementAndGet());
        Peer old = customerPeers.put(chatId, peer);
        chatOfConnection.put(peer, chatId);
        if (old != null && old != peer) {
            chatOfConnection.remove(old);
            return old;
        }
        return null;
    }

    public String chatOf(Peer peer) {
        return chatOfConnection.get(peer);
    }

    public Peer customerPeer(String chatId) {
        return customerPeers.get(chatId);
    }

    public boolean customerHere(String chatId) {
        return customerPeers.containsKey(chatId);
    }

    /** Forgets a shopper's connection; returns its chat when it was the chat's current connection. */
    public String detachCustomer(Peer peer) {
        String chatId = chatOfConnection.remove(peer);
        attachedAt.remove(peer);
        if (chatId == null || customerPeers.get(chatId) != peer) {
            return null;
        }
        customerPeers.remove(chatId);
        return chatId;
    }

    /** Binds an agent's connection; returns the connection it replaces, if any. */
    public Peer attachAgent(String agentId, Peer peer) {
        attachedAt.put(peer, stamps.incrementAndGet());
        Peer old = agentPeers.put(agentId, peer);
        agentOfConnection.put(peer, agentId);
        if (old != null && old != peer) {
            agentOfConnection.remove(old);
            return old;
        }
        return null;
    }

    public String agentOf(Peer peer) {
        return agentOfConnection.get(peer);
    }

    public boolean agentHere(String agentId) {
        return agentPeers.containsKey(agentId);
    }

    /** Forgets an agent's connection; returns the agent when it was their current connection. */
    public String detachAgent(Peer peer) {
        String agentId = agentOfConnection.remove(peer);
        attachedAt.remove(peer);
        if (agentId == null || agentPeers.get(agentId) != peer) {
            return null;
        }
        agentPeers.remove(agentId);
        return agentId;
    }

    /** The shopper connected to another node: forgets the connection here and returns it (to be closed). */
    public Peer letGoCustomer(String chatId) {
        Peer p = customerPeers.remove(chatId);
        if (p != null) {
            chatOfConnection.remove(p);
            attachedAt.remove(p);
        }
        return p;
    }

    /** The agent signed in on another node: forgets the connection here and returns it (to be closed). */
    public Peer letGoAgent(String agentId) {
        Peer p = agentPeers.remove(agentId);
        if (p != null) {
            agentOfConnection.remove(p);
            attachedAt.remove(p);
        }
        return p;
    }

    /** Agents connected here, with their connections (live view). */
    public Map<String, Peer> agents() {
        return agentPeers;
    }

    /** Shoppers connected here by chat (live view). */
    public Map<String, Peer> customers() {
        return customerPeers;
    }

    // ---- sending

    /** The issue stamp of a send that happens as its step is taken: every connection attached now gets it. */
    private static final long NOW = Long.MAX_VALUE;

    /** Sends to the shopper of a chat: on this node, or through the node that holds them. */
    public void toCustomer(String chatId, OutboundFrame f) {
        send(customerPeers.get(chatId), customerKey(chatId), f, NOW);
    }

    public void toCustomer(String chatId, ServerMessage m) {
        toCustomer(chatId, frame(m));
    }

    /** Sends to an agent: on this node, or through the node that holds them. */
    public void toAgent(String agentId, OutboundFrame f) {
        send(agentPeers.get(agentId), agentKey(agentId), f, NOW);
    }

    public void toAgent(String agentId, ServerMessage m) {
        toAgent(agentId, frame(m));
    }

    /** A frame another node sent for a participant held here (gone meanwhile: dropped; resume recovers it). */
    public void deliverLocally(String participant, OutboundFrame f) {
        Peer p = participant.startsWith("a:") ? agentPeers.get(participant.substring(2))
                : participant.startsWith("c:") ? customerPeers.get(participant.substring(2)) : null;
        if (p != null) {
            p.send(f);
        }
    }

    /**
     * Appends an event to the chat's log and sends it to the shopper (their view) and to
     * {@code agentId} when not null.
     */
    public <E extends ChatEvent> void appendAndSend(ChatRecord chat, String agentId, LongFunction<E> event) {
        sendEvent(chat.chatId(), agentId, ctx.store().append(chat.chatId(), event), null, NOW);
    }

    /** The stamp to issue a chat message with (see {@link #sendEvent}). */
    public long issueStamp() {
        return stamps.get();
    }

    /**
     * Sends a logged event to the shopper (their view) and to {@code agentId} when not null,
     * serialised once per view ({@code json}: the encoding the store made, else null). A step issued
     * at {@code issued} that completes on another thread skips connections attached here after the
     * issue: their resume, issued later, replays the event.
     */
    public void sendEvent(String chatId, String agentId, ChatEvent e, byte[] json, long issued) {
        OutboundFrame f = json != null ? OutboundFrame.encoded(e, json) : frame(e);
        ChatEvent forCustomer = e.forCustomer();
        send(customerPeers.get(chatId), customerKey(chatId), forCustomer == e ? f : frame(forCustomer), issued);
        if (agentId != null) {
            send(agentPeers.get(agentId), agentKey(agentId), f, issued);
        }
    }

    /** To the local connection (unless attached after {@code issued}), or through the bus to the node holding the participant. */
    private void send(Peer p, String busKey, OutboundFrame f, long issued) {
        if (p != null) {
            Long at = issued == NOW ? null : attachedAt.get(p);
            if (at == null || at <= issued) {
                p.send(f);
            }
        } else if (ctx.shared()) {
            ctx.bus().forward(busKey, f.bytes(ctx.codec()));
        }
    }

    // ---- helpers

    /** The bus name of a shopper (by chat). */
    public static String customerKey(String chatId) {
        return "c:" + chatId;
    }

    /** The bus name of an agent. */
    public static String agentKey(String agentId) {
        return "a:" + agentId;
    }

    public static OutboundFrame frame(ServerMessage m) {
        return OutboundFrame.of(m);
    }

    public static void send(Peer peer, ServerMessage m) {
        if (peer != null) {
            peer.send(frame(m));
        }
    }

    /** An error frame answering the client frame {@code ref} (may be null). */
    public static void error(Peer peer, String ref, ErrorCode code, String message) {
        peer.send(frame(new ServerMessage.Error(ref, code.wire(), message)));
    }

    public static ServerMessage.CustomerInfo customerInfo(ChatRecord c) {
        return new ServerMessage.CustomerInfo(c.customerId(), c.customerName(), c.tier().wire(), c.tags());
    }
}
