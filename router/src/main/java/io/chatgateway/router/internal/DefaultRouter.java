package io.chatgateway.router.internal;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.ConfigUpdate;
import io.chatgateway.router.CustomerIdentity;
import io.chatgateway.router.DryRunResult;
import io.chatgateway.router.Peer;
import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.RouterSnapshot;
import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.chatgateway.router.guard.LanguageGuard;
import io.chatgateway.router.guard.Masking;
import io.chatgateway.router.QaReview;
import io.chatgateway.router.script.ScriptLibrary;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.AssignOutcome;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.StoreUnavailableException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The routing engine.
 *
 * <p><b>Threading.</b> Every event runs as one task on a single {@link Scheduler.Worker}, so the
 * maps below (connections on this node, timers) need no locks and the events of one connection
 * keep their order. Shared state lives in the {@link ChatStore}, whose atomic steps make the
 * decisions safe against other nodes too. At most {@link RouterOptions#maxPendingEvents()} events
 * wait; beyond that clients are told {@code unavailable} rather than buffered without bound.
 *
 * <p><b>Queues.</b> One per group and tier, ordered by the static rank of {@link RoutingConfig}
 * (tier weight + urgent boost + ageing), so ageing never needs rescoring and every decision reads
 * only queue heads.
 *
 * <p><b>Two directions of routing.</b> When a chat enters a queue (new, offer lapsed, agent left,
 * escalation step reached) it looks for the best eligible agent ({@link Matching}); when an agent
 * gets room (online, chat closed, offer rejected) the agent looks for the best chat it may take
 * among the heads of the queues it can serve. Either way the step is {@link ChatStore#tryOffer}
 * (or {@link ChatStore#tryAssign} for auto-accepting agents and owners), atomic in the store.
 * Invariant after every event: no eligible agent with room idles while a chat it may take waits.
 *
 * <p><b>Offers.</b> An offer reserves a slot of the agent's capacity for the accept timeout;
 * reject or lapse puts the chat back at its place and excludes that agent until the next
 * escalation step. Agents who let {@code maxMissedOffers} lapse in a row are set away and told why.
 *
 * <p><b>Escalation.</b> Each tier has a ladder of steps that widen who may take the chat (levels,
 * extra groups). A timer per waiting chat fires at the next step boundary and routes it again at
 * once, so a shopper never waits unseen.
 */
public final class DefaultRouter implements Router {
    private static final Logger log = LoggerFactory.getLogger(DefaultRouter.class);
    private static final int MAX_ASSIGN_ATTEMPTS = 5;
    /** Queue heads read per group and tier when a free agent looks for a chat. */
    private static final int HEAD_SCAN = 16;
    // Names of shared deadlines (store timers, shared mode): prefix + chat or agent id.
    private static final String CARE = "care|";
    private static final String ESCALATE = "esc|";
    private static final String OFFER = "offer|"; // + chatId|agentId
    private static final String GRACE = "grace|";
    private static final String ABANDON = "abandon|";
    private static final int TIMERS_PER_CLAIM = 500;
    /**
     * Bound of this node's notes per chat. With several nodes a chat may close on another node, so
     * its notes here are never removed; the bound keeps that from growing without end. It is far
     * above the open chats one node holds (~20,000), so one node never loses a live note.
     */
    private static final int MAX_CHAT_NOTES = 100_000;

    private final RouterOptions options;
    private final ChatStore store;
    /** Several nodes share the store: timers, care state and presence live there, frames may go to other nodes. */
    private final boolean shared;
    private final NodeBus bus;
    private final MessageCodec codec = MessageCodec.json(ProtocolLimits.defaults());
    private final Scheduler scheduler;
    private final Scheduler.Worker worker;
    private volatile ScriptLibrary scripts;
    private long scriptsVersion;
    private final RouterMetrics metrics;
    private final AtomicInteger pending = new AtomicInteger();

    // Touched only on the worker.
    private VersionedConfig config;
    private final Map<String, Peer> customerPeers = new HashMap<>(); // chatId -> peer
    private final Map<Peer, String> chatOfConnection = new HashMap<>(); // connection (identity) -> chatId
    private final Map<String, Peer> agentPeers = new HashMap<>(); // agentId -> peer
    private final Map<Peer, String> agentOfConnection = new HashMap<>(); // connection (identity) -> agentId
    private final Map<String, Disposable> agentGraceTimers = new HashMap<>();
    private final Map<String, Disposable> abandonTimers = new HashMap<>();
    /** Waiting chats' next escalation step boundaries: a wheel entry each, not a scheduled task each. */
    private final DeadlineWheel escalationWheel;
    private final Map<String, Integer> escalationStep = new HashMap<>(); // chatId -> step it was armed on
    private final Map<String, Disposable> offerTimers = new HashMap<>();
    private final Map<String, Set<String>> excluded = perChat(); // chatId -> agents not to offer to on this step
    private final Map<String, Long> assignedAt = perChat();
    private final Map<String, Double> handleMillisEwma = new HashMap<>(); // group -> moving average
    private final Map<String, String> lastQueueFrame = new HashMap<>(); // agentId -> what they were last sent
    private final Set<String> gaugedQueues = new HashSet<>();
    private volatile Map<String, Map<Tier, Integer>> depths = Map.of();
    private long chatCounter;
    private final Disposable queueTicker;
    private final DeadlineWheel careWheel;
    private final Map<String, Activity> activity = new HashMap<>(); // assigned chats: who spoke when
    private final Set<String> overflowOn = new HashSet<>(); // groups in overflow mode
    private Map<String, Boolean> overflowForced = Map.of(); // group -> forced on/off by ops (absent: automatic), from the store
    private final Set<String> leftMessage = java.util.Collections.newSetFromMap(perChat()); // waiting chats that left a message
    private final Map<String, Integer> positionSent = perChat(); // chatId -> last position told during overflow
    private long lastOverflowUpdate;

    /**
     * Who spoke last in an assigned chat, for silence care and reply care. Updated per message by
     * field writes only; {@link #careWheel} holds at most one armed deadline per chat.
     */
    private static final class Activity {
        static final long NONE = Long.MIN_VALUE;
        long lastAgent;
        long awaitingAgentSince; // while the shopper's message (or the assignment) waits for an agent reply, else NONE
        boolean nudged;
        long promptedAt = NONE;
        long armedFor = NONE; // the deadline armed in the wheel; a later one needs no call at all
        boolean humanReplied; // for the first-reply SLA (a chat's first human answer comes after its assignment)

        long version; // of the shared copy this was read from (shared store only)

        Activity(long assignedAt) {
            this.lastAgent = assignedAt;
            this.awaitingAgentSince = assignedAt;
        }

        Activity(ChatStore.Care c) {
            this.version = c.version();
            this.lastAgent = c.lastAgent();
            this.awaitingAgentSince = c.awaitingSince();
            this.nudged = c.nudged();
            this.promptedAt = c.promptedAt();
            this.humanReplied = c.humanReplied();
        }

        ChatStore.Care toCare() {
            return new ChatStore.Care(version, lastAgent, awaitingAgentSince, nudged, promptedAt, humanReplied);
        }
    }

    public DefaultRouter(RouterOptions options, ChatStore store, NodeBus bus, Scheduler scheduler, MeterRegistry meters) {
        this.options = options;
        this.store = store;
        this.shared = store.shared();
        this.bus = bus;
        this.scheduler = scheduler;
        this.worker = scheduler.createWorker();
        this.scripts = ScriptLibrary.defaults(options.defaultLang());
        followStoredScripts(); // a restarted node starts with the texts ops edited
        this.metrics = new RouterMetrics(meters);
        this.config = store.config();
        this.careWheel = new DeadlineWheel(1000, 4096, scheduler.now(TimeUnit.MILLISECONDS));
        this.escalationWheel = new DeadlineWheel(1000, 4096, scheduler.now(TimeUnit.MILLISECONDS));
        if (shared) {
            // The first beat happens here, before this node holds anyone: a node dying early is still found.
            bus.startHeartbeats(beat -> {
                if (beat.revived() || !beat.lost().isEmpty()) {
                    submit(null, null, () -> afterHeartbeat(beat));
                }
            });
        }
        this.queueTicker = worker.schedulePeriodically(() -> guarded(this::tick), 1, 1, TimeUnit.SECONDS);
        bus.listen(new NodeBus.Listener() {
            @Override
            public void deliver(String participant, byte[] json) {
                submit(null, null, () -> deliverLocally(participant, OutboundFrame.preEncoded(json)));
            }

            @Override
            public void movedAway(String participant) {
                submit(null, null, () -> letGo(participant));
            }
        });
    }

    // ------------------------------------------------------------------ entry points

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
    public void agentHello(Peer peer, AgentIdentity who, List<ClientMessage.ResumePoint> resume, Boolean autoAccept) {
        submit(peer, null, () -> onAgentHello(peer, who, resume, autoAccept));
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
        return onWorker(this::takeSnapshot);
    }

    @Override
    public Mono<VersionedConfig> config() {
        return onWorker(() -> config);
    }

    @Override
    public Mono<ConfigUpdate> updateConfig(long expectedVersion, RoutingConfig next, String actor) {
        return onWorker(() -> applyConfig(expectedVersion, next, actor));
    }

    @Override
    public Mono<DryRunResult> dryRun(RoutingConfig proposed) {
        return onWorker(() -> DryRun.compute(config, proposed, allWaiting(), store.agents(), this::handleSeconds, now()));
    }

    @Override
    public Mono<List<AuditEntry>> audit(int limit) {
        return onWorker(() -> store.audit(limit));
    }

    @Override
    public void close() {
        queueTicker.dispose();
        worker.dispose();
    }

    private <T> Mono<T> onWorker(Supplier<T> work) {
        return Mono.create(sink -> {
            try {
                worker.schedule(() -> {
                    try {
                        sink.success(work.get());
                    } catch (RuntimeException e) {
                        sink.error(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                sink.error(e);
            }
        });
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
            if (peer != null) {
                error(peer, ref, ErrorCode.UNAVAILABLE, "the gateway is shutting down; reconnect shortly");
            }
        }
    }

    private static <V> Map<String, V> perChat() {
        return Caffeine.newBuilder().maximumSize(MAX_CHAT_NOTES).executor(Runnable::run).<String, V>build().asMap();
    }

    private long now() {
        return scheduler.now(TimeUnit.MILLISECONDS);
    }

    private RoutingConfig cfg() {
        return config.config();
    }

    // ------------------------------------------------------------------ customers

    private void onCustomerHello(Peer peer, CustomerIdentity who, ClientMessage.ResumePoint resume) {
        if (resume != null) {
            Optional<ChatRecord> found = store.chat(resume.chatId()).filter(c -> c.customerId().equals(who.customerId()));
            if (found.isPresent()) {
                reattach(peer, found.get(), who, resume.lastSeq());
                return;
            }
            error(peer, null, ErrorCode.NOT_FOUND, "no chat " + resume.chatId()
                    + " for this shopper (expected a chatId from an earlier welcome); starting a new chat");
        }
        if (!who.anonymous()) {
            Optional<ChatRecord> open = store.openChatOf(who.customerId());
            if (open.isPresent()) {
                // A reload without resume data: the widget gets the whole conversation again.
                reattach(peer, open.get(), who, 0);
                return;
            }
        }
        startChat(peer, who);
    }

    private void reattach(Peer peer, ChatRecord chat, CustomerIdentity who, long lastSeq) {
        attachCustomer(peer, chat);
        peer.send(frame(new ServerMessage.CustomerWelcome(chat.chatId(), store.lastSeq(chat.chatId()), who.resumeToken())));
        replay(peer, chat.chatId(), lastSeq, true);
        if (chat.state() == ChatState.WAITING) {
            sendQueued(chat);
        }
    }

    private void startChat(Peer peer, CustomerIdentity who) {
        String group = who.group() == null ? options.defaultGroup() : who.group();
        String lang = who.lang() == null ? options.defaultLang() : who.lang();
        long now = now();
        ChatRecord chat = new ChatRecord(newChatId(), who.customerId(), who.name(), who.tier(), who.tags(), group, lang,
                now, cfg().rankKey(who.tier(), who.tags(), now), ChatState.WAITING, null, null);
        store.createWaitingChat(chat);
        gaugeQueue(group);
        metrics.started.increment();
        attachCustomer(peer, chat);
        peer.send(frame(new ServerMessage.CustomerWelcome(chat.chatId(), 0, who.resumeToken())));
        String name = who.name() == null ? "" : (ScriptLibrary.ZH.equals(lang) ? "，" : ", ") + who.name();
        appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.GREETING.wire(),
                scripts.render(Kind.GREETING, lang, Map.of("name", name, "shop", options.shopName()))));
        metrics.greeted(now() - now);
        log.debug("chat {} started in group {} tier {}", chat.chatId(), group, chat.tier().wire());
        if (!routeChat(chat)) {
            Optional<ChatRecord> waiting = store.chat(chat.chatId()).filter(c -> c.state() == ChatState.WAITING);
            if (waiting.isPresent()) {
                int position = store.position(chat.chatId());
                long eta = etaSeconds(group, position);
                boolean overflow = overflowOn.contains(group);
                // During overflow each shopper's projected wait picks the script: long waits hear about leaving a message.
                Kind kind = overflow && eta >= cfg().overflow().enterWaitSeconds() / 2 ? Kind.OVERFLOW : Kind.QUEUED;
                appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, kind.wire(),
                        scripts.render(kind, lang, Map.of("position", Integer.toString(position),
                                "eta", scripts.formatWait(eta, lang), "shop", options.shopName()))));
                peer.send(frame(new ServerMessage.Queued(chat.chatId(), position, eta)));
                if (overflow) {
                    positionSent.put(chat.chatId(), position);
                    peer.send(frame(new ServerMessage.Faq(group, cfg().overflow().faq().stream()
                            .map(f -> new ServerMessage.FaqEntry(f.question(), f.answer())).toList())));
                }
                scheduleEscalation(waiting.get());
            }
        }
    }

    private void attachCustomer(Peer peer, ChatRecord chat) {
        Peer old = customerPeers.put(chat.chatId(), peer);
        chatOfConnection.put(peer, chat.chatId());
        if (old != null && old != peer) {
            chatOfConnection.remove(old);
            old.close(1000, "chat resumed on another connection");
        }
        cancel(abandonTimers, chat.chatId());
        if (shared) {
            bus.hold(customerKey(chat.chatId())); // a connection still open on another node is closed there
            store.disarmTimer(ABANDON + chat.chatId());
        }
    }

    private void onCustomerFrame(Peer peer, ClientMessage message) {
        String chatId = chatOfConnection.get(peer);
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
            } else if (appendMessage(chat, assignedAgent(chat), clientKey("c:", m.id()), false,
                    seq -> new ServerMessage.ChatText(chatId, seq, "customer", m.text(), now())) != null) {
                // Any shopper message resets silence care; now the shopper waits for the agent (shared: done in the append).
                if (!shared) {
                    Activity a = activity.get(chatId);
                    if (a != null) {
                        a.promptedAt = Activity.NONE;
                        if (a.awaitingAgentSince == Activity.NONE) {
                            a.awaitingAgentSince = now();
                            a.nudged = false;
                        }
                        armCare(chatId, a, a.awaitingAgentSince + cfg().care().agentNudgeSeconds() * 1000L);
                    }
                }
            }
        } else if (message instanceof ClientMessage.Typing) {
            String agent = assignedAgent(chat);
            if (agent != null) {
                toAgent(agent, new ServerMessage.TypingNotice(chatId, "customer"));
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
            leaveMessage(peer, chat, lm);
        } else {
            error(peer, message.id(), ErrorCode.FORBIDDEN, "type " + message.type() + " is not allowed for shoppers");
        }
    }

    private static String assignedAgent(ChatRecord chat) {
        return chat.state() == ChatState.ASSIGNED ? chat.agentId() : null;
    }

    private void onCustomerGone(Peer peer) {
        String chatId = chatOfConnection.remove(peer);
        if (chatId == null || customerPeers.get(chatId) != peer) {
            return;
        }
        customerPeers.remove(chatId);
        if (shared && !bus.release(customerKey(chatId))) {
            return; // the shopper is back on another node already
        }
        customerLeft(chatId);
    }

    /** A waiting shopper's connection is gone (or their node died): keep the place for a while, then give it up. */
    private void customerLeft(String chatId) {
        store.chat(chatId).filter(c -> c.state() == ChatState.WAITING && !leftMessage.contains(c.chatId())).ifPresent(c -> {
            // A phone on a flaky network comes back; a closed tab does not. Keep the place for a while.
            if (shared) {
                store.armTimer(ABANDON + chatId, now() + options.abandonAfter().toMillis());
                return;
            }
            abandonTimers.put(chatId, worker.schedule(() -> guarded(() -> {
                abandonTimers.remove(chatId);
                if (!customerPeers.containsKey(chatId)) {
                    abandonIfStillWaiting(chatId);
                }
            }), options.abandonAfter().toMillis(), TimeUnit.MILLISECONDS));
        });
    }

    private void abandonIfStillWaiting(String chatId) {
        store.chat(chatId).filter(w -> w.state() == ChatState.WAITING).ifPresent(w -> closeChat(chatId, "abandoned", false));
    }

    /** A shared abandon deadline came due on this node: the shopper may be back on any node, or have left a message. */
    private void sharedAbandonDue(String chatId) {
        if (customerPeers.containsKey(chatId) || bus.present(customerKey(chatId)) || leftAMessage(chatId)) {
            return;
        }
        abandonIfStillWaiting(chatId);
    }

    private boolean leftAMessage(String chatId) {
        if (leftMessage.contains(chatId)) {
            return true;
        }
        // Left through another node: the acknowledgement is in the chat's log.
        for (ChatEvent e : store.eventsAfter(chatId, 0)) {
            if (e instanceof ServerMessage.Script sc && Kind.LEAVE_MESSAGE_ACK.wire().equals(sc.kind())) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ agents

    private void onAgentHello(Peer peer, AgentIdentity who, List<ClientMessage.ResumePoint> resume, Boolean autoAccept) {
        Peer old = agentPeers.put(who.agentId(), peer);
        agentOfConnection.put(peer, who.agentId());
        if (old != null && old != peer) {
            agentOfConnection.remove(old);
            old.close(1000, "signed in on another connection");
        }
        cancel(agentGraceTimers, who.agentId());
        if (shared) {
            bus.hold(agentKey(who.agentId()));
            store.disarmTimer(GRACE + who.agentId());
        }
        Set<String> groups = who.groups().isEmpty() ? Set.of(options.defaultGroup()) : who.groups();
        Optional<AgentRecord> before = store.agent(who.agentId());
        AgentStatus status = before.map(AgentRecord::status).filter(s -> s != AgentStatus.OFFLINE).orElse(AgentStatus.ONLINE);
        boolean auto = autoAccept != null ? autoAccept : before.map(AgentRecord::autoAccept).orElse(false);
        AgentRecord agent = store.upsertAgent(new AgentRecord(who.agentId(), who.name(), who.level(), groups, who.skills(),
                who.supervisor(), status, true, auto, cfg().capacity().get(who.level()), 0, 0));
        List<ChatRecord> chats = store.chatsOf(who.agentId());
        List<ServerMessage.OpenChat> open = new ArrayList<>(chats.size());
        for (ChatRecord c : chats) {
            if (c.state() == ChatState.ASSIGNED) {
                open.add(new ServerMessage.OpenChat(c.chatId(), customerInfo(c), store.lastSeq(c.chatId())));
            }
        }
        peer.send(frame(new ServerMessage.AgentWelcome(who.agentId(), open)));
        for (ChatRecord c : chats) {
            if (c.state() == ChatState.OFFERED) {
                // An offer made while the connection was down: show it again.
                peer.send(frame(new ServerMessage.Offer(c.chatId(), customerInfo(c), c.group(), cfg().offerTimeoutSeconds())));
            }
        }
        for (ClientMessage.ResumePoint p : resume) {
            Optional<ChatRecord> c = store.chat(p.chatId());
            if (c.isPresent() && who.agentId().equals(c.get().agentId()) && c.get().state() == ChatState.ASSIGNED) {
                replay(peer, p.chatId(), p.lastSeq(), false);
            } else {
                error(peer, null, ErrorCode.NOT_FOUND, "chat " + p.chatId() + " is not assigned to you any more; it is not resumed");
            }
        }
        log.info("agent {} connected ({} open chats, status {})", who.agentId(), open.size(), agent.status().wire());
        lastQueueFrame.remove(who.agentId());
        fillAgent(who.agentId());
    }

    private void onAgentFrame(Peer peer, ClientMessage message) {
        String agentId = agentOfConnection.get(peer);
        if (agentId == null) {
            error(peer, message.id(), ErrorCode.NOT_AUTHENTICATED, "send hello first");
            return;
        }
        if (message instanceof ClientMessage.SendText m) {
            withOwnChat(peer, agentId, m.id(), m.chatId(), chat -> {
                Optional<LanguageGuard.Verdict> held = LanguageGuard.check(m.text(), m.confirm(), cfg().bannedPhrases());
                if (held.isPresent()) {
                    send(peer, new ServerMessage.Warning(m.id(), held.get().code(), held.get().message(), held.get().suggestion()));
                    return;
                }
                ChatStore.Said<ServerMessage.ChatText> said = appendMessage(chat, agentId, clientKey("a:", m.id()), true,
                        seq -> new ServerMessage.ChatText(chat.chatId(), seq, "agent", m.text(), now()));
                if (said == null) {
                    return; // a resend after a reconnect (to any node): already in the chat
                }
                boolean firstReply;
                if (shared) {
                    // Care moved on in the append. No arming: a care deadline is always armed while a chat is
                    // assigned, and this one would be later.
                    firstReply = said.careBefore() != null && !said.careBefore().humanReplied();
                } else {
                    Activity a = activity.get(chat.chatId());
                    firstReply = a != null && !a.humanReplied;
                    if (a != null) {
                        a.lastAgent = now();
                        a.awaitingAgentSince = Activity.NONE;
                        a.nudged = false;
                        a.promptedAt = Activity.NONE;
                        a.humanReplied = true;
                        armCare(chat.chatId(), a, a.lastAgent + cfg().care().silencePromptSeconds() * 1000L);
                    }
                }
                if (firstReply) {
                    metrics.firstReply(now() - chat.queuedAt());
                    // First-contact ownership: the first agent who answers owns the shopper (renewed with each chat).
                    store.claimOwnership(chat.customerId(), agentId, now() + options.ownershipRetention().toMillis());
                }
            });
        } else if (message instanceof ClientMessage.Typing t) {
            withOwnChat(peer, agentId, t.id(), t.chatId(),
                    chat -> toCustomer(chat.chatId(), new ServerMessage.TypingNotice(chat.chatId(), "agent")));
        } else if (message instanceof ClientMessage.Close c) {
            withOwnChat(peer, agentId, c.id(), c.chatId(), chat -> closeChat(chat.chatId(), "agent", true));
        } else if (message instanceof ClientMessage.Ack a) {
            withOwnChat(peer, agentId, a.id(), a.chatId(), chat -> checkAck(peer, a, chat.chatId()));
        } else if (message instanceof ClientMessage.SetStatus s) {
            setStatus(agentId, s.status(), s.autoAccept(), null);
        } else if (message instanceof ClientMessage.Accept a) {
            accept(peer, agentId, a);
        } else if (message instanceof ClientMessage.Reject r) {
            reject(peer, agentId, r);
        } else if (message instanceof ClientMessage.Transfer t) {
            transfer(peer, agentId, t);
        } else {
            error(peer, message.id(), ErrorCode.FORBIDDEN, "type " + message.type() + " is not allowed for agents");
        }
    }

    private void withOwnChat(Peer peer, String agentId, String ref, String chatId, Consumer<ChatRecord> action) {
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

    private void setStatus(String agentId, AgentStatus status, Boolean autoAccept, String reason) {
        Optional<AgentRecord> a = store.updateAgent(agentId, r -> {
            AgentRecord n = r.withStatus(status).withMissedOffers(0);
            return autoAccept == null ? n : n.withAutoAccept(autoAccept);
        });
        if (a.isEmpty()) {
            return;
        }
        log.info("agent {} is {}", agentId, status.wire());
        if (reason != null) {
            toAgent(agentId, new ServerMessage.StatusChanged(status.wire(), reason));
        }
        if (status != AgentStatus.ONLINE) {
            withdrawOffersOf(agentId, status == AgentStatus.AWAY ? "you are away" : "you went offline");
        }
        if (status == AgentStatus.OFFLINE) {
            handOver(agentId, "went offline");
        }
        fillAgent(agentId);
    }

    private void onAgentGone(Peer peer) {
        String agentId = agentOfConnection.remove(peer);
        if (agentId == null || agentPeers.get(agentId) != peer) {
            return;
        }
        agentPeers.remove(agentId);
        lastQueueFrame.remove(agentId);
        if (shared && !bus.release(agentKey(agentId))) {
            return; // signed in on another node meanwhile
        }
        agentDisconnected(agentId);
    }

    /** An agent's connection is gone (or their node died): offers go to others now, chats after the reconnect grace. */
    private void agentDisconnected(String agentId) {
        store.updateAgent(agentId, r -> r.withConnected(false));
        // Offers cannot be answered without a connection: give the chats their next chance now.
        withdrawOffersOf(agentId, null);
        long grace = options.agentReconnectGrace().toMillis();
        log.info("agent {} disconnected; chats kept for {} ms", agentId, grace);
        Runnable expire = () -> guarded(() -> {
            agentGraceTimers.remove(agentId);
            if (!agentPeers.containsKey(agentId)) {
                graceOver(agentId);
            }
        });
        if (grace == 0) {
            expire.run();
        } else if (shared) {
            store.armTimer(GRACE + agentId, now() + grace); // any node hands the chats over, exactly once
        } else {
            agentGraceTimers.put(agentId, worker.schedule(expire, grace, TimeUnit.MILLISECONDS));
        }
    }

    /** The reconnect grace of an agent ended: unless they are connected again (to any node), their chats go back. */
    private void graceOver(String agentId) {
        if (shared && (agentPeers.containsKey(agentId) || bus.present(agentKey(agentId)))) {
            return;
        }
        store.updateAgent(agentId, r -> r.withStatus(AgentStatus.OFFLINE));
        handOver(agentId, "lost connection");
    }

    /**
     * Shift handover: every open chat of an agent who leaves goes back to its group's queue at its
     * original place, with a note for the next agent; the shopper is told. None is dropped.
     */
    private void handOver(String agentId, String why) {
        String name = store.agent(agentId).map(AgentRecord::name).orElse(agentId);
        Set<String> groups = new TreeSet<>();
        for (ChatRecord c : store.chatsOf(agentId)) {
            if (c.state() != ChatState.ASSIGNED) {
                continue;
            }
            Optional<ChatRecord> waiting = store.requeue(c.chatId(), null);
            if (waiting.isEmpty()) {
                continue;
            }
            ChatRecord w = waiting.get();
            forgetAssignment(w.chatId());
            appendAndSend(c, agentId, seq -> new ServerMessage.Transferred(w.chatId(), seq, "group:" + w.group(), agentId,
                    "handed over: " + name + " " + why));
            appendAndSend(c, agentId, seq -> new ServerMessage.Script(w.chatId(), seq, Kind.AGENT_LEFT.wire(),
                    scripts.render(Kind.AGENT_LEFT, w.lang(), Map.of())));
            log.info("chat {} back in queue {} after agent {} {}", w.chatId(), w.group(), agentId, why);
            groups.add(w.group());
            if (!routeChat(w)) {
                sendQueued(w); // they just lost their agent: tell them where they stand now, overflow or not
                scheduleEscalation(w);
            }
        }
        groups.forEach(this::sendPositions);
    }

    // ------------------------------------------------------------------ offers

    private void accept(Peer peer, String agentId, ClientMessage.Accept a) {
        Optional<ChatRecord> assigned = store.acceptOffer(a.chatId(), agentId);
        if (assigned.isEmpty()) {
            error(peer, a.id(), ErrorCode.NOT_FOUND, "no open offer of chat " + a.chatId() + " for you (it expired or was withdrawn)");
            return;
        }
        cancelOffer(a.chatId(), agentId);
        metrics.accepted.increment();
        store.updateAgent(agentId, r -> r.withMissedOffers(0));
        onAssigned(assigned.get(), store.agent(agentId).orElseThrow());
    }

    private void reject(Peer peer, String agentId, ClientMessage.Reject r) {
        Optional<ChatRecord> back = store.withdrawOffer(r.chatId(), agentId);
        if (back.isEmpty()) {
            error(peer, r.id(), ErrorCode.NOT_FOUND, "no open offer of chat " + r.chatId() + " for you (it expired or was withdrawn)");
            return;
        }
        cancelOffer(r.chatId(), agentId);
        metrics.rejected.increment();
        store.updateAgent(agentId, a -> a.withMissedOffers(0));
        excluded.computeIfAbsent(r.chatId(), k -> new HashSet<>()).add(agentId);
        backInQueue(back.get());
        fillAgent(agentId);
    }

    private void offerExpired(String chatId, String agentId) {
        offerTimers.remove(chatId);
        Optional<ChatRecord> back = store.withdrawOffer(chatId, agentId);
        if (back.isEmpty()) {
            return;
        }
        metrics.expired.increment();
        toAgent(agentId, new ServerMessage.OfferWithdrawn(chatId, "expired: not accepted within "
                + cfg().offerTimeoutSeconds() + " s"));
        excluded.computeIfAbsent(chatId, k -> new HashSet<>()).add(agentId);
        Optional<AgentRecord> a = store.updateAgent(agentId, r -> r.withMissedOffers(r.missedOffers() + 1));
        if (a.isPresent() && a.get().missedOffers() >= cfg().maxMissedOffers() && a.get().status() == AgentStatus.ONLINE) {
            setStatus(agentId, AgentStatus.AWAY, null, a.get().missedOffers()
                    + " offers in a row were not answered, so you were set away; set your status to online when you are back");
        }
        backInQueue(back.get());
    }

    private void cancelOffer(String chatId, String agentId) {
        cancel(offerTimers, chatId);
        if (shared && agentId != null) {
            store.disarmTimer(OFFER + chatId + "|" + agentId);
        }
    }

    /** A chat whose offer lapsed or was refused: same place, next agent at once. */
    private void backInQueue(ChatRecord waiting) {
        if (!routeChat(waiting)) {
            scheduleEscalation(waiting);
        }
    }

    private void withdrawOffersOf(String agentId, String reason) {
        for (ChatRecord c : store.chatsOf(agentId)) {
            if (c.state() == ChatState.OFFERED) {
                Optional<ChatRecord> back = store.withdrawOffer(c.chatId(), agentId);
                if (back.isPresent()) {
                    cancelOffer(c.chatId(), agentId);
                    if (reason != null) {
                        toAgent(agentId, new ServerMessage.OfferWithdrawn(c.chatId(), reason));
                    }
                    excluded.computeIfAbsent(c.chatId(), k -> new HashSet<>()).add(agentId);
                    backInQueue(back.get());
                }
            }
        }
    }

    // ------------------------------------------------------------------ transfers

    private void transfer(Peer peer, String agentId, ClientMessage.Transfer t) {
        Optional<ChatRecord> maybe = store.chat(t.chatId());
        AgentRecord me = store.agent(agentId).orElseThrow();
        if (maybe.isEmpty()) {
            error(peer, t.id(), ErrorCode.NOT_FOUND, "no chat " + t.chatId());
            return;
        }
        ChatRecord chat = maybe.get();
        if (!chat.isOpen()) {
            error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " is closed");
            return;
        }
        boolean holder = chat.state() == ChatState.ASSIGNED && agentId.equals(chat.agentId());
        if (!holder && !me.supervisor()) {
            error(peer, t.id(), ErrorCode.FORBIDDEN, "chat " + t.chatId() + " is not assigned to you (only supervisors move other agents' chats)");
            return;
        }
        String note = t.note();
        if (t.to().startsWith("group:")) {
            String group = t.to().substring("group:".length());
            if (!knownGroup(group)) {
                error(peer, t.id(), ErrorCode.INVALID_FIELD, "group '" + group + "' is unknown (expected one of " + knownGroups() + ")");
                return;
            }
            if (chat.state() != ChatState.ASSIGNED) {
                error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " is not assigned to anyone; it is already queued");
                return;
            }
            String from = chat.agentId();
            Optional<ChatRecord> w = store.requeue(chat.chatId(), group);
            if (w.isEmpty()) {
                error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " changed meanwhile; try again");
                return;
            }
            forgetAssignment(chat.chatId());
            appendAndSend(chat, from, seq -> new ServerMessage.Transferred(chat.chatId(), seq, t.to(), agentId, note));
            appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.TRANSFER.wire(),
                    scripts.render(Kind.TRANSFER, chat.lang(), Map.of())));
            if (!routeChat(w.get())) {
                sendQueued(w.get());
                scheduleEscalation(w.get());
            }
            fillAgent(from);
            return;
        }
        String target = t.to();
        Optional<AgentRecord> to = store.agent(target);
        if (to.isEmpty()) {
            error(peer, t.id(), ErrorCode.NOT_FOUND, "no agent " + target + " (expected an agent id or group:<name>)");
            return;
        }
        boolean takeover = me.supervisor() && target.equals(agentId);
        Optional<ChatRecord> moved;
        String from = chat.agentId();
        if (chat.state() == ChatState.ASSIGNED) {
            moved = store.transfer(chat.chatId(), from, target, takeover);
        } else if (chat.state() == ChatState.WAITING && me.supervisor()) {
            moved = store.tryAssign(chat.chatId(), target) == AssignOutcome.DONE ? store.chat(chat.chatId()) : Optional.empty();
        } else {
            error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " is on offer to an agent; try again in a moment");
            return;
        }
        if (moved.isEmpty()) {
            error(peer, t.id(), ErrorCode.CONFLICT, "agent " + target + " cannot take chat " + t.chatId()
                    + " now (expected an online agent with room)");
            return;
        }
        if (from != null) {
            appendAndSend(chat, from, seq -> new ServerMessage.Transferred(chat.chatId(), seq, target, agentId, note));
            forgetAssignment(chat.chatId());
        }
        appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.TRANSFER.wire(),
                scripts.render(Kind.TRANSFER, chat.lang(), Map.of())));
        onAssigned(moved.get(), to.get());
        if (from != null) {
            fillAgent(from);
        }
    }

    private boolean knownGroup(String group) {
        return knownGroups().contains(group);
    }

    private Set<String> knownGroups() {
        Set<String> g = new TreeSet<>(cfg().groups().keySet());
        g.add(options.defaultGroup());
        for (AgentRecord a : store.agents()) {
            g.addAll(a.groups());
        }
        for (var steps : cfg().escalation().values()) {
            steps.forEach(s -> g.addAll(s.extraGroups()));
        }
        return g;
    }

    // ------------------------------------------------------------------ routing

    /**
     * Chat-driven: offers a waiting chat to the best eligible agent. Returns true when it was
     * offered or assigned, false when nobody eligible has room (it stays waiting).
     */
    private boolean routeChat(ChatRecord chat) {
        long t0 = System.nanoTime();
        try {
            RoutingConfig c = cfg();
            long now = now();
            Set<String> excl = excluded.getOrDefault(chat.chatId(), Set.of());
            Optional<String> owner = store.ownerOf(chat.customerId(), now);
            if (owner.isPresent() && !excl.contains(owner.get()) && !chat.hasTag(c.supervisorTag())) {
                Optional<AgentRecord> o = store.agent(owner.get()).filter(AgentRecord::hasRoom);
                if (o.isPresent() && offer(chat, o.get())) {
                    return true;
                }
            }
            for (int attempt = 0; attempt < MAX_ASSIGN_ATTEMPTS; attempt++) {
                AgentRecord best = null;
                var pref = Matching.preference(c, chat);
                boolean overflow = overflowOn.contains(chat.group());
                for (AgentRecord a : candidates(c, chat, now)) {
                    if (Matching.eligible(c, a, chat, now, excl, overflow) && (best == null || pref.compare(a, best) < 0)) {
                        best = a;
                    }
                }
                if (best == null) {
                    return false;
                }
                if (offer(chat, best)) {
                    return true;
                }
                if (store.chat(chat.chatId()).map(r -> r.state() != ChatState.WAITING).orElse(true)) {
                    return false;
                }
            }
            return false;
        } finally {
            metrics.decision.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Agents who could take the chat on its current step: those with room in its group and in the
     * groups the step opens (all groups for supervisor-only chats). Read from the store's index,
     * so a full house costs nothing to check.
     */
    private List<AgentRecord> candidates(RoutingConfig c, ChatRecord chat, long now) {
        Set<String> groups = new TreeSet<>();
        if (chat.hasTag(c.supervisorTag())) {
            groups.addAll(depths().keySet());
            for (AgentRecord a : store.agents()) {
                if (a.supervisor()) {
                    groups.addAll(a.groups());
                }
            }
        } else {
            groups.add(chat.group());
            groups.addAll(Matching.step(c, chat, now).extraGroups());
        }
        if (groups.size() == 1) {
            return store.agentsWithRoom(chat.group());
        }
        Map<String, AgentRecord> unique = new HashMap<>();
        for (String g : groups) {
            for (AgentRecord a : store.agentsWithRoom(g)) {
                unique.put(a.agentId(), a);
            }
        }
        return new ArrayList<>(unique.values());
    }

    /** Agent-driven: while the agent has room, offers them the best chat they may take. */
    private void fillAgent(String agentId) {
        for (int i = 0; i < 100; i++) {
            Optional<AgentRecord> a = store.agent(agentId).filter(AgentRecord::hasRoom);
            if (a.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            ChatRecord best = bestChatFor(a.get());
            metrics.decision.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
            if (best == null || !offer(best, a.get())) {
                return;
            }
        }
    }

    private ChatRecord bestChatFor(AgentRecord agent) {
        RoutingConfig c = cfg();
        long now = now();
        Set<String> groups = agent.groups();
        if (agent.supervisor() || Matching.servesOverflow(c, groups)) {
            groups = new TreeSet<>(depths().keySet());
        }
        ChatRecord best = null;
        for (String g : groups) {
            for (Tier t : Tier.values()) {
                for (ChatRecord ch : store.waiting(g, t, HEAD_SCAN)) {
                    if (Matching.eligible(c, agent, ch, now, excluded.getOrDefault(ch.chatId(), Set.of()), overflowOn.contains(g))) {
                        if (best == null || io.chatgateway.router.store.MemoryChatStore.QUEUE_ORDER.compare(ch, best) < 0) {
                            best = ch;
                        }
                        break; // the rest of this tier queue ranks lower
                    }
                }
            }
        }
        return best;
    }

    private boolean offer(ChatRecord chat, AgentRecord agent) {
        if (agent.autoAccept()) {
            if (store.tryAssign(chat.chatId(), agent.agentId()) != AssignOutcome.DONE) {
                return false;
            }
            onAssigned(store.chat(chat.chatId()).orElseThrow(), agent);
            return true;
        }
        if (store.tryOffer(chat.chatId(), agent.agentId()) != AssignOutcome.DONE) {
            return false;
        }
        metrics.offers.increment();
        cancelEscalation(chat.chatId());
        int timeout = cfg().offerTimeoutSeconds();
        toAgent(agent.agentId(), new ServerMessage.Offer(chat.chatId(), customerInfo(chat), chat.group(), timeout));
        String agentId = agent.agentId();
        if (shared) {
            store.armTimer(OFFER + chat.chatId() + "|" + agentId, now() + timeout * 1000L); // whichever node is alive expires it
        } else {
            offerTimers.put(chat.chatId(), worker.schedule(() -> guarded(() -> offerExpired(chat.chatId(), agentId)),
                    timeout, TimeUnit.SECONDS));
        }
        log.debug("chat {} offered to agent {}", chat.chatId(), agentId);
        return true;
    }

    private void onAssigned(ChatRecord chat, AgentRecord agent) {
        cancelEscalation(chat.chatId());
        cancelOffer(chat.chatId(), agent.agentId());
        excluded.remove(chat.chatId());
        leftMessage.remove(chat.chatId());
        positionSent.remove(chat.chatId());
        long now = now();
        assignedAt.put(chat.chatId(), now);
        Activity fresh = new Activity(now);
        metrics.assigned.increment();
        metrics.queueWait.record(Math.max(0, now - chat.queuedAt()), TimeUnit.MILLISECONDS);
        ServerMessage.Assigned assigned = store.append(chat.chatId(), seq -> new ServerMessage.Assigned(chat.chatId(), seq,
                new ServerMessage.AgentInfo(agent.agentId(), agent.name()), customerInfo(chat)));
        OutboundFrame f = frame(assigned);
        toCustomer(chat.chatId(), f);
        List<ChatEvent> history = store.eventsAfter(chat.chatId(), 0);
        for (ChatEvent e : history) {
            if (e instanceof ServerMessage.ChatText t && "agent".equals(t.from())) {
                fresh.humanReplied = true; // answered before a transfer: the first-reply SLA was counted then
                break;
            }
        }
        if (shared) {
            store.putCare(chat.chatId(), fresh.toCare());
        } else {
            activity.put(chat.chatId(), fresh);
        }
        armCare(chat.chatId(), fresh, now + cfg().care().agentNudgeSeconds() * 1000L);
        // The agent gets the conversation so far (greeting, what the shopper wrote, transfer notes), then the assignment.
        for (ChatEvent e : history) {
            toAgent(agent.agentId(), e == assigned ? f : frame(e));
        }
        log.debug("chat {} assigned to agent {}", chat.chatId(), agent.agentId());
    }

    private void forgetAssignment(String chatId) {
        assignedAt.remove(chatId);
        if (shared) {
            store.dropCare(chatId);
            store.disarmTimer(CARE + chatId);
        } else {
            activity.remove(chatId);
            careWheel.disarm(chatId);
        }
    }

    // ------------------------------------------------------------------ silence care and reply care

    /**
     * Makes sure the wheel hands the chat back by {@code deadline}. A message usually moves the
     * deadline later, which costs nothing here: the earlier entry comes due, and checkCare re-arms.
     */
    private void armCare(String chatId, Activity a, long deadline) {
        if (a.armedFor != Activity.NONE && a.armedFor <= deadline) {
            return;
        }
        a.armedFor = deadline;
        if (shared) {
            store.armTimer(CARE + chatId, deadline); // keeps the earlier of the two, like the wheel
        } else {
            careWheel.arm(chatId, deadline);
        }
    }


    /** A care deadline of an assigned chat may be due: act on the real state, or re-arm for later. */
    private void checkCare(String chatId) {
        Activity a = shared ? store.care(chatId).map(Activity::new).orElse(null) : activity.get(chatId);
        if (a == null) {
            return;
        }
        a.armedFor = Activity.NONE; // the wheel has handed it back
        Optional<ChatRecord> maybe = store.chat(chatId).filter(c -> c.state() == ChatState.ASSIGNED);
        if (maybe.isEmpty()) {
            forgetAssignment(chatId);
            return;
        }
        ChatRecord chat = maybe.get();
        RoutingConfig.Care care = cfg().care();
        long now = now();
        if (a.awaitingAgentSince != Activity.NONE) {
            long waited = now - a.awaitingAgentSince;
            if (waited >= care.agentReofferSeconds() * 1000L) {
                reofferUnanswered(chat, waited / 1000);
                return;
            }
            if (waited >= care.agentNudgeSeconds() * 1000L && !a.nudged) {
                a.nudged = true;
                if (!careWritten(chatId, a)) {
                    return;
                }
                toAgent(chat.agentId(), new ServerMessage.Nudge(chatId, waited / 1000));
            }
            armCare(chatId, a, a.awaitingAgentSince + (a.nudged ? care.agentReofferSeconds() : care.agentNudgeSeconds()) * 1000L);
        } else if (a.promptedAt == Activity.NONE) {
            long due = a.lastAgent + care.silencePromptSeconds() * 1000L;
            if (now >= due) {
                a.promptedAt = now;
                if (!careWritten(chatId, a)) {
                    return;
                }
                appendAndSend(chat, chat.agentId(), seq -> new ServerMessage.Script(chatId, seq, Kind.SILENCE_CARE.wire(),
                        scripts.render(Kind.SILENCE_CARE, chat.lang(), Map.of())));
                armCare(chatId, a, now + care.silenceCloseSeconds() * 1000L);
            } else {
                armCare(chatId, a, due);
            }
        } else {
            long due = a.promptedAt + care.silenceCloseSeconds() * 1000L;
            if (now >= due) {
                closeChat(chatId, "silence", true);
            } else {
                armCare(chatId, a, due);
            }
        }
    }

    /**
     * Shared store: writes what checkCare decided, unless a message changed the state meanwhile;
     * then nothing is sent and the chat is checked again a second later, on fresh state.
     */
    private boolean careWritten(String chatId, Activity a) {
        if (!shared) {
            return true;
        }
        if (store.replaceCare(chatId, a.version, a.toCare())) {
            a.version++;
            return true;
        }
        store.armTimer(CARE + chatId, now() + 1000);
        return false;
    }

    /** The agent never answered: the chat goes to the next agent (not this one), at its place. */
    private void reofferUnanswered(ChatRecord chat, long waitedSeconds) {
        String from = chat.agentId();
        Optional<ChatRecord> w = store.requeue(chat.chatId(), null);
        if (w.isEmpty()) {
            return;
        }
        forgetAssignment(chat.chatId());
        excluded.computeIfAbsent(chat.chatId(), k -> new HashSet<>()).add(from);
        appendAndSend(chat, from, seq -> new ServerMessage.Transferred(chat.chatId(), seq, "group:" + chat.group(), from,
                "re-offered: the shopper waited " + waitedSeconds + " s for a reply"));
        log.info("chat {} re-offered: agent {} did not reply for {} s", chat.chatId(), from, waitedSeconds);
        if (!routeChat(w.get())) {
            sendQueued(w.get());
            scheduleEscalation(w.get());
        }
        fillAgent(from);
    }

    private void scheduleEscalation(ChatRecord chat) {
        RoutingConfig c = cfg();
        long waited = now() - chat.queuedAt();
        int step = c.stepIndex(chat.tier(), waited);
        long endsAfter = c.stepEndsAfterMillis(chat.tier(), step);
        if (endsAfter < 0) {
            cancelEscalation(chat.chatId());
            return;
        }
        if (shared) {
            // Armed only at step ends, so a due deadline always means a new step (no per-node step map).
            store.disarmTimer(ESCALATE + chat.chatId());
            store.armTimer(ESCALATE + chat.chatId(), chat.queuedAt() + endsAfter);
            return;
        }
        escalationStep.put(chat.chatId(), step);
        escalationWheel.disarm(chat.chatId());
        escalationWheel.arm(chat.chatId(), chat.queuedAt() + endsAfter);
    }

    private void cancelEscalation(String chatId) {
        if (shared) {
            store.disarmTimer(ESCALATE + chatId);
        } else if (escalationStep.remove(chatId) != null) {
            escalationWheel.disarm(chatId);
        }
    }

    /** A waiting chat reached its next escalation step: a new pool, so route it again at once. */
    private void checkEscalation(String chatId) {
        Optional<ChatRecord> w = store.chat(chatId).filter(r -> r.state() == ChatState.WAITING); // may throw: keep the step then
        Integer armedStep = shared ? Integer.valueOf(-1) : escalationStep.remove(chatId);
        if (armedStep == null || w.isEmpty()) {
            return;
        }
        int step = cfg().stepIndex(w.get().tier(), now() - w.get().queuedAt());
        if (step > armedStep) {
            // A new step gives everyone a fresh chance, also agents who passed on the last one.
            excluded.remove(chatId);
            log.debug("chat {} escalates to step {}", chatId, step);
            if (routeChat(w.get())) {
                return;
            }
        }
        scheduleEscalation(w.get());
    }

    // ------------------------------------------------------------------ queue information

    private void sendPositions(String group) {
        if (overflowOn.contains(group)) {
            return; // during overflow, positions go out at most every overflow.updateSeconds (checkOverflow)
        }
        List<ChatRecord> head = store.waiting(group, options.positionUpdates());
        if (head.isEmpty()) {
            return;
        }
        GroupCapacity cap = capacity(group);
        int position = 0;
        for (ChatRecord c : head) {
            position++;
            toCustomer(c.chatId(), new ServerMessage.Queued(c.chatId(), position, cap.eta(position)));
        }
    }

    private void sendQueued(ChatRecord chat) {
        if (!shared && !customerPeers.containsKey(chat.chatId())) {
            return;
        }
        int position = store.position(chat.chatId());
        if (position > 0) {
            toCustomer(chat.chatId(), new ServerMessage.Queued(chat.chatId(), position, etaSeconds(chat.group(), position)));
        }
    }

    private long etaSeconds(String group, int position) {
        return capacity(group).eta(position);
    }

    /** What a group's online agents can take: the inputs of every wait projection, read once per use. */
    private record GroupCapacity(int slots, int free, long handleSeconds, long closedForSeconds) {
        long eta(int position) {
            return closedForSeconds + Matching.projectedWaitSeconds(position, slots, free, handleSeconds);
        }
    }

    private GroupCapacity capacity(String group) {
        ChatStore.GroupLoad load = store.groupLoad(group);
        return new GroupCapacity(load.slots(), load.free(), handleSeconds(group),
                cfg().group(group).secondsUntilOpen(Instant.ofEpochMilli(now())));
    }

    private long handleSeconds(String group) {
        Double ewma = handleMillisEwma.get(group);
        return ewma == null ? options.averageHandleTime().toSeconds() : Math.max(1, Math.round(ewma / 1000));
    }

    private Map<String, Map<Tier, Integer>> depths() {
        Map<String, Map<Tier, Integer>> d = store.queueDepths();
        depths = d;
        return d;
    }

    private void gaugeQueue(String group) {
        if (gaugedQueues.add(group)) {
            for (Tier t : Tier.values()) {
                Gauge.builder("chat.queue.depth", () -> depths.getOrDefault(group, Map.of()).getOrDefault(t, 0))
                        .tag("group", group).tag("tier", t.wire()).description("shoppers waiting")
                        .register(metrics.registry);
            }
        }
    }

    /** Once a second: due care deadlines, then the agents' queue frames. */
    private void tick() {
        // While the store is away, skip the tick: the wheels keep their deadlines and catch up after.
        if (!guarded(this::followStoredConfig)) {
            return;
        }
        guarded(this::followStoredScripts);
        if (shared) {
            guarded(this::runDueTimers);
        }
        careWheel.advance(now(), id -> {
            if (!guarded(() -> checkCare(id))) {
                careWheel.arm(id, now() + 1000); // try again next second
            }
        });
        escalationWheel.advance(now(), id -> {
            if (!guarded(() -> checkEscalation(id))) {
                escalationWheel.arm(id, now() + 1000);
            }
        });
        guarded(this::checkOverflow);
        guarded(this::queueTick);
    }

    /** Shared store: a heartbeat (on the bus's thread) found this node revived, or nodes that died: act on it here. */
    private void afterHeartbeat(NodeBus.Heartbeat beat) {
        if (beat.revived()) {
            // Declared dead during an outage: hold everybody again, so nobody's chats are handed over.
            log.warn("this node had been given up by the others (store outage?); holding its {} shoppers and {} agents again",
                    customerPeers.size(), agentPeers.size());
            customerPeers.keySet().forEach(id -> bus.hold(customerKey(id)));
            for (String agentId : agentPeers.keySet()) {
                bus.hold(agentKey(agentId));
                store.updateAgent(agentId, r -> r.withConnected(true));
                store.disarmTimer(GRACE + agentId);
            }
        }
        if (!beat.lost().isEmpty()) {
            log.warn("a gateway node died; taking over {} of its connections' state", beat.lost().size());
        }
        for (String p : beat.lost()) {
            guarded(() -> {
                if (p.startsWith("a:")) {
                    String agentId = p.substring(2);
                    if (store.agent(agentId).map(AgentRecord::connected).orElse(false)) {
                        agentDisconnected(agentId); // its chats are re-offered once the grace ends, by one node
                    }
                } else if (p.startsWith("c:")) {
                    customerLeft(p.substring(2));
                }
            });
        }
    }

    /** Shared store: claims due deadlines (each goes to exactly one node) and acts on them. */
    private void runDueTimers() {
        for (String name : store.claimDueTimers(now(), TIMERS_PER_CLAIM)) {
            int bar = name.indexOf('|');
            String kind = name.substring(0, bar + 1);
            String id = name.substring(bar + 1);
            boolean done = guarded(() -> {
                switch (kind) {
                    case CARE -> checkCare(id);
                    case ESCALATE -> checkEscalation(id);
                    case GRACE -> graceOver(id);
                    case ABANDON -> sharedAbandonDue(id);
                    case OFFER -> {
                        int split = id.indexOf('|');
                        offerExpired(id.substring(0, split), id.substring(split + 1));
                    }
                    default -> log.warn("unknown shared timer kind {}", kind);
                }
            });
            if (!done) {
                store.armTimer(name, now() + 1000); // claimed but not handled (store hiccup): try again, never drop it
            }
        }
    }

    private static String customerKey(String chatId) {
        return "c:" + chatId;
    }

    private static String agentKey(String agentId) {
        return "a:" + agentId;
    }

    /** Sends to the shopper of a chat: on this node, or through the node that holds them. */
    private void toCustomer(String chatId, OutboundFrame f) {
        Peer p = customerPeers.get(chatId);
        if (p != null) {
            p.send(f);
        } else if (shared) {
            bus.forward(customerKey(chatId), f.bytes(codec));
        }
    }

    private void toCustomer(String chatId, ServerMessage m) {
        toCustomer(chatId, frame(m));
    }

    /** Sends to an agent: on this node, or through the node that holds them. */
    private void toAgent(String agentId, OutboundFrame f) {
        Peer p = agentPeers.get(agentId);
        if (p != null) {
            p.send(f);
        } else if (shared) {
            bus.forward(agentKey(agentId), f.bytes(codec));
        }
    }

    private void toAgent(String agentId, ServerMessage m) {
        toAgent(agentId, frame(m));
    }

    /** A frame another node sent for a participant held here (gone meanwhile: dropped; resume recovers it). */
    private void deliverLocally(String participant, OutboundFrame f) {
        Peer p = participant.startsWith("a:") ? agentPeers.get(participant.substring(2))
                : participant.startsWith("c:") ? customerPeers.get(participant.substring(2)) : null;
        if (p != null) {
            p.send(f);
        }
    }

    /** The participant connected to another node: the connection here is stale, close it (its state is not touched). */
    private void letGo(String participant) {
        if (participant.startsWith("c:")) {
            Peer p = customerPeers.remove(participant.substring(2));
            if (p != null) {
                chatOfConnection.remove(p);
                p.close(1000, "chat resumed on another connection");
            }
        } else if (participant.startsWith("a:")) {
            String agentId = participant.substring(2);
            Peer p = agentPeers.remove(agentId);
            if (p != null) {
                agentOfConnection.remove(p);
                lastQueueFrame.remove(agentId);
                p.close(1000, "signed in on another connection");
            }
        }
    }

    /** Agents get the {@code queue} frame for their groups when it changed. */
    private void queueTick() {
        Map<String, Map<Tier, Integer>> d = depths();
        if (agentPeers.isEmpty()) {
            return;
        }
        long now = now();
        Map<String, ServerMessage.GroupQueue> figures = new HashMap<>();
        for (Map.Entry<String, Map<Tier, Integer>> e : d.entrySet()) {
            int waiting = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
            long oldest = now;
            for (Tier t : Tier.values()) {
                for (ChatRecord c : store.waiting(e.getKey(), t, HEAD_SCAN)) {
                    oldest = Math.min(oldest, c.queuedAt());
                }
            }
            figures.put(e.getKey(), new ServerMessage.GroupQueue(e.getKey(), waiting, (now - oldest) / 1000, overflowOn.contains(e.getKey())));
        }
        for (Map.Entry<String, Peer> e : agentPeers.entrySet()) {
            Optional<AgentRecord> a = store.agent(e.getKey());
            if (a.isEmpty()) {
                continue;
            }
            List<ServerMessage.GroupQueue> mine = new ArrayList<>();
            StringBuilder sig = new StringBuilder();
            for (String g : new TreeSet<>(a.get().groups())) {
                ServerMessage.GroupQueue q = figures.getOrDefault(g, new ServerMessage.GroupQueue(g, 0, 0, false));
                mine.add(q);
                // Waits move every second; resend them in 10 s steps so a quiet queue stays quiet.
                sig.append(g).append(':').append(q.waiting()).append(':').append(q.oldestWaitSeconds() / 10).append(':')
                        .append(q.overflow()).append(';');
            }
            if (!sig.toString().equals(lastQueueFrame.get(e.getKey()))) {
                lastQueueFrame.put(e.getKey(), sig.toString());
                e.getValue().send(frame(new ServerMessage.QueueStatus(mine)));
            }
        }
    }

    // ------------------------------------------------------------------ closing and the chat log

    private void closeChat(String chatId, String reason, boolean withClosingLine) {
        Optional<ChatRecord> before = store.chat(chatId);
        Optional<ChatRecord> closed = store.close(chatId, reason);
        if (closed.isEmpty()) {
            return;
        }
        ChatRecord c = closed.get();
        String agent = null;
        if (before.isPresent() && before.get().state() == ChatState.OFFERED) {
            toAgent(before.get().agentId(), new ServerMessage.OfferWithdrawn(chatId, "the shopper left"));
        } else if (before.isPresent() && before.get().state() == ChatState.ASSIGNED) {
            agent = before.get().agentId();
        }
        String to = agent;
        if (withClosingLine) {
            appendAndSend(c, to, seq -> new ServerMessage.Script(chatId, seq, Kind.CLOSING.wire(),
                    scripts.render(Kind.CLOSING, c.lang(), Map.of("shop", options.shopName()))));
        }
        appendAndSend(c, to, seq -> new ServerMessage.Closed(chatId, seq, reason));
        if (!"abandoned".equals(reason)) {
            appendAndSend(c, null, seq -> new ServerMessage.Script(chatId, seq, Kind.CSAT_INVITE.wire(),
                    scripts.render(Kind.CSAT_INVITE, c.lang(), Map.of())));
        }
        Long at = assignedAt.remove(chatId);
        if (at != null) {
            double took = now() - at;
            handleMillisEwma.merge(c.group(), took, (old, x) -> 0.8 * old + 0.2 * x);
        }
        forgetAssignment(chatId);
        if (agent != null && sampledForQa(chatId)) {
            List<ChatStore.QaSample.Line> lines = new ArrayList<>();
            for (ChatEvent e : store.eventsAfter(chatId, 0)) {
                if (e instanceof ServerMessage.ChatText t) {
                    lines.add(new ChatStore.QaSample.Line(t.from(), t.ts(), Masking.mask(t.text())));
                }
            }
            store.addQaSample(new ChatStore.QaSample(chatId, agent, c.tier().wire(), c.group(), now(), reason, lines));
        }
        cancelEscalation(chatId);
        cancelOffer(chatId, before.map(ChatRecord::agentId).orElse(null));
        cancel(abandonTimers, chatId);
        excluded.remove(chatId);
        leftMessage.remove(chatId);
        positionSent.remove(chatId);
        metrics.closed(reason);
        log.debug("chat {} closed ({})", chatId, reason);
        if (before.isPresent() && before.get().agentId() != null) {
            fillAgent(before.get().agentId());
        }
        sendPositions(c.group());
    }

    /**
     * Appends an event to the chat's log and sends it to the shopper (their view) and to
     * {@code agentId} when not null.
     */
    private <E extends ChatEvent> void appendAndSend(ChatRecord chat, String agentId, LongFunction<E> event) {
        sendEvent(chat, agentId, store.append(chat.chatId(), event));
    }

    /**
     * A chat message of the shopper or the agent: appended and sent, unless a client frame with this
     * key was appended before (a resend: null). The check and the append are one store step, so a
     * failure in between cannot turn a retry into a "duplicate" and lose it; with a shared store the
     * care state moves on in that same step (one round trip per message).
     */
    private ChatStore.Said<ServerMessage.ChatText> appendMessage(ChatRecord chat, String agentId, String clientKey, boolean fromAgent,
                                                                LongFunction<ServerMessage.ChatText> event) {
        ChatStore.Said<ServerMessage.ChatText> said;
        if (shared) {
            said = store.appendMessage(chat.chatId(), clientKey, fromAgent, now(), CARE + chat.chatId(),
                    cfg().care().agentNudgeSeconds() * 1000L, event).orElse(null);
        } else {
            Optional<ServerMessage.ChatText> e = clientKey == null ? Optional.of(store.append(chat.chatId(), event))
                    : store.appendOnce(chat.chatId(), clientKey, event);
            said = e.map(x -> new ChatStore.Said<>(x, null)).orElse(null);
        }
        if (said != null) {
            sendEvent(chat, agentId, said.event());
        }
        return said;
    }

    /** Sends a logged event to the shopper (their view) and to {@code agentId} when not null. */
    private void sendEvent(ChatRecord chat, String agentId, ChatEvent e) {
        ChatEvent forCustomer = e.forCustomer();
        OutboundFrame f = frame(e);
        toCustomer(chat.chatId(), forCustomer == e ? f : frame(forCustomer));
        if (agentId != null) {
            toAgent(agentId, f);
        }
    }

    /** The de-duplication key of a client frame, or null when the client gave no id. */
    private static String clientKey(String side, String id) {
        return id == null ? null : side + id;
    }

    /**
     * Sends the events after {@code lastSeq}. A lastSeq ahead of the log, or events already
     * trimmed, get a clear error and a full resync of what is kept, never a silent gap.
     */
    private void replay(Peer peer, String chatId, long lastSeq, boolean customer) {
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
            peer.send(frame(customer ? e.forCustomer() : e));
        }
    }

    private void checkAck(Peer peer, ClientMessage.Ack a, String chatId) {
        long last = store.lastSeq(chatId);
        if (a.seq() > last) {
            error(peer, a.id(), ErrorCode.INVALID_FIELD, "ack seq " + a.seq() + " is ahead of chat " + chatId
                    + " (expected <= " + last + ")");
        }
    }


    // ------------------------------------------------------------------ configuration

    private ConfigUpdate applyConfig(long expectedVersion, RoutingConfig next, String actor) {
        VersionedConfig current = store.config();
        if (current.version() != expectedVersion) {
            return new ConfigUpdate(false, current, null);
        }
        AuditEntry entry = new AuditEntry(actor, System.currentTimeMillis(), current.version(), current.version() + 1,
                RoutingConfig.diff(current.config(), next));
        Optional<VersionedConfig> applied = store.replaceConfig(expectedVersion, next, entry);
        if (applied.isEmpty()) {
            return new ConfigUpdate(false, store.config(), null);
        }
        log.info("routing config v{} applied by {}: {}", applied.get().version(), actor, entry.changes());
        // Live: re-rank the waiting, new capacities. Assigned chats are not touched.
        store.rerank(c -> next.rankKey(c.tier(), c.tags(), c.queuedAt()));
        for (AgentRecord a : store.agents()) {
            store.updateAgent(a.agentId(), r -> r.withCapacity(next.capacity().get(r.level())));
        }
        adopt(applied.get());
        return new ConfigUpdate(true, config, entry);
    }

    /**
     * Once a second: a configuration changed through another node's admin API (a shared store)
     * is picked up here, so every node routes by the same version within a second.
     */
    private void followStoredConfig() {
        if (store.configVersion() <= config.version()) {
            return; // the usual case: one small read a second, no parsing
        }
        VersionedConfig stored = store.config();
        if (stored.version() > config.version()) {
            log.info("routing config v{} adopted from the shared store", stored.version());
            adopt(stored);
        }
    }

    /** What a node does locally with a new configuration: new ladders for its timers, then route. */
    private void adopt(VersionedConfig next) {
        config = next;
        for (ChatRecord w : allWaiting()) {
            scheduleEscalation(w);
        }
        List<AgentRecord> agents = new ArrayList<>(store.agents());
        agents.sort(java.util.Comparator.comparingDouble(a -> (double) a.load() / a.capacity()));
        for (AgentRecord a : agents) {
            fillAgent(a.agentId());
        }
        for (String g : depths().keySet()) {
            sendPositions(g);
        }
    }

    // ------------------------------------------------------------------ overflow (big-sale surge) mode

    /**
     * Once a second: switches each group's overflow mode on when the queue or the projected wait
     * passes the enter thresholds, off when both are back under the exit thresholds (hysteresis),
     * unless ops forced it; while on, sends position updates at most every updateSeconds.
     */
    private void checkOverflow() {
        RoutingConfig.Overflow o = cfg().overflow();
        overflowForced = store.forcedOverflow(); // ops may have forced it through any node
        Set<String> groups = new TreeSet<>(depths().keySet());
        groups.addAll(overflowForced.keySet());
        for (String g : groups) {
            int depth = depths.getOrDefault(g, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
            // Without online agents there is no capacity to project from: only the depth counts then.
            long projected = depth == 0 || store.groupLoad(g).slots() == 0 ? 0 : etaSeconds(g, depth);
            boolean on = overflowOn.contains(g);
            Boolean forced = overflowForced.get(g);
            boolean next = forced != null ? forced
                    : on ? !(depth < o.exitDepth() && projected < o.exitWaitSeconds())
                    : depth >= o.enterDepth() || projected >= o.enterWaitSeconds();
            if (next != on) {
                setOverflow(g, next, forced != null ? "forced by ops" : "waiting " + depth + ", projected wait " + projected + " s");
            }
        }
        long now = now();
        if (!overflowOn.isEmpty() && now - lastOverflowUpdate >= o.updateSeconds() * 1000L) {
            lastOverflowUpdate = now;
            for (String g : overflowOn) {
                updatePositionsDuringOverflow(g);
            }
        }
    }

    private void setOverflow(String group, boolean on, String why) {
        if (on) {
            overflowOn.add(group);
        } else {
            overflowOn.remove(group);
        }
        log.info("overflow mode {} for group {} ({})", on ? "on" : "off", group, why);
        metrics.registry.counter("chat.overflow.switches", "group", group, "to", on ? "on" : "off").increment();
        if (!on) {
            positionSent.keySet().removeIf(id -> store.chat(id).map(c -> c.group().equals(group)).orElse(true));
            sendPositions(group);
            return;
        }
        RoutingConfig.Overflow o = cfg().overflow();
        ServerMessage.Faq faq = new ServerMessage.Faq(group, o.faq().stream().map(f -> new ServerMessage.FaqEntry(f.question(), f.answer())).toList());
        for (Map.Entry<String, Peer> e : agentPeers.entrySet()) {
            if (store.agent(e.getKey()).map(a -> a.groups().contains(group)).orElse(false)) {
                e.getValue().send(frame(faq));
            }
        }
        // Everyone waiting is told honestly: volume is high, where they stand, how long, and that they may leave a message.
        GroupCapacity cap = capacity(group);
        int position = 0;
        OutboundFrame faqFrame = frame(faq);
        for (ChatRecord c : store.waiting(group, Integer.MAX_VALUE)) {
            position++;
            if (shared && !customerPeers.containsKey(c.chatId())) {
                continue; // every node switches on by itself and tells its own shoppers: one announcement per chat
            }
            int pos = position;
            long eta = cap.eta(pos);
            Kind kind = eta >= o.enterWaitSeconds() / 2 ? Kind.OVERFLOW : Kind.QUEUED;
            appendAndSend(c, null, seq -> new ServerMessage.Script(c.chatId(), seq, kind.wire(),
                    scripts.render(kind, c.lang(), Map.of("position", Integer.toString(pos), "eta", scripts.formatWait(eta, c.lang()),
                            "shop", options.shopName()))));
            Peer p = customerPeers.get(c.chatId());
            if (p != null) {
                p.send(frame(new ServerMessage.Queued(c.chatId(), pos, eta)));
                p.send(faqFrame);
            }
            positionSent.put(c.chatId(), pos);
        }
    }

    /** During overflow: each waiting shopper whose place changed hears it, at most once per update period. */
    private void updatePositionsDuringOverflow(String group) {
        GroupCapacity cap = capacity(group);
        int position = 0;
        for (ChatRecord c : store.waiting(group, Integer.MAX_VALUE)) {
            position++;
            Integer last = positionSent.get(c.chatId());
            Peer p = customerPeers.get(c.chatId());
            if (p != null && (last == null || last != position)) {
                p.send(frame(new ServerMessage.Queued(c.chatId(), position, cap.eta(position))));
                positionSent.put(c.chatId(), position);
            }
        }
    }

    /**
     * The overflow intake: the shopper's request is kept in the chat's log and the chat keeps its
     * place (urgent orders rank first), so it re-enters live routing in order when capacity frees;
     * the shopper may leave and read the answer on their next visit.
     */
    private void leaveMessage(Peer peer, ChatRecord chat, ClientMessage.LeaveMessage lm) {
        if (!overflowOn.contains(chat.group())) {
            error(peer, lm.id(), ErrorCode.UNAVAILABLE, "leave_message is taken only while overflow mode is on; please stay in the queue");
            return;
        }
        if (chat.state() != ChatState.WAITING) {
            error(peer, lm.id(), ErrorCode.CONFLICT, "an agent is already with you in chat " + chat.chatId() + "; just write here");
            return;
        }
        StringBuilder text = new StringBuilder(lm.text());
        if (lm.orderNo() != null) {
            text.append("\n[order ").append(lm.orderNo()).append(']');
        }
        if (lm.topic() != null) {
            text.append("\n[topic ").append(lm.topic()).append(']');
        }
        appendAndSend(chat, null, seq -> new ServerMessage.ChatText(chat.chatId(), seq, "customer", text.toString(), now()));
        leftMessage.add(chat.chatId());
        cancel(abandonTimers, chat.chatId());
        String ref = chat.chatId();
        appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.LEAVE_MESSAGE_ACK.wire(),
                scripts.render(Kind.LEAVE_MESSAGE_ACK, chat.lang(), Map.of("ref", ref, "shop", options.shopName()))));
        metrics.registry.counter("chat.left.message").increment();
    }

    @Override
    public Mono<Boolean> forceOverflow(String group, Boolean on) {
        return onWorker(() -> {
            store.forceOverflow(group, on);
            checkOverflow();
            return overflowOn.contains(group);
        });
    }

    @Override
    public Mono<Map<String, Map<String, String>>> scripts() {
        return onWorker(() -> scripts.all());
    }

    @Override
    public Mono<Map<String, Map<String, String>>> updateScript(String kind, String lang, String text) {
        return onWorker(() -> {
            for (int attempt = 0; attempt < 10; attempt++) {
                ChatStore.EditedScripts current = store.scripts();
                ScriptLibrary base = scripts.withEdits(current.edited()); // throws IllegalArgumentException: the caller answers 400
                ScriptLibrary next = base.with(kind, lang, text);
                Map<String, Map<String, String>> edited = new java.util.TreeMap<>();
                current.edited().forEach((k, v) -> edited.put(k, new java.util.TreeMap<>(v)));
                edited.computeIfAbsent(kind, k -> new java.util.TreeMap<>()).put(lang, text);
                if (store.replaceScripts(current.version(), edited)) {
                    scripts = next;
                    scriptsVersion = current.version() + 1;
                    log.info("script {} ({}) changed, scripts v{}", kind, lang, scriptsVersion);
                    return scripts.all();
                }
            }
            throw new IllegalStateException("script texts changed too often to update; retry");
        });
    }

    /** Script texts edited through another node's admin API (a shared store) are picked up here. */
    private void followStoredScripts() {
        if (store.scriptsVersion() <= scriptsVersion) {
            return;
        }
        ChatStore.EditedScripts stored = store.scripts();
        if (stored.version() > scriptsVersion) {
            scripts = ScriptLibrary.defaults(options.defaultLang()).withEdits(stored.edited());
            scriptsVersion = stored.version();
            log.info("scripts v{} adopted from the shared store", scriptsVersion);
        }
    }

    /**
     * Whether a closed chat goes to quality review: a stable hash of its id against the configured
     * share, so the choice is random across chats but the same on every node.
     */
    private boolean sampledForQa(String chatId) {
        double rate = cfg().qaSampleRate();
        if (rate <= 0) {
            return false;
        }
        int bucket = Math.floorMod(chatId.hashCode() * 0x9E3779B1, 10_000);
        return bucket < rate * 10_000;
    }

    @Override
    public Mono<List<QaReview>> qa(int limit) {
        return onWorker(() -> {
            List<QaReview> out = new ArrayList<>();
            for (ChatStore.QaSample q : store.qaSamples(limit)) {
                out.add(new QaReview(q, store.csat(q.chatId()).orElse(null)));
            }
            return out;
        });
    }

    private List<ChatRecord> allWaiting() {
        List<ChatRecord> all = new ArrayList<>();
        for (String g : depths().keySet()) {
            all.addAll(store.waiting(g, Integer.MAX_VALUE));
        }
        return all;
    }

    // ------------------------------------------------------------------ helpers

    private static ServerMessage.CustomerInfo customerInfo(ChatRecord c) {
        return new ServerMessage.CustomerInfo(c.customerId(), c.customerName(), c.tier().wire(), c.tags());
    }

    private static OutboundFrame frame(ServerMessage m) {
        return OutboundFrame.of(m);
    }

    private static void send(Peer peer, ServerMessage m) {
        if (peer != null) {
            peer.send(frame(m));
        }
    }

    private static void send(Peer peer, OutboundFrame f) {
        if (peer != null) {
            peer.send(f);
        }
    }

    private static void error(Peer peer, String ref, ErrorCode code, String message) {
        peer.send(frame(new ServerMessage.Error(ref, code.wire(), message)));
    }

    private static void cancel(Map<String, Disposable> timers, String key) {
        Disposable d = timers.remove(key);
        if (d != null) {
            d.dispose();
        }
    }

    /**
     * Chat ids sort by creation: the store breaks ties between chats queued in the same
     * millisecond by id, so arrival order must survive in the id. The random tail keeps ids from
     * different nodes apart (every use is checked against the authenticated customer or agent).
     */
    private String newChatId() {
        long seq = (chatCounter++) & 0xFFFF;
        return String.format("c%011x%04x%06x", now(), seq, ThreadLocalRandom.current().nextInt(1 << 24));
    }

    /** Runs timer work; returns false when it failed (an outage is logged in one line, a bug with its stack). */
    private boolean guarded(Runnable r) {
        try {
            r.run();
            return true;
        } catch (StoreUnavailableException e) {
            log.warn("store unavailable during timer work: {}", e.getMessage());
            return false;
        } catch (RuntimeException e) {
            log.error("router timer failed", e);
            return false;
        }
    }

    private RouterSnapshot takeSnapshot() {
        long now = now();
        Map<String, Map<Tier, Integer>> d = depths();
        Set<String> groups = new TreeSet<>(d.keySet());
        List<AgentRecord> agents = store.agents();
        for (AgentRecord a : agents) {
            groups.addAll(a.groups());
        }
        List<RouterSnapshot.GroupFigures> out = new ArrayList<>();
        for (String group : groups) {
            List<ChatRecord> waiting = store.waiting(group, Integer.MAX_VALUE);
            int online = 0;
            int slots = 0;
            int free = 0;
            for (AgentRecord a : agents) {
                if (a.status() == AgentStatus.ONLINE && a.connected() && a.groups().contains(group)) {
                    online++;
                    slots += a.capacity();
                    free += Math.max(0, a.capacity() - a.load());
                }
            }
            long handle = handleSeconds(group);
            long closedFor = cfg().group(group).secondsUntilOpen(Instant.ofEpochMilli(now));
            Map<Tier, long[]> byTier = new java.util.EnumMap<>(Tier.class); // count, oldest queuedAt, last position
            long oldest = now;
            int position = 0;
            for (ChatRecord c : waiting) {
                position++;
                long[] f = byTier.computeIfAbsent(c.tier(), t -> new long[] {0, now, 0});
                f[0]++;
                f[1] = Math.min(f[1], c.queuedAt());
                f[2] = position;
                oldest = Math.min(oldest, c.queuedAt());
            }
            List<RouterSnapshot.TierFigures> tiers = new ArrayList<>();
            for (Tier t : Tier.values()) {
                long[] f = byTier.get(t);
                tiers.add(f == null ? new RouterSnapshot.TierFigures(t.wire(), 0, 0, 0)
                        : new RouterSnapshot.TierFigures(t.wire(), (int) f[0], (now - f[1]) / 1000,
                        closedFor + Matching.projectedWaitSeconds((int) f[2], slots, free, handle)));
            }
            out.add(new RouterSnapshot.GroupFigures(group, closedFor == 0, overflowOn.contains(group),
                    overflowForced.containsKey(group) ? (overflowForced.get(group) ? "on" : "off") : "auto",
                    waiting.size(), (now - oldest) / 1000,
                    waiting.isEmpty() ? 0 : closedFor + Matching.projectedWaitSeconds(waiting.size(), slots, free, handle),
                    online, free, handle, tiers));
        }
        List<RouterSnapshot.AgentFigures> a = new ArrayList<>();
        for (AgentRecord r : agents) {
            a.add(new RouterSnapshot.AgentFigures(r.agentId(), r.name(), r.level().wire(), r.status().wire(), r.connected(),
                    r.supervisor(), r.autoAccept(), r.load(), r.capacity(), List.copyOf(new TreeSet<>(r.groups())),
                    List.copyOf(new TreeSet<>(r.skills()))));
        }
        return new RouterSnapshot(config.version(), out, a);
    }
}
