package io.chatgateway.router.engine;

import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.ConfigUpdate;
import io.chatgateway.router.CustomerIdentity;
import io.chatgateway.router.DryRunResult;
import io.chatgateway.router.Peer;
import io.chatgateway.router.QaReview;
import io.chatgateway.router.Router;
import io.chatgateway.router.RouterOptions;
import io.chatgateway.router.RouterSnapshot;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.care.ChatCare;
import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.chatgateway.router.guard.LanguageGuard;
import io.chatgateway.router.handover.ChatOverview;
import io.chatgateway.router.handover.SignOff;
import io.chatgateway.router.handover.Transfers;
import io.chatgateway.router.internal.ChatHooks;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.DryRun;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.qa.QaSampling;
import io.chatgateway.router.session.AgentSessions;
import io.chatgateway.router.session.ChatClosing;
import io.chatgateway.router.session.ChatLog;
import io.chatgateway.router.session.CustomerSessions;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.surge.LeaveMessageIntake;
import io.chatgateway.router.surge.OverflowMode;
import io.chatgateway.router.surge.QueueBoard;
import io.chatgateway.router.surge.QueuePositions;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One node's router: turns the {@link Router} calls into events and hands each to the feature
 * that owns the rule (session, assignment, care, surge, handover, qa, guard).
 *
 * <p><b>Threading.</b> A chat message (the hot path: one store step that appends it, assigns its
 * seq, drops a resend and moves care on, see {@code ChatStore.say}) is taken on the thread that
 * delivers it, the connection's event loop, so messages use every core and never wait for routing
 * decisions; the store keeps each chat's order, and its frames leave in log order. Every other
 * event (hello, accept, transfer, close, status, timers) runs as one task on a <em>lane</em>
 * ({@link RouterOptions#workers()} of them, each a {@link Scheduler.Worker}): a shopper's events
 * on the lane of their customer id, an agent's on the lane of their agent id, so each
 * participant's events keep their order while different participants' run in parallel. Ticks and
 * admin calls run on lane 0; due deadlines are spread over the lanes. An event may wait for the
 * store without holding its lane (a new shopper's hello does): that participant's later events wait
 * for it, everyone else's run meanwhile ({@link Lanes}). Shared state lives in the
 * {@link ChatStore}, whose atomic steps make decisions safe whichever lanes (or nodes) race, exactly
 * as with several nodes; what a node notes for itself is concurrent. A connection's frames keep
 * their order: while one of its events waits for its lane, its messages queue behind it. At most
 * {@link RouterOptions#maxPendingEvents()} events wait; beyond that clients are told
 * {@code unavailable} rather than buffered without bound.
 *
 * <p><b>Time.</b> The scheduler gives the clock and drives every timer (a tick a second for the
 * timing wheels, overflow checks, queue frames and shared deadlines), so every rule runs in
 * virtual time in tests.
 */
final class DefaultRouter implements Router {
    private static final Logger log = LoggerFactory.getLogger(DefaultRouter.class);
    private static final int TIMERS_PER_CLAIM = 500;

    private final NodeContext ctx;
    private final Lanes lanes;
    private final Delivery delivery;
    private final QueuePositions positions;
    private final OverflowMode overflow;
    private final LeaveMessageIntake intake;
    private final QueueBoard board;
    private final QaSampling qa;
    private final Assignment assignment;
    private final ChatClosing closing;
    private final ChatCare care;
    private final SignOff signOff;
    private final CustomerSessions customers;
    private final AgentSessions agents;
    private final LiveConfig live;
    private final Disposable ticker;

    DefaultRouter(RouterOptions options, ChatStore store, NodeBus bus, Scheduler scheduler, MeterRegistry meters) {
        ctx = new NodeContext(options, store, bus, scheduler, meters);
        lanes = new Lanes(ctx);
        ChatHooks hooks = new Hooks();
        delivery = new Delivery(ctx);
        positions = new QueuePositions(ctx, delivery);
        overflow = new OverflowMode(ctx, delivery, positions);
        intake = new LeaveMessageIntake(ctx, delivery, overflow, positions);
        board = new QueueBoard(ctx, delivery, positions, overflow);
        qa = new QaSampling(ctx);
        assignment = new Assignment(ctx, delivery, hooks, positions, overflow, intake);
        closing = new ChatClosing(ctx, delivery, hooks, assignment, positions, intake, qa);
        care = new ChatCare(ctx, delivery, assignment, positions, closing);
        signOff = new SignOff(ctx, delivery, hooks, assignment, positions);
        Transfers transfers = new Transfers(ctx, delivery, hooks, assignment);
        ChatLog chatLog = new ChatLog(ctx, delivery);
        customers = new CustomerSessions(ctx, delivery, chatLog, closing, assignment, positions, intake, qa);
        agents = new AgentSessions(ctx, delivery, hooks, chatLog, closing, assignment, signOff, transfers, board, new LanguageGuard(),
                new ChatOverview(ctx));
        live = new LiveConfig(ctx, assignment, positions);
        if (ctx.shared()) {
            // The first beat happens here, before this node holds anyone: a node dying early is still found.
            bus.startHeartbeats(beat -> {
                if (beat.revived() || !beat.lost().isEmpty()) {
                    lanes.submit(null, null, null, () -> afterHeartbeat(beat));
                }
            });
        }
        ticker = ctx.lane(0).schedulePeriodically(() -> ctx.asLane(0, () -> ctx.guarded(this::tick)), 1, 1, TimeUnit.SECONDS);
        bus.listen(new NodeBus.Listener() {
            @Override
            public void deliver(String participant, byte[] json) {
                // Straight to the connection from the bus's thread (the connection maps are concurrent, a send never
                // blocks): no hop through the worker, and frames for one participant keep the order they came in.
                delivery.deliverLocally(participant, OutboundFrame.preEncoded(json));
            }

            @Override
            public void movedAway(String participant) {
                lanes.submit(participant.startsWith("a:") ? participant.substring(2) : null, null, null, () -> letGo(participant));
            }
        });
    }

    /** How the features tell each other what happened (see {@link ChatHooks}). */
    private final class Hooks implements ChatHooks {
        @Override
        public java.util.concurrent.CompletionStage<Void> assigned(ChatRecord chat, long nowMillis, boolean humanReplied) {
            return care.assigned(chat, nowMillis, humanReplied);
        }

        @Override
        public void unassigned(String chatId) {
            care.forget(chatId);
        }

        @Override
        public void agentReplied(String chatId, ChatStore.Spoken<?> said, Runnable firstReply) {
            care.agentReplied(chatId, said, firstReply);
        }

        @Override
        public void setAway(String agentId, String reason) {
            signOff.setStatusFor(agentId, AgentStatus.AWAY, reason);
        }
    }

    // ------------------------------------------------------------------ entry points

    @Override
    public void customerHello(Peer peer, CustomerIdentity who, ClientMessage.ResumePoint resume) {
        lanes.submit(lanes.bind(peer, who.customerId()), peer, null, () -> {
            if (!peer.isOpen()) {
                return null; // gone before its lane got to it (a surge backlog): no chat to greet, queue and abandon
            }
            java.util.concurrent.CompletionStage<?> hello;
            try {
                hello = customers.hello(peer, who, resume); // may wait for the store without holding the lane
            } catch (RuntimeException e) {
                delivery.open(peer);
                throw e;
            }
            return hello.whenComplete((done, failed) -> delivery.open(peer)); // welcome and replay sent: live frames flow
        }, true);
    }

    @Override
    public void customerFrame(Peer peer, ClientMessage message) {
        if (message instanceof ClientMessage.SendText && !lanes.busy(peer)) {
            // on this thread: it never blocks; and no log context (it logs nothing but failures, with their stack)
            Lanes.run(peer, message.id(), () -> customers.frame(peer, message));
        } else {
            lanes.submit(lanes.of(peer), peer, message.id(), () -> {
                String chatId = delivery.chatOf(peer);
                if (chatId != null) {
                    MDC.put("chat", chatId);
                }
                try {
                    return customers.frame(peer, message); // a close may wait for the store without holding the lane
                } finally {
                    MDC.remove("chat");
                }
            }, ordered(message));
        }
    }

    /**
     * Whether later messages of the connection must wait for this frame: not for typing notices and
     * acks, which change nothing a message depends on (a widget sends typing before most messages,
     * which would otherwise all leave the hot path).
     */
    private static boolean ordered(ClientMessage m) {
        return !(m instanceof ClientMessage.Typing || m instanceof ClientMessage.Ack);
    }

    @Override
    public void customerGone(Peer peer) {
        lanes.submit(lanes.unbind(peer), null, null, () -> {
            MDC.put("conn", peer.connectionId());
            try {
                return customers.gone(peer); // may wait for the store without holding the lane
            } finally {
                MDC.remove("conn");
            }
        }, true);
    }

    @Override
    public void agentHello(Peer peer, AgentIdentity who, List<ClientMessage.ResumePoint> resume, Boolean autoAccept) {
        lanes.submit(lanes.bind(peer, who.agentId()), peer, null, () -> {
            try {
                agents.hello(peer, who, resume, autoAccept);
            } finally {
                delivery.open(peer);
            }
        });
    }

    @Override
    public void agentFrame(Peer peer, ClientMessage message) {
        if (message instanceof ClientMessage.SendText && !lanes.busy(peer)) {
            Lanes.run(peer, message.id(), () -> agents.frame(peer, message)); // as customerFrame's hot path
        } else {
            lanes.submit(lanes.of(peer), peer, message.id(), Lanes.Event.of(() -> withIds(null, chatIdOf(message),
                    () -> agents.frame(peer, message))), ordered(message));
        }
    }

    @Override
    public void agentGone(Peer peer) {
        lanes.submit(lanes.unbind(peer), null, null, () -> withIds(peer, null, () -> agents.gone(peer)));
    }

    @Override
    public Mono<RouterSnapshot> snapshot() {
        return onWorker(board::snapshot);
    }

    @Override
    public Mono<VersionedConfig> config() {
        return onWorker(ctx::config);
    }

    @Override
    public Mono<ConfigUpdate> updateConfig(long expectedVersion, RoutingConfig next, String actor) {
        return onWorker(() -> live.apply(expectedVersion, next, actor));
    }

    @Override
    public Mono<DryRunResult> dryRun(RoutingConfig proposed) {
        return onWorker(() -> DryRun.compute(ctx.config(), proposed, live.allWaiting(), ctx.store().agents(),
                positions::handleSeconds, ctx.now()));
    }

    @Override
    public Mono<List<AuditEntry>> audit(int limit) {
        return onWorker(() -> ctx.store().audit(limit));
    }

    @Override
    public Mono<Boolean> forceOverflow(String group, Boolean on) {
        return onWorker(() -> overflow.force(group, on));
    }

    @Override
    public Mono<Boolean> setWeight(String agentId, int weight) {
        if (weight < AgentRecord.MIN_WEIGHT || weight > AgentRecord.MAX_WEIGHT) {
            return Mono.error(new IllegalArgumentException("weight " + weight + " (expected: " + AgentRecord.MIN_WEIGHT + ".."
                    + AgentRecord.MAX_WEIGHT + ")"));
        }
        return onWorker(() -> ctx.store().updateAgent(agentId, a -> a.withWeight(weight)).isPresent());
    }

    @Override
    public Mono<Map<String, Map<String, String>>> scripts() {
        return onWorker(() -> ctx.scripts().all());
    }

    @Override
    public Mono<Map<String, Map<String, String>>> updateScript(String kind, String lang, String text) {
        return onWorker(() -> live.updateScript(kind, lang, text));
    }

    @Override
    public Mono<List<QaReview>> qa(int limit) {
        return onWorker(() -> qa.reviews(limit));
    }

    @Override
    public void close() {
        ticker.dispose();
        ctx.dispose();
    }

    @Override
    public Mono<Void> settle() {
        return lanes.settle();
    }

    /** Admin calls run on lane 0, between its events and ticks. */
    private <T> Mono<T> onWorker(Supplier<T> work) {
        return lanes.onLaneZero(work);
    }

    /** Runs {@code task} with the connection and chat ids (either may be null) in the log context. */
    private static void withIds(Peer peer, String chatId, Runnable task) {
        if (peer != null) {
            MDC.put("conn", peer.connectionId());
        }
        if (chatId != null) {
            MDC.put("chat", chatId);
        }
        try {
            task.run();
        } finally {
            if (chatId != null) {
                MDC.remove("chat");
            }
            if (peer != null) {
                MDC.remove("conn");
            }
        }
    }

    /** The chat an agent's frame names, if any. */
    private static String chatIdOf(ClientMessage m) {
        if (m instanceof ClientMessage.SendText t) {
            return t.chatId();
        } else if (m instanceof ClientMessage.Typing t) {
            return t.chatId();
        } else if (m instanceof ClientMessage.Ack a) {
            return a.chatId();
        } else if (m instanceof ClientMessage.Close c) {
            return c.chatId();
        } else if (m instanceof ClientMessage.Accept a) {
            return a.chatId();
        } else if (m instanceof ClientMessage.Reject r) {
            return r.chatId();
        } else if (m instanceof ClientMessage.Transfer t) {
            return t.chatId();
        }
        return null;
    }

    // ------------------------------------------------------------------ time

    /** Once a second: live config, due deadlines, overflow modes, then the agents' queue frames. */
    private void tick() {
        // While the store is away, skip the tick: the wheels keep their deadlines and catch up after.
        if (!ctx.guarded(live::followStoredConfig)) {
            return;
        }
        ctx.guarded(live::followStoredScripts);
        ctx.guarded(this::runDueTimers);
        assignment.escalation().advance();
        ctx.guarded(overflow::check);
        ctx.guarded(() -> positions.tick(ctx.lastDepths().keySet())); // places changed by other nodes' events
        ctx.guarded(board::tick);
        ctx.guarded(() -> ctx.metrics().eta.refresh(ctx.cfg().groups().keySet(), ctx.now()));
    }

    /**
     * Claims the store's due deadlines (with a shared store each goes to exactly one node) and acts
     * on each on a lane: an agent's (grace, offer) on the agent's lane, a chat's spread by its id.
     */
    private void runDueTimers() {
        for (String name : ctx.store().claimDueTimers(ctx.now(), TIMERS_PER_CLAIM)) {
            int bar = name.indexOf('|');
            String kind = name.substring(0, bar + 1);
            String id = name.substring(bar + 1);
            boolean offer = SharedTimers.OFFER.equals(kind) || SharedTimers.OWNER_OFFER.equals(kind);
            String key = offer ? id.substring(id.indexOf('|') + 1) : id; // an offer's: its agent
            lanes.submit(key, null, null, () -> runDue(name, kind, id));
        }
    }

    private void runDue(String name, String kind, String id) {
        boolean done = ctx.guarded(() -> {
            switch (kind) {
                case SharedTimers.CARE -> care.check(id);
                case SharedTimers.ESCALATE -> assignment.escalation().due(id);
                case SharedTimers.GRACE -> signOff.graceOver(id);
                case SharedTimers.ABANDON -> closing.sharedAbandonDue(id);
                case SharedTimers.OFFER, SharedTimers.OWNER_OFFER -> {
                    int split = id.indexOf('|');
                    assignment.offers().expired(id.substring(0, split), id.substring(split + 1), SharedTimers.OWNER_OFFER.equals(kind));
                }
                default -> log.warn("unknown shared timer kind {}", kind);
            }
        });
        if (!done) {
            ctx.store().armTimer(name, ctx.now() + 1000); // claimed but not handled (store hiccup): try again, never drop it
        }
    }

    // ------------------------------------------------------------------ other nodes

    /** Shared store: a heartbeat (on the bus's thread) found this node revived, or nodes that died: act on it here. */
    private void afterHeartbeat(NodeBus.Heartbeat beat) {
        if (beat.revived()) {
            // Declared dead during an outage: hold everybody again, so nobody's chats are handed over.
            log.warn("this node had been given up by the others (store outage?); holding its {} shoppers and {} agents again",
                    delivery.customers().size(), delivery.agents().size());
            delivery.customers().keySet().forEach(id -> ctx.bus().hold(Delivery.customerKey(id)));
            for (String agentId : delivery.agents().keySet()) {
                ctx.bus().hold(Delivery.agentKey(agentId));
                ctx.store().updateAgent(agentId, r -> r.withConnected(true));
                ctx.store().disarmTimer(SharedTimers.GRACE + agentId);
            }
        }
        if (!beat.lost().isEmpty()) {
            log.warn("a gateway node died; taking over {} of its connections' state", beat.lost().size());
        }
        for (String p : beat.lost()) {
            ctx.guarded(() -> {
                if (p.startsWith("a:")) {
                    String agentId = p.substring(2);
                    if (ctx.store().agent(agentId).map(AgentRecord::connected).orElse(false)) {
                        signOff.disconnected(agentId); // its chats are re-offered once the grace ends, by one node
                    }
                } else if (p.startsWith("c:")) {
                    ctx.await(closing.customerLeft(p.substring(2)));
                }
            });
        }
    }

    /** The participant connected to another node: the connection here is stale, close it (its state is not touched). */
    private void letGo(String participant) {
        if (participant.startsWith("c:")) {
            Peer p = delivery.letGoCustomer(participant.substring(2));
            if (p != null) {
                p.close(1000, "chat resumed on another connection");
            }
        } else if (participant.startsWith("a:")) {
            String agentId = participant.substring(2);
            Peer p = delivery.letGoAgent(agentId);
            if (p != null) {
                board.forget(agentId);
                p.close(1000, "signed in on another connection");
            }
        }
    }
}
