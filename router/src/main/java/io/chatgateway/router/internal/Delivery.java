package io.chatgateway.router.internal;

import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.Peer;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongFunction;

/**
 * Who is connected to this node, and how a frame reaches a participant: the local {@link Peer}
 * when this node holds them, else the {@link io.chatgateway.router.cluster.NodeBus} to the node
 * that does (shared store only). Chat events are appended to the chat's log before they are sent,
 * so a client that missed one gets it on resume.
 *
 * <p><b>Threads.</b> Connections attach and detach on their lane; frames are sent from every
 * lane, from the threads that take chat messages (a connection's event loop) and from the store's
 * and the bus's I/O threads, so the maps are concurrent. A chat's events are sent in its log order
 * (see {@code ChatStore.append}).
 *
 * <p><b>Gates.</b> While a lane sends a connection a chat's history (its hello's welcome and
 * replays, or the conversation so far when a chat is assigned), frames for it from anywhere else
 * (live messages, other nodes, other lanes) are held at a {@link Gate}, then sent after the
 * history: each chat's events in seq order, once, minus those the history held (by seq). Frames
 * of the lane that holds the gate are never held: they are the history.
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
        gates.computeIfAbsent(peer, p -> new Gate()).holdAll(ctx.currentTask()); // before the connection can be found
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
        // Only if it is still the chat's connection: a new one may have been attached meanwhile.
        return chatId != null && customerPeers.remove(chatId, peer) ? chatId : null;
    }

    /** Binds an agent's connection (held until {@link #open}); returns the connection it replaces, if any. */
    public Peer attachAgent(String agentId, Peer peer) {
        gates.computeIfAbsent(peer, p -> new Gate()).holdAll(ctx.currentTask());
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
        return agentId != null && agentPeers.remove(agentId, peer) ? agentId : null;
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

    /** Holds the agent's events of one chat from elsewhere while this task sends them its history (see {@link #release}). */
    public Peer holdChat(String agentId, String chatId) {
        Peer p = agentPeers.get(agentId);
        if (p != null) {
            gates.computeIfAbsent(p, x -> new Gate()).holdChat(chatId, ctx.currentTask());
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

    // ---- sending

    /** Sends to the shopper of a chat: on this node, or through the node that holds them. */
    public void toCustomer(String chatId, OutboundFrame f) {
        send(customerPeers.get(chatId), customerKey(chatId), f, ctx.currentTask());
    }

    public void toCustomer(String chatId, ServerMessage m) {
        toCustomer(chatId, frame(m));
    }

    /** Sends to an agent: on this node, or through the node that holds them. */
    public void toAgent(String agentId, OutboundFrame f) {
        send(agentPeers.get(agentId), agentKey(agentId), f, ctx.currentTask());
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
            if (g.alreadySent(id.chatId(), id.seq(), ctx.now()) || g.hold(p, f, id.chatId(), id.seq(), Gate.NO_TASK)) {
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
     * Appends an event to the chat's log and sends it to the shopper (their view), to
     * {@code agentId} when not null, and to the agent the log gives the chat to right after the
     * event (who may have been assigned meanwhile by another lane or node), in the log's order (see
     * {@code ChatStore.append}).
     */
    public <E extends ChatEvent> E appendAndSend(ChatRecord chat, String agentId, LongFunction<E> event) {
        return append(chat, agentId, event, true);
    }

    /** As {@link #appendAndSend} to the shopper alone: the chat's assignment, which its agent gets with the chat's history. */
    public <E extends ChatEvent> E appendForShopper(ChatRecord chat, LongFunction<E> event) {
        return append(chat, null, event, false);
    }

    /** As {@link #appendForShopper}, without waiting for the store (see {@link #appendAndSendAsync}). */
    public <E extends ChatEvent> java.util.concurrent.CompletionStage<E> appendForShopperAsync(ChatRecord chat, LongFunction<E> event) {
        return ctx.store().appendAsync(chat.chatId(), event, inLogOrder(chat, null, false));
    }

    private <E extends ChatEvent> E append(ChatRecord chat, String agentId, LongFunction<E> event, boolean toHolder) {
        ChatStore.Appended<E> send = inLogOrder(chat, agentId, toHolder);
        return ctx.store().append(chat.chatId(), event, send);
    }

    /**
     * As {@link #appendAndSend}, without waiting for the store: the returned stage completes with the
     * event once it is appended and sent (on the store's thread; chain blocking work onto
     * {@code NodeContext.thisTask()}).
     */
    public <E extends ChatEvent> java.util.concurrent.CompletionStage<E> appendAndSendAsync(ChatRecord chat, String agentId,
                                                                                         LongFunction<E> event) {
        return ctx.store().appendAsync(chat.chatId(), event, inLogOrder(chat, agentId, true));
    }

    /** Sends an appended event as {@link #append} does, from the store's thread too, acting for the task that appends. */
    private <E extends ChatEvent> ChatStore.Appended<E> inLogOrder(ChatRecord chat, String agentId, boolean toHolder) {
        long task = ctx.currentTask();
        int lane = ctx.currentLane();
        return (e, json, holder) -> ctx.actingFor(lane, task,
                () -> sendEvent(chat.chatId(), agentId, toHolder ? holder : null, e, json, false));
    }

    /**
     * Sends a logged event to the shopper (their view) and to {@code agentId} when not null,
     * serialised once per view ({@code json}: the encoding the store made, else null). A
     * {@code live} event (a chat message, from any thread) is held at a connection's gate.
     */
    public void sendEvent(String chatId, String agentId, ChatEvent e, byte[] json, boolean live) {
        sendEvent(chatId, agentId, null, e, json, live);
    }

    /** As above, also to {@code holder} (the agent the chat's log gives it to) when not null and not {@code agentId}. */
    private void sendEvent(String chatId, String agentId, String holder, ChatEvent e, byte[] json, boolean live) {
        OutboundFrame f = json != null ? OutboundFrame.encoded(e, json) : frame(e);
        ChatEvent forCustomer = e.forCustomer();
        OutboundFrame toShopper = forCustomer == e ? f : frame(forCustomer);
        long task = live ? Gate.NO_TASK : ctx.currentTask();
        send(customerPeers.get(chatId), customerKey(chatId), toShopper, task);
        if (agentId != null) {
            send(agentPeers.get(agentId), agentKey(agentId), f, task);
        }
        if (holder != null && !holder.equals(agentId)) {
            send(agentPeers.get(holder), agentKey(holder), f, task); // the same frame: serialised once
        }
    }

    /**
     * To the local connection (held at its gate when the frame is foreign to the task holding it:
     * {@code task} is where it comes from), or through the bus to the node holding the participant.
     */
    private void send(Peer p, String busKey, OutboundFrame f, long task) {
        if (p != null) {
            Gate g = gates.get(p);
            if (g != null) {
                ServerMessage m = f.message();
                ChatEvent e = m instanceof ChatEvent ce ? ce : null;
                if (g.hold(p, f, e == null ? null : e.chatId(), e == null ? 0 : e.seq(), task)) {
                    return;
                }
            }
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

    /** The customer card of a chat: who the token says they are, its group and language, and when they first got in touch. */
    public static ServerMessage.CustomerInfo customerInfo(ChatRecord c) {
        return new ServerMessage.CustomerInfo(c.customerId(), c.customerName(), c.tier().wire(), c.tags(), c.group(), c.lang(),
                c.queuedAt() > 0 ? c.queuedAt() : null);
    }
}
