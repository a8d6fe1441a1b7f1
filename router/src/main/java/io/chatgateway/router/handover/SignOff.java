package io.chatgateway.router.handover;

import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.internal.ChatHooks;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.surge.QueuePositions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Agent status and shift handover. An agent going away has their open offers given to others at
 * once; going {@code offline}, or staying disconnected past the reconnect grace
 * ({@code agentReconnectGrace}, 15 s), hands every open chat back to its group's queue at its
 * original place with a note for the next agent, and the shopper is told. No chat is dropped.
 */
public final class SignOff {
    private static final Logger log = LoggerFactory.getLogger(SignOff.class);
    private final NodeContext ctx;
    private final Delivery delivery;
    private final ChatHooks hooks;
    private final Assignment assignment;
    private final QueuePositions positions;
    private final Map<String, Disposable> graceTimers = new ConcurrentHashMap<>(); // memory store

    public SignOff(NodeContext ctx, Delivery delivery, ChatHooks hooks, Assignment assignment, QueuePositions positions) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.hooks = hooks;
        this.assignment = assignment;
        this.positions = positions;
    }

    /** The gateway changed the agent's status and tells them why. */
    public void setStatusFor(String agentId, AgentStatus status, String why) {
        if (apply(agentId, status, null, why)) {
            delivery.toAgent(agentId, new ServerMessage.StatusChanged(status.wire(), why));
        }
    }

    /**
     * The agent changed their status ({@code reason}: why, their words; required to suspend).
     * Anything but online withdraws their open offers; offline also hands every chat back.
     * Taking transfers only, suspended and away keep the chats they have.
     */
    public void setStatus(String agentId, AgentStatus status, Boolean autoAccept, String reason) {
        apply(agentId, status, autoAccept, reason);
    }

    private boolean apply(String agentId, AgentStatus status, Boolean autoAccept, String reason) {
        String why = reason == null ? null : reason.replaceAll("\\p{Cntrl}", " ").strip(); // kept in compact store rows
        Optional<AgentRecord> a = ctx.store().updateAgent(agentId, r -> {
            AgentRecord n = r.withStatus(status, status == AgentStatus.ONLINE ? null : why).withMissedOffers(0);
            return autoAccept == null ? n : n.withAutoAccept(autoAccept);
        });
        if (a.isEmpty()) {
            return false;
        }
        log.info("agent {} is {}", agentId, status.wire());
        if (status != AgentStatus.ONLINE) {
            assignment.offers().withdrawOffersOf(agentId, switch (status) {
                case AWAY -> "you are away";
                case OFFLINE -> "you went offline";
                case TRANSFERS_ONLY -> "you take transfers only";
                default -> "you suspended taking chats";
            });
        }
        if (status == AgentStatus.OFFLINE) {
            handOver(agentId, "went offline");
        }
        assignment.fillAgent(agentId);
        return true;
    }

    /** The agent is connected (again): no grace running. */
    public void connected(String agentId) {
        Disposable d = graceTimers.remove(agentId);
        if (d != null) {
            d.dispose();
        }
        if (ctx.shared()) {
            ctx.store().disarmTimer(SharedTimers.GRACE + agentId);
        }
    }

    /** An agent's connection is gone (or their node died): offers go to others now, chats after the reconnect grace. */
    public void disconnected(String agentId) {
        ctx.store().updateAgent(agentId, r -> r.withConnected(false));
        // Offers cannot be answered without a connection: give the chats their next chance now.
        assignment.offers().withdrawOffersOf(agentId, null);
        long grace = ctx.options().agentReconnectGrace().toMillis();
        log.info("agent {} disconnected; chats kept for {} ms", agentId, grace);
        Runnable expire = () -> ctx.guarded(() -> {
            graceTimers.remove(agentId);
            if (!delivery.agentHere(agentId)) {
                graceOver(agentId);
            }
        });
        if (grace == 0) {
            expire.run();
        } else if (ctx.shared()) {
            ctx.store().armTimer(SharedTimers.GRACE + agentId, ctx.now() + grace); // any node hands the chats over, exactly once
        } else {
            graceTimers.put(agentId, ctx.later(expire, grace, TimeUnit.MILLISECONDS));
        }
    }

    /** The reconnect grace of an agent ended: unless they are connected again (to any node), their chats go back. */
    public void graceOver(String agentId) {
        if (ctx.shared() && (delivery.agentHere(agentId) || ctx.bus().present(Delivery.agentKey(agentId)))) {
            return;
        }
        ctx.store().updateAgent(agentId, r -> r.withStatus(AgentStatus.OFFLINE));
        handOver(agentId, "lost connection");
    }

    /**
     * Shift handover: every open chat of an agent who leaves goes back to its group's queue at its
     * original place, with a note for the next agent; the shopper is told. None is dropped.
     */
    private void handOver(String agentId, String why) {
        String name = ctx.store().agent(agentId).map(AgentRecord::name).orElse(agentId);
        Set<String> groups = new TreeSet<>();
        for (ChatRecord c : ctx.store().chatsOf(agentId)) {
            if (c.state() != ChatState.ASSIGNED) {
                continue;
            }
            Optional<ChatRecord> waiting = ctx.store().requeue(c.chatId(), null);
            if (waiting.isEmpty()) {
                continue;
            }
            ChatRecord w = waiting.get();
            hooks.unassigned(w.chatId());
            delivery.appendAndSend(c, agentId, seq -> new ServerMessage.Transferred(w.chatId(), seq, "group:" + w.group(), agentId,
                    "handed over: " + name + " " + why));
            delivery.appendAndSend(c, agentId, seq -> new ServerMessage.Script(w.chatId(), seq, Kind.AGENT_LEFT.wire(),
                    ctx.scripts().render(Kind.AGENT_LEFT, w.lang(), Map.of())));
            log.info("chat {} back in queue {} after agent {} {}", w.chatId(), w.group(), agentId, why);
            groups.add(w.group());
            // They just lost their agent: tell them where they stand now, overflow or not.
            assignment.routeOrQueue(w, true);
        }
        groups.forEach(positions::sendPositions);
    }
}
