package io.chatgateway.router.internal;

import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.Peer;
import io.chatgateway.router.store.ChatRecord;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Who is connected to this node, and how a frame reaches a participant: the local {@link Peer}
 * when this node holds them, else the {@link io.chatgateway.router.cluster.NodeBus} to the node
 * that does (shared store only). Chat events are appended to the chat's log before they are sent,
 * so a client that missed one gets it on resume.
 *
 * <p><b>Threads.</b> Connections attach and detach on the router's worker; frames are sent from
 * the worker, from the threads that take chat messages (a connection's event loop) and from the
 * store's and the bus's I/O threads, so the maps are concurrent. A chat's events are sent in its
 * log order (see {@code ChatStore.append}).
 *
 * <p><b>Gates.</b> While the worker sends a connection a chat's history (its hello's welcome and
 * replays, or the conversation so far when a chat is assigned), live chat events of other threads
 * for it are held at a {@link Gate}, then sent after the history, minus those the history held
 * (by seq): nothing is doubled, lost or sent out of order. Frames of the worker itself are never
 * held: they are the history.
 */
public final class Delivery {
    private final NodeContext ctx;
    private final Map<String, Peer> customerPeers = new ConcurrentHashMap<>(); // chatId -> peer
    private final Map<Peer, String> chatOfConnection = new ConcurrentHashMap<>(); // connection (identity) -> chatId
    private final Map<String, Peer> agentPeers = new ConcurrentHashMap<>(); // agentId -> peer
    private final Map<Peer, String> agentOfConnection = new ConcurrentHashMap<>(); // connection (identity) -> agentId
    private final Map<Peer, Gate> gates = new ConcurrentHashMap<>(); // connection -> live frames held (rarely any)

    public Delivery(NodeContext ctx) {
        this.ctx = ctx;
    }

    // ---- who is here

    /** Binds a shopper's connection to a chat (held until {@link #open}); returns the connection it replaces, if any. */
    public Peer attachCustomer(String chatId, Peer peer) {
        gates.computeIfAbsent(peer, p -> new Gate()).holdAll(); // before the connection can be found
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
        gates.remove(peer);
        if (chatId == null || customerPeers.get(chatId) != peer) {
            return null;
        }
        customerPeers.remove(chatId);
        return chatId;
    }

    /** Binds an agent's connection (held until {@link #open}); returns the connection it replaces, if any. */
    public Peer attachAgent(String agentId, Peer peer) {
        gates.computeIfAbsent(peer, p -> new Gate()).holdAll();
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
        gates.remove(peer);
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
            gates.remove(p);
        }
        return p;
    }

    /** The agent signed in on another node: forgets the connection here and returns it (to be closed). */
    public Peer letGoAgent(String agentId) {
        Peer p = agentPeers.remove(agentId);
        if (p != null) {
            agentOfConnection.remove(p);
            gates.remove(p);
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

    // ---- gates

    /** The connection's history of {@code chatId} as sent to it reaches {@code seq}: held live events up to it are dropped. */
    public void seen(Peer peer, String chatId, long seq) {
        Gate g = gates.get(peer);
        if (g != null) {
            g.seen(chatId, seq);
        }
    }

    /**
     * The worker has sent the connection its hello (welcome, replays): held frames follow, live frames flow.
     *
     * <p>With several nodes, a frame another node forwarded for an event the replay already read from
     * the log may still be on the bus (it was appended, then published, while the replay ran): for
     * {@link #TRAIL_MILLIS} the gate keeps what the replay sent and drops such a frame, so the event
     * arrives once. Only this connection's bus frames are parsed meanwhile.
     */
    public void open(Peer peer) {
        Gate g = gates.get(peer);
        if (g == null) {
            return;
        }
        boolean trail = ctx.shared();
        if (g.openAll(peer, trail ? ctx.now() + TRAIL_MILLIS : 0)) {
            gates.remove(peer, g);
        } else if (trail) {
            ctx.worker().schedule(() -> {
                if (g.trailOver(ctx.now())) {
                    gates.remove(peer, g);
                }
            }, TRAIL_MILLIS + 1, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** How long after a hello frames from other nodes are checked against what the replay sent. */
    static final long TRAIL_MILLIS = 5_000;

    /** Holds the agent's live events of one chat while the worker sends them its history (see {@link #release}). */
    public Peer holdChat(String agentId, String chatId) {
        Peer p = agentPeers.get(agentId);
        if (p != null) {
            gates.computeIfAbsent(p, x -> new Gate()).holdChat(chatId);
        }
        return p;
    }

    /** The history of {@code chatId} up to {@code seenSeq} is sent: the held events after it follow. */
    public void release(Peer peer, String chatId, long seenSeq) {
        Gate g = peer == null ? null : gates.get(peer);
        if (g != null && g.release(peer, chatId, seenSeq)) {
            gates.remove(peer, g);
        }
    }

    /**
     * Live frames held for one connection. Locked per connection; a frame is held, or sent when
     * the gate no longer holds it, never both, so a flush and later sends keep their order.
     */
    private static final class Gate {
        private record Held(OutboundFrame frame, String chatId, long seq) {
        }

        private boolean all;
        private long trailUntil; // until then, frames from other nodes up to seen are dropped
        private final java.util.Set<String> chats = new java.util.HashSet<>(2);
        private final Map<String, Long> seen = new java.util.HashMap<>(2);
        private final java.util.List<Held> held = new java.util.ArrayList<>(2);

        synchronized void holdAll() {
            all = true;
        }

        synchronized void holdChat(String chatId) {
            chats.add(chatId);
        }

        synchronized void seen(String chatId, long seq) {
            seen.merge(chatId, seq, Math::max);
        }

        /** True when held (sent later); false: the caller sends it now. */
        synchronized boolean hold(OutboundFrame f, String chatId, long seq) {
            if (!all && (chatId == null || !chats.contains(chatId))) {
                return false;
            }
            held.add(new Held(f, chatId, seq));
            return true;
        }

        /** Sends what was held, but for {@code onlyChat} (null: every frame); true when nothing is held any more. */
        private boolean flush(Peer peer, String onlyChat) {
            java.util.Iterator<Held> it = held.iterator();
            while (it.hasNext()) {
                Held h = it.next();
                if (onlyChat != null && !onlyChat.equals(h.chatId())) {
                    continue;
                }
                it.remove();
                Long upTo = h.chatId() == null ? null : seen.get(h.chatId());
                if (upTo == null || h.seq() > upTo) {
                    peer.send(h.frame());
                }
            }
            return !all && chats.isEmpty();
        }

        /** Opens the gate; true when it holds nothing any more (with {@code trailUntil} > 0 it keeps what was seen till then). */
        synchronized boolean openAll(Peer peer, long trailUntil) {
            all = false;
            boolean done = flush(peer, null);
            if (chats.isEmpty()) {
                if (trailUntil > 0 && !seen.isEmpty()) {
                    this.trailUntil = trailUntil;
                    return false;
                }
                seen.clear();
            }
            return done;
        }

        /** A frame from another node for an event this connection's replay already sent. */
        synchronized boolean alreadySent(String chatId, long seq, long now) {
            if (chatId == null || now >= trailUntil) {
                return false;
            }
            Long upTo = seen.get(chatId);
            return upTo != null && seq <= upTo;
        }

        synchronized boolean trailOver(long now) {
            return !all && chats.isEmpty() && held.isEmpty() && now >= trailUntil;
        }

        synchronized boolean release(Peer peer, String chatId, long seenSeq) {
            seen.merge(chatId, seenSeq, Math::max);
            if (!all) {
                chats.remove(chatId);
                flush(peer, chatId);
                seen.remove(chatId);
            } else {
                chats.remove(chatId); // held by the hello too: flushed when it opens
            }
            return !all && chats.isEmpty();
        }
    }

    // ---- sending

    /** Sends to the shopper of a chat: on this node, or through the node that holds them. */
    public void toCustomer(String chatId, OutboundFrame f) {
        send(customerPeers.get(chatId), customerKey(chatId), f);
    }

    public void toCustomer(String chatId, ServerMessage m) {
        toCustomer(chatId, frame(m));
    }

    /** Sends to an agent: on this node, or through the node that holds them. */
    public void toAgent(String agentId, OutboundFrame f) {
        send(agentPeers.get(agentId), agentKey(agentId), f);
    }

    public void toAgent(String agentId, ServerMessage m) {
        toAgent(agentId, frame(m));
    }

    /** A frame another node sent for a participant held here (gone meanwhile: dropped; resume recovers it). */
    public void deliverLocally(String participant, OutboundFrame f) {
        Peer p = participant.startsWith("a:") ? agentPeers.get(participant.substring(2))
                : participant.startsWith("c:") ? customerPeers.get(participant.substring(2)) : null;
        if (p == null) {
            return;
        }
        Gate g = gates.get(p);
        if (g != null) {
            EventId id = EventId.of(f.bytes(ctx.codec()));
            if (g.alreadySent(id.chatId(), id.seq(), ctx.now()) || g.hold(f, id.chatId(), id.seq())) {
                return;
            }
        }
        p.send(f);
    }

    /** The chat id and seq of an encoded frame (chat events), read only for a connection whose gate holds frames. */
    private record EventId(String chatId, long seq) {
        private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

        static EventId of(byte[] json) {
            try {
                com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(json);
                return n.hasNonNull("seq") && n.hasNonNull("chatId") ? new EventId(n.get("chatId").asText(), n.get("seq").asLong())
                        : new EventId(null, 0);
            } catch (java.io.IOException e) {
                return new EventId(null, 0);
            }
        }
    }

    /**
     * Appends an event to the chat's log and sends it to the shopper (their view) and to
     * {@code agentId} when not null, in the log's order (see {@code ChatStore.append}).
     */
    public <E extends ChatEvent> E appendAndSend(ChatRecord chat, String agentId, LongFunction<E> event) {
        return ctx.store().append(chat.chatId(), event, (e, json) -> sendEvent(chat.chatId(), agentId, e, json, false));
    }

    /**
     * Sends a logged event to the shopper (their view) and to {@code agentId} when not null,
     * serialised once per view ({@code json}: the encoding the store made, else null). A
     * {@code live} event (a chat message, from any thread) is held at a connection's gate.
     */
    public void sendEvent(String chatId, String agentId, ChatEvent e, byte[] json, boolean live) {
        OutboundFrame f = json != null ? OutboundFrame.encoded(e, json) : frame(e);
        ChatEvent forCustomer = e.forCustomer();
        OutboundFrame toShopper = forCustomer == e ? f : frame(forCustomer);
        if (live) {
            sendLive(customerPeers.get(chatId), customerKey(chatId), toShopper, chatId, e.seq());
            if (agentId != null) {
                sendLive(agentPeers.get(agentId), agentKey(agentId), f, chatId, e.seq());
            }
        } else {
            send(customerPeers.get(chatId), customerKey(chatId), toShopper);
            if (agentId != null) {
                send(agentPeers.get(agentId), agentKey(agentId), f);
            }
        }
    }

    private void sendLive(Peer p, String busKey, OutboundFrame f, String chatId, long seq) {
        if (p != null) {
            Gate g = gates.get(p);
            if (g == null || !g.hold(f, chatId, seq)) {
                p.send(f);
            }
        } else if (ctx.shared()) {
            ctx.bus().forward(busKey, f.bytes(ctx.codec()));
        }
    }

    /** To the local connection, or through the bus to the node holding the participant. */
    private void send(Peer p, String busKey, OutboundFrame f) {
        if (p != null) {
            p.send(f);
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
