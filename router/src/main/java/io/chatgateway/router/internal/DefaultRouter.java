package io.chatgateway.router.internal;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.CustomerIdentity;
import io.chatgateway.router.Peer;
import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.RouterSnapshot;
import io.chatgateway.router.script.ScriptLibrary;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.AssignOutcome;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.StoreUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The walking-skeleton router.
 *
 * <p><b>Threading.</b> Every event runs as one task on a single {@link Scheduler.Worker}, so the
 * maps below (which connections are here, timers) need no locks and events of one connection keep
 * their order. Shared state lives in the {@link ChatStore}, whose atomic operations make the
 * decisions safe against other nodes too.
 *
 * <p><b>What it decides.</b> A new chat is greeted, then assigned at once when an agent has room:
 * the shopper's owner (first agent who answered them) if online with room, else among online,
 * connected agents of the chat's group with room, the tier's preferred level first (VIP → senior),
 * then the least loaded. Otherwise the chat waits in its group's queue (VIP, regular, new; oldest
 * first) and is told its position. Whenever capacity appears (agent online, chat closed) the queue
 * drains head first. An agent who goes offline, or whose connection stays gone past the grace
 * period, has their chats put back at their original places.
 *
 * <p><b>Invariant.</b> After every event: no agent with room is idle while their group's queue is
 * non-empty.
 */
public final class DefaultRouter implements Router {
    private static final Logger log = LoggerFactory.getLogger(DefaultRouter.class);
    private static final int MAX_ASSIGN_ATTEMPTS = 5;
    private static final int RECENT_CLIENT_IDS = 64;

    private final RouterOptions options;
    private final ChatStore store;
    private final Scheduler scheduler;
    private final Scheduler.Worker worker;
    private final ScriptLibrary scripts;

    // Touched only on the worker.
    private final Map<String, Peer> customerPeers = new HashMap<>(); // chatId -> peer
    private final Map<String, String> chatOfConnection = new HashMap<>(); // connectionId -> chatId
    private final Map<String, Peer> agentPeers = new HashMap<>(); // agentId -> peer
    private final Map<String, String> agentOfConnection = new HashMap<>(); // connectionId -> agentId
    private final Map<String, Disposable> agentGraceTimers = new HashMap<>();
    private final Map<String, Disposable> abandonTimers = new HashMap<>();
    private final Map<String, ArrayDeque<String>> recentClientIds = new HashMap<>(); // chatId -> ids
    private long chatCounter;
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

    public DefaultRouter(RouterOptions options, ChatStore store, Scheduler scheduler) {
        this.options = options;
        this.store = store;
        this.scheduler = scheduler;
        this.worker = scheduler.createWorker();
        this.scripts = ScriptLibrary.defaults(options.defaultLang());
    }

    // ------------------------------------------------------------------ event entry points

    @Override
    public void customerHello(Peer peer, CustomerIdentity who, ClientMessage.ResumePoint resume) {
        submit(peer, null, () -> onCustomerHello(peer, who, resume));
    }

    @Override
    public void customerFrame(Peer peer, ClientMessage message) {
        submit(peer, message.id(), () -> onCustomerFrame(peer, message));
    }

    @Override
    public void customerGone(Peer peer) {
        submit(null, null, () -> onCustomerGone(peer));
    }

    @Override
    public void agentHello(Peer peer, AgentIdentity who, List<ClientMessage.ResumePoint> resume) {
        submit(peer, null, () -> onAgentHello(peer, who, resume));
    }

    @Override
    public void agentFrame(Peer peer, ClientMessage message) {
        submit(peer, message.id(), () -> onAgentFrame(peer, message));
    }

    @Override
    public void agentGone(Peer peer) {
        submit(null, null, () -> onAgentGone(peer));
    }

    @Override
    public Mono<RouterSnapshot> snapshot() {
        return Mono.create(sink -> {
            try {
                worker.schedule(() -> {
                    try {
                        sink.success(takeSnapshot());
                    } catch (RuntimeException e) {
                        sink.error(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                sink.error(e);
            }
        });
    }

    @Override
    public void close() {
        worker.dispose();
    }

    /** Runs an event on the worker; failures become an error frame for the peer, never a lost worker. */
    private void submit(Peer peer, String ref, Runnable task) {
        // Refuse rather than buffer without bound; disconnects (no peer) always pass, they free capacity.
        if (peer != null && pending.get() >= options.maxPendingEvents()) {
            error(peer, ref, ErrorCode.UNAVAILABLE, "the gateway is overloaded; please retry shortly");
            return;
        }
        pending.incrementAndGet();
        try {
            worker.schedule(() -> {
                pending.decrementAndGet();
                try {
                    task.run();
                } catch (StoreUnavailableException e) {
                    log.warn("store unavailable: {}", e.getMessage());
                    if (peer != null) {
                        error(peer, ref, ErrorCode.UNAVAILABLE, "the chat service is temporarily unavailable; please retry shortly");
                    }
                } catch (RuntimeException e) {
                    log.error("router event failed", e);
                    if (peer != null) {
                        error(peer, ref, ErrorCode.UNAVAILABLE, "the request could not be processed; please retry");
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            // The router is shutting down.
            if (peer != null) {
                error(peer, ref, ErrorCode.UNAVAILABLE, "the gateway is overloaded; please retry shortly");
            }
        }
    }

    private long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ customers

    private void onCustomerHello(Peer peer, CustomerIdentity who, ClientMessage.ResumePoint resume) {
        if (resume != null) {
            Optional<ChatRecord> found = store.chat(resume.chatId())
                    .filter(c -> c.customerId().equals(who.customerId()));
            if (found.isPresent()) {
                ChatRecord chat = found.get();
                attachCustomer(peer, chat);
                peer.send(frame(new ServerMessage.CustomerWelcome(chat.chatId(), store.lastSeq(chat.chatId()), who.resumeToken())));
                replay(peer, chat.chatId(), resume.lastSeq());
                if (chat.state() == ChatState.WAITING) {
                    sendQueued(chat);
                }
                return;
            }
            error(peer, null, ErrorCode.NOT_FOUND, "no chat " + resume.chatId() + " for this shopper (expected a chatId from an earlier welcome); starting a new chat");
        }
        if (!who.anonymous()) {
            Optional<ChatRecord> open = store.openChatOf(who.customerId());
            if (open.isPresent()) {
                // A reload without resume data: give the widget the whole conversation again.
                ChatRecord chat = open.get();
                attachCustomer(peer, chat);
                peer.send(frame(new ServerMessage.CustomerWelcome(chat.chatId(), store.lastSeq(chat.chatId()), who.resumeToken())));
                replay(peer, chat.chatId(), 0);
                if (chat.state() == ChatState.WAITING) {
                    sendQueued(chat);
                }
                return;
            }
        }
        startChat(peer, who);
    }

    private void startChat(Peer peer, CustomerIdentity who) {
        String group = who.group() == null ? options.defaultGroup() : who.group();
        String lang = who.lang() == null ? options.defaultLang() : who.lang();
        ChatRecord chat = new ChatRecord(newChatId(), who.customerId(), who.name(), who.tier(), who.tags(), group, lang,
                now(), ChatState.WAITING, null, null);
        store.createWaitingChat(chat);
        attachCustomer(peer, chat);
        peer.send(frame(new ServerMessage.CustomerWelcome(chat.chatId(), 0, who.resumeToken())));
        String name = who.name() == null ? "" : (ScriptLibrary.ZH.equals(lang) ? "，" : ", ") + who.name();
        appendAndSend(chat, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.GREETING.wire(),
                scripts.render(Kind.GREETING, lang, Map.of("name", name, "shop", options.shopName()))));
        log.debug("chat {} started in group {} tier {}", chat.chatId(), group, chat.tier().wire());
        if (!assignToBestAgent(chat)) {
            ChatRecord waiting = store.chat(chat.chatId()).orElse(chat);
            if (waiting.state() == ChatState.WAITING) {
                int position = store.position(chat.chatId());
                long eta = etaSeconds(group, position);
                appendAndSend(chat, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.QUEUED.wire(),
                        scripts.render(Kind.QUEUED, lang, Map.of("position", Integer.toString(position),
                                "eta", scripts.formatWait(eta, lang)))));
                peer.send(frame(new ServerMessage.Queued(chat.chatId(), position, eta)));
            }
        }
    }

    private void attachCustomer(Peer peer, ChatRecord chat) {
        Peer old = customerPeers.put(chat.chatId(), peer);
        chatOfConnection.put(peer.connectionId(), chat.chatId());
        if (old != null && !old.connectionId().equals(peer.connectionId())) {
            chatOfConnection.remove(old.connectionId());
            old.close(1000, "chat resumed on another connection");
        }
        Disposable t = abandonTimers.remove(chat.chatId());
        if (t != null) {
            t.dispose();
        }
    }

    private void onCustomerFrame(Peer peer, ClientMessage message) {
        String chatId = chatOfConnection.get(peer.connectionId());
        if (chatId == null) {
            error(peer, message.id(), ErrorCode.NOT_AUTHENTICATED, "send hello first");
            return;
        }
        Optional<ChatRecord> maybe = store.chat(chatId);
        if (maybe.isEmpty()) {
            error(peer, message.id(), ErrorCode.NOT_FOUND, "chat " + chatId + " no longer exists; reconnect without resume to start a new chat");
            return;
        }
        ChatRecord chat = maybe.get();
        if (message instanceof ClientMessage.SendText m) {
            if (m.chatId() != null && !m.chatId().equals(chatId)) {
                error(peer, m.id(), ErrorCode.FORBIDDEN, "chatId " + m.chatId() + " is not this connection's chat (expected " + chatId + " or no chatId)");
            } else if (!chat.isOpen()) {
                error(peer, m.id(), ErrorCode.CONFLICT, "chat " + chatId + " is closed; reconnect without resume to start a new chat");
            } else if (!seenBefore(chatId, "c:" + m.id())) {
                appendAndSend(chat, seq -> new ServerMessage.ChatText(chatId, seq, "customer", m.text(), now()));
            }
        } else if (message instanceof ClientMessage.Typing) {
            if (chat.state() == ChatState.ASSIGNED) {
                Peer agent = agentPeers.get(chat.agentId());
                if (agent != null) {
                    agent.send(frame(new ServerMessage.TypingNotice(chatId, "customer")));
                }
            }
        } else if (message instanceof ClientMessage.Ack a) {
            checkAck(peer, a, chatId);
        } else if (message instanceof ClientMessage.Close c) {
            if (!chat.isOpen()) {
                error(peer, c.id(), ErrorCode.CONFLICT, "chat " + chatId + " is already closed");
            } else {
                closeChat(chatId, "customer", false);
            }
        } else if (message instanceof ClientMessage.Csat c) {
            store.saveCsat(chatId, c.score(), c.comment());
        } else if (message instanceof ClientMessage.LeaveMessage lm) {
            error(peer, lm.id(), ErrorCode.UNAVAILABLE, "leave_message is taken only while overflow mode is on; please stay in the queue");
        } else {
            error(peer, message.id(), ErrorCode.FORBIDDEN, "type " + message.type() + " is not allowed for shoppers");
        }
    }

    private void onCustomerGone(Peer peer) {
        String chatId = chatOfConnection.remove(peer.connectionId());
        if (chatId == null || customerPeers.get(chatId) != peer) {
            return;
        }
        customerPeers.remove(chatId);
        store.chat(chatId).filter(c -> c.state() == ChatState.WAITING).ifPresent(c -> {
            // A phone on a flaky network comes back; a closed tab does not. Keep the place for a while.
            abandonTimers.put(chatId, worker.schedule(() -> guarded(() -> {
                abandonTimers.remove(chatId);
                if (!customerPeers.containsKey(chatId)) {
                    store.chat(chatId).filter(w -> w.state() == ChatState.WAITING)
                            .ifPresent(w -> closeChat(chatId, "abandoned", false));
                }
            }), options.abandonAfter().toMillis(), TimeUnit.MILLISECONDS));
        });
    }

    // ------------------------------------------------------------------ agents

    private void onAgentHello(Peer peer, AgentIdentity who, List<ClientMessage.ResumePoint> resume) {
        Peer old = agentPeers.put(who.agentId(), peer);
        agentOfConnection.put(peer.connectionId(), who.agentId());
        if (old != null && !old.connectionId().equals(peer.connectionId())) {
            agentOfConnection.remove(old.connectionId());
            old.close(1000, "signed in on another connection");
        }
        Disposable grace = agentGraceTimers.remove(who.agentId());
        if (grace != null) {
            grace.dispose();
        }
        Set<String> groups = who.groups().isEmpty() ? Set.of(options.defaultGroup()) : who.groups();
        AgentStatus status = store.agent(who.agentId()).map(AgentRecord::status)
                .filter(s -> s != AgentStatus.OFFLINE).orElse(AgentStatus.ONLINE);
        AgentRecord agent = store.upsertAgent(new AgentRecord(who.agentId(), who.name(), who.level(), groups,
                who.supervisor(), status, true, options.capacity(who.level()), 0));
        List<ChatRecord> chats = store.chatsOf(who.agentId());
        List<ServerMessage.OpenChat> open = new ArrayList<>(chats.size());
        for (ChatRecord c : chats) {
            open.add(new ServerMessage.OpenChat(c.chatId(), customerInfo(c), store.lastSeq(c.chatId())));
        }
        peer.send(frame(new ServerMessage.AgentWelcome(who.agentId(), open)));
        for (ClientMessage.ResumePoint p : resume) {
            Optional<ChatRecord> c = store.chat(p.chatId());
            if (c.isPresent() && who.agentId().equals(c.get().agentId())) {
                replay(peer, p.chatId(), p.lastSeq());
            } else {
                error(peer, null, ErrorCode.NOT_FOUND, "chat " + p.chatId() + " is not assigned to you any more; it is not resumed");
            }
        }
        log.info("agent {} connected ({} open chats, status {})", who.agentId(), chats.size(), agent.status().wire());
        drain(agent.groups());
    }

    private void onAgentFrame(Peer peer, ClientMessage message) {
        String agentId = agentOfConnection.get(peer.connectionId());
        if (agentId == null) {
            error(peer, message.id(), ErrorCode.NOT_AUTHENTICATED, "send hello first");
            return;
        }
        if (message instanceof ClientMessage.SendText m) {
            withOwnChat(peer, agentId, m.id(), m.chatId(), chat -> {
                if (seenBefore(chat.chatId(), "a:" + m.id())) {
                    return;
                }
                appendAndSend(chat, seq -> new ServerMessage.ChatText(chat.chatId(), seq, "agent", m.text(), now()));
                // First-contact ownership: the first agent who answers owns the shopper.
                store.claimOwnership(chat.customerId(), agentId, now() + options.ownershipRetention().toMillis());
            });
        } else if (message instanceof ClientMessage.Typing t) {
            withOwnChat(peer, agentId, t.id(), t.chatId(), chat -> {
                Peer customer = customerPeers.get(chat.chatId());
                if (customer != null) {
                    customer.send(frame(new ServerMessage.TypingNotice(chat.chatId(), "agent")));
                }
            });
        } else if (message instanceof ClientMessage.Close c) {
            withOwnChat(peer, agentId, c.id(), c.chatId(), chat -> closeChat(chat.chatId(), "agent", true));
        } else if (message instanceof ClientMessage.Ack a) {
            withOwnChat(peer, agentId, a.id(), a.chatId(), chat -> checkAck(peer, a, chat.chatId()));
        } else if (message instanceof ClientMessage.SetStatus s) {
            setStatus(agentId, s.status());
        } else if (message instanceof ClientMessage.Accept a) {
            error(peer, a.id(), ErrorCode.NOT_FOUND, "no open offer for chat " + a.chatId() + " (chats are assigned directly in this version)");
        } else if (message instanceof ClientMessage.Reject r) {
            error(peer, r.id(), ErrorCode.NOT_FOUND, "no open offer for chat " + r.chatId() + " (chats are assigned directly in this version)");
        } else if (message instanceof ClientMessage.Transfer t) {
            error(peer, t.id(), ErrorCode.UNAVAILABLE, "transfer is not available in this version; set status offline to hand chats back to the queue");
        } else {
            error(peer, message.id(), ErrorCode.FORBIDDEN, "type " + message.type() + " is not allowed for agents");
        }
    }

    private void withOwnChat(Peer peer, String agentId, String ref, String chatId, java.util.function.Consumer<ChatRecord> action) {
        Optional<ChatRecord> c = store.chat(chatId);
        if (c.isEmpty()) {
            error(peer, ref, ErrorCode.NOT_FOUND, "no chat " + chatId);
        } else if (!c.get().isOpen()) {
            error(peer, ref, ErrorCode.CONFLICT, "chat " + chatId + " is closed");
        } else if (c.get().state() != ChatState.ASSIGNED || !agentId.equals(c.get().agentId())) {
            error(peer, ref, ErrorCode.FORBIDDEN, "chat " + chatId + " is not assigned to you");
        } else {
            action.accept(c.get());
        }
    }

    private void setStatus(String agentId, AgentStatus status) {
        Optional<AgentRecord> a = store.updateAgent(agentId, r -> r.withStatus(status));
        if (a.isEmpty()) {
            return;
        }
        log.info("agent {} is {}", agentId, status.wire());
        if (status == AgentStatus.OFFLINE) {
            requeueChatsOf(agentId);
        }
        drain(a.get().groups());
    }

    private void onAgentGone(Peer peer) {
        String agentId = agentOfConnection.remove(peer.connectionId());
        if (agentId == null || agentPeers.get(agentId) != peer) {
            return;
        }
        agentPeers.remove(agentId);
        store.updateAgent(agentId, r -> r.withConnected(false));
        long grace = options.agentReconnectGrace().toMillis();
        log.info("agent {} disconnected; chats kept for {} ms", agentId, grace);
        Runnable expire = () -> guarded(() -> {
            agentGraceTimers.remove(agentId);
            if (!agentPeers.containsKey(agentId)) {
                store.updateAgent(agentId, r -> r.withStatus(AgentStatus.OFFLINE));
                requeueChatsOf(agentId);
            }
        });
        if (grace == 0) {
            expire.run();
        } else {
            agentGraceTimers.put(agentId, worker.schedule(expire, grace, TimeUnit.MILLISECONDS));
        }
    }

    /** The agent left: each chat goes back to its original place, and its shopper is told. */
    private void requeueChatsOf(String agentId) {
        Set<String> groups = new TreeSet<>();
        for (ChatRecord c : store.chatsOf(agentId)) {
            Optional<ChatRecord> waiting = store.requeue(c.chatId());
            if (waiting.isEmpty()) {
                continue;
            }
            ChatRecord w = waiting.get();
            groups.add(w.group());
            appendAndSend(c, seq -> new ServerMessage.Script(w.chatId(), seq, Kind.AGENT_LEFT.wire(),
                    scripts.render(Kind.AGENT_LEFT, w.lang(), Map.of())));
            log.info("chat {} back in queue {} after agent {} left", w.chatId(), w.group(), agentId);
        }
        drain(groups);
        for (String g : groups) {
            sendPositions(g);
        }
    }

    // ------------------------------------------------------------------ assignment

    /**
     * Picks and atomically assigns the best agent for a waiting chat. Returns false when nobody
     * eligible has room.
     */
    private boolean assignToBestAgent(ChatRecord chat) {
        for (int attempt = 0; attempt < MAX_ASSIGN_ATTEMPTS; attempt++) {
            Optional<AgentRecord> best = chooseAgent(chat);
            if (best.isEmpty()) {
                return false;
            }
            AssignOutcome outcome = store.tryAssign(chat.chatId(), best.get().agentId());
            if (outcome == AssignOutcome.ASSIGNED) {
                onAssigned(chat, best.get());
                return true;
            }
            if (outcome == AssignOutcome.CHAT_NOT_WAITING) {
                return false;
            }
            // The agent filled up or left between our read and the atomic step (another node): try again.
        }
        return false;
    }

    private Optional<AgentRecord> chooseAgent(ChatRecord chat) {
        Optional<String> owner = store.ownerOf(chat.customerId(), now());
        if (owner.isPresent()) {
            Optional<AgentRecord> o = store.agent(owner.get()).filter(AgentRecord::hasRoom);
            if (o.isPresent()) {
                return o;
            }
        }
        List<AgentRecord> eligible = new ArrayList<>();
        for (AgentRecord a : store.agents()) {
            if (a.hasRoom() && a.groups().contains(chat.group())) {
                eligible.add(a);
            }
        }
        if (eligible.isEmpty()) {
            return Optional.empty();
        }
        Comparator<AgentRecord> leastLoaded = Comparator
                .comparingDouble((AgentRecord a) -> (double) a.load() / a.capacity())
                .thenComparingInt(AgentRecord::load)
                .thenComparing(AgentRecord::agentId);
        AgentLevel preferred = preferredLevel(chat.tier());
        if (preferred != null) {
            Optional<AgentRecord> p = eligible.stream().filter(a -> a.level() == preferred).min(leastLoaded);
            if (p.isPresent()) {
                return p;
            }
        }
        return eligible.stream().min(leastLoaded);
    }

    /** VIPs go to senior agents first; the routing-engine issue makes this configurable. */
    private static AgentLevel preferredLevel(Tier tier) {
        return tier == Tier.VIP ? AgentLevel.SENIOR : null;
    }

    private void onAssigned(ChatRecord chat, AgentRecord agent) {
        ServerMessage.Assigned assigned = store.append(chat.chatId(), seq -> new ServerMessage.Assigned(chat.chatId(), seq,
                new ServerMessage.AgentInfo(agent.agentId(), agent.name()), customerInfo(chat)));
        OutboundFrame f = frame(assigned);
        Peer customer = customerPeers.get(chat.chatId());
        if (customer != null) {
            customer.send(f);
        }
        Peer agentPeer = agentPeers.get(agent.agentId());
        if (agentPeer != null) {
            // The agent gets the conversation so far (greeting, what the shopper already wrote), then the assignment.
            for (ChatEvent e : store.eventsAfter(chat.chatId(), 0)) {
                agentPeer.send(e == assigned ? f : frame(e));
            }
        }
        log.debug("chat {} assigned to agent {}", chat.chatId(), agent.agentId());
    }

    /** Assigns waiting chats, head first, while agents of these groups have room. */
    private void drain(Set<String> groups) {
        for (String group : groups) {
            int assigned = 0;
            while (true) {
                List<ChatRecord> head = store.waiting(group, 1);
                if (head.isEmpty() || !assignToBestAgent(head.get(0))) {
                    break;
                }
                assigned++;
            }
            if (assigned > 0) {
                sendPositions(group);
            }
        }
    }

    private void sendPositions(String group) {
        int position = 0;
        for (ChatRecord c : store.waiting(group, options.positionUpdates())) {
            position++;
            Peer p = customerPeers.get(c.chatId());
            if (p != null) {
                p.send(frame(new ServerMessage.Queued(c.chatId(), position, etaSeconds(group, position))));
            }
        }
    }

    private void sendQueued(ChatRecord chat) {
        Peer p = customerPeers.get(chat.chatId());
        int position = store.position(chat.chatId());
        if (p != null && position > 0) {
            p.send(frame(new ServerMessage.Queued(chat.chatId(), position, etaSeconds(chat.group(), position))));
        }
    }

    /**
     * A plain estimate until measured handling times exist: the group's agents together finish
     * {@code sum(capacity) / averageHandleTime} chats per second.
     */
    private long etaSeconds(String group, int position) {
        int slots = 0;
        for (AgentRecord a : store.agents()) {
            if (a.status() == AgentStatus.ONLINE && a.groups().contains(group)) {
                slots += a.capacity();
            }
        }
        long handle = options.averageHandleTime().toSeconds();
        return slots == 0 ? position * handle : (long) Math.ceil((double) position * handle / slots);
    }

    // ------------------------------------------------------------------ chat log

    private void closeChat(String chatId, String reason, boolean byAgent) {
        Optional<ChatRecord> closed = store.close(chatId, reason);
        if (closed.isEmpty()) {
            return;
        }
        ChatRecord c = closed.get();
        if (byAgent) {
            appendAndSend(c, seq -> new ServerMessage.Script(chatId, seq, Kind.CLOSING.wire(),
                    scripts.render(Kind.CLOSING, c.lang(), Map.of("shop", options.shopName()))));
        }
        appendAndSend(c, seq -> new ServerMessage.Closed(chatId, seq, reason));
        if (!"abandoned".equals(reason)) {
            appendAndSend(c, seq -> new ServerMessage.Script(chatId, seq, Kind.CSAT_INVITE.wire(),
                    scripts.render(Kind.CSAT_INVITE, c.lang(), Map.of())));
        }
        recentClientIds.remove(chatId);
        log.debug("chat {} closed ({})", chatId, reason);
        if (c.agentId() != null) {
            store.agent(c.agentId()).ifPresent(a -> drain(a.groups()));
        } else {
            sendPositions(c.group());
        }
    }

    /**
     * Appends an event to the chat's log and sends it to the shopper and to {@code chat.agentId()}
     * (callers pass the record whose agent should see it, e.g. the leaving agent for agent_left).
     */
    private <E extends ChatEvent> void appendAndSend(ChatRecord chat, java.util.function.LongFunction<E> event) {
        E e = store.append(chat.chatId(), event);
        OutboundFrame f = frame(e);
        Peer customer = customerPeers.get(chat.chatId());
        if (customer != null) {
            customer.send(f);
        }
        if (chat.agentId() != null) {
            Peer agent = agentPeers.get(chat.agentId());
            if (agent != null) {
                agent.send(f);
            }
        }
    }

    /**
     * Sends the events after {@code lastSeq}. A lastSeq ahead of the log, or events already
     * trimmed, get a clear error and a full resync of what is kept, never a silent gap.
     */
    private void replay(Peer peer, String chatId, long lastSeq) {
        long last = store.lastSeq(chatId);
        long from = lastSeq;
        if (lastSeq > last) {
            error(peer, null, ErrorCode.CONFLICT, "lastSeq " + lastSeq + " is ahead of chat " + chatId
                    + " (last seq " + last + "); resending the whole chat");
            from = 0;
        }
        List<ChatEvent> events = store.eventsAfter(chatId, from);
        if (!events.isEmpty() && events.get(0).seq() > from + 1) {
            error(peer, null, ErrorCode.CONFLICT, "events " + (from + 1) + ".." + (events.get(0).seq() - 1) + " of chat "
                    + chatId + " are no longer kept; resending from " + events.get(0).seq());
        }
        for (ChatEvent e : events) {
            peer.send(frame(e));
        }
    }

    private void checkAck(Peer peer, ClientMessage.Ack a, String chatId) {
        long last = store.lastSeq(chatId);
        if (a.seq() > last) {
            error(peer, a.id(), ErrorCode.INVALID_FIELD, "ack seq " + a.seq() + " is ahead of chat " + chatId
                    + " (expected <= " + last + ")");
        }
    }

    /** True when the client already sent a frame with this id in this chat (a resend after reconnect). */
    private boolean seenBefore(String chatId, String key) {
        if (key.endsWith(":null")) {
            return false;
        }
        ArrayDeque<String> ids = recentClientIds.computeIfAbsent(chatId, k -> new ArrayDeque<>());
        if (ids.contains(key)) {
            return true;
        }
        ids.addLast(key);
        if (ids.size() > RECENT_CLIENT_IDS) {
            ids.removeFirst();
        }
        return false;
    }

    // ------------------------------------------------------------------ helpers

    private static ServerMessage.CustomerInfo customerInfo(ChatRecord c) {
        return new ServerMessage.CustomerInfo(c.customerId(), c.customerName(), c.tier().wire(), c.tags());
    }

    private static OutboundFrame frame(ServerMessage m) {
        return OutboundFrame.of(m);
    }

    private static void error(Peer peer, String ref, ErrorCode code, String message) {
        peer.send(frame(new ServerMessage.Error(ref, code.wire(), message)));
    }

    /**
     * Chat ids sort by creation: the store breaks ties between chats queued in the same
     * millisecond by id, so arrival order must survive in the id. The random tail keeps ids
     * from different nodes apart and unguessable enough that they are not a handle by themselves
     * (every use is checked against the authenticated customer or agent anyway).
     */
    private String newChatId() {
        long seq = (chatCounter++) & 0xFFFF;
        return String.format("c%011x%04x%06x", now(), seq, ThreadLocalRandom.current().nextInt(1 << 24));
    }

    private void guarded(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.error("router timer failed", e);
        }
    }

    private RouterSnapshot takeSnapshot() {
        long now = now();
        Map<String, Integer> depths = store.queueDepths();
        Set<String> groups = new TreeSet<>(depths.keySet());
        List<AgentRecord> agents = store.agents();
        for (AgentRecord a : agents) {
            groups.addAll(a.groups());
        }
        List<RouterSnapshot.GroupFigures> g = new ArrayList<>();
        for (String group : groups) {
            List<ChatRecord> waiting = store.waiting(group, Integer.MAX_VALUE);
            int[] byTier = new int[Tier.values().length];
            long oldest = now;
            for (ChatRecord c : waiting) {
                byTier[c.tier().ordinal()]++;
                oldest = Math.min(oldest, c.queuedAt());
            }
            int online = (int) agents.stream().filter(a -> a.status() == AgentStatus.ONLINE && a.groups().contains(group)).count();
            g.add(new RouterSnapshot.GroupFigures(group, waiting.size(), byTier[0], byTier[1], byTier[2],
                    (now - oldest) / 1000, waiting.isEmpty() ? 0 : etaSeconds(group, waiting.size()), online));
        }
        List<RouterSnapshot.AgentFigures> a = new ArrayList<>();
        for (AgentRecord r : agents) {
            a.add(new RouterSnapshot.AgentFigures(r.agentId(), r.level().wire(), r.status().wire(), r.connected(),
                    r.load(), r.capacity(), List.copyOf(new TreeSet<>(r.groups()))));
        }
        return new RouterSnapshot(g, a);
    }

    /** For tests: ids of chats this node holds a shopper connection for. */
    Set<String> connectedChats() {
        return new LinkedHashSet<>(customerPeers.keySet());
    }
}
