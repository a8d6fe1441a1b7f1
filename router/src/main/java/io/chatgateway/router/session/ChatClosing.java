package io.chatgateway.router.session;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.internal.ChatHooks;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.qa.QaSampling;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.surge.LeaveMessageIntake;
import io.chatgateway.router.surge.QueuePositions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * How a chat ends, once: closed by either side, by silence care, or given up as abandoned.
 * A close thanks the shopper (closing line), tells both sides, invites a satisfaction answer
 * (not after an abandoned wait), feeds the handling-time average and QA sampling, and frees the
 * agent's slot for the next chat.
 *
 * <p><b>Abandoned waits.</b> A waiting shopper whose widget stays disconnected for
 * {@code abandonAfter} (2 min) leaves the queue; a phone on a flaky network comes back in time,
 * a closed tab does not. A chat that left a message is never abandoned.
 */
public final class ChatClosing {
    private static final Logger log = LoggerFactory.getLogger(ChatClosing.class);
    private final NodeContext ctx;
    private final Delivery delivery;
    private final ChatHooks hooks;
    private final Assignment assignment;
    private final QueuePositions positions;
    private final LeaveMessageIntake intake;
    private final QaSampling qa;
    private final Map<String, Disposable> abandonTimers = new ConcurrentHashMap<>(); // memory store

    public ChatClosing(NodeContext ctx, Delivery delivery, ChatHooks hooks, Assignment assignment, QueuePositions positions,
                       LeaveMessageIntake intake, QaSampling qa) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.hooks = hooks;
        this.assignment = assignment;
        this.positions = positions;
        this.intake = intake;
        this.qa = qa;
    }

    /**
     * Closes an open chat once (a second close of the same chat does nothing); true when this call
     * closed it. The close step and the closing lines go on from the store's answers without holding
     * the lane; what follows (the agent's next chat, the queue's new places) runs on the lane.
     */
    public CompletionStage<Boolean> close(String chatId, String reason, boolean withClosingLine) {
        return ctx.thenAtOnce(ctx.store().closeAsync(chatId, reason), closed -> closed.isEmpty() ? NOT_NOW
                : closed(closed.get(), reason, withClosingLine));
    }

    private static final CompletionStage<Boolean> NOT_NOW = CompletableFuture.completedFuture(false);

    private CompletionStage<Boolean> closed(ChatStore.Closed closed, String reason, boolean withClosingLine) {
        ChatRecord c = closed.chat();
        String chatId = c.chatId();
        ChatState was = closed.was();
        String held = was == ChatState.OFFERED || was == ChatState.ASSIGNED ? c.agentId() : null; // offered to or assigned to
        if (was == ChatState.OFFERED) {
            delivery.toAgent(held, new ServerMessage.OfferWithdrawn(chatId, "the shopper left"));
        }
        String to = was == ChatState.ASSIGNED ? held : null; // the agent who had the chat hears how it ended
        CompletionStage<?> lines = withClosingLine ? delivery.appendAndSendAsync(c, to, seq -> new ServerMessage.Script(chatId, seq,
                Kind.CLOSING.wire(), ctx.scripts().render(Kind.CLOSING, c.lang(), Map.of("shop", ctx.options().shopName()))))
                : NodeContext.DONE;
        lines = ctx.thenAtOnce(lines, line -> delivery.appendAndSendAsync(c, to, seq -> new ServerMessage.Closed(chatId, seq, reason)));
        if (!"abandoned".equals(reason)) {
            lines = ctx.thenAtOnce(lines, line -> delivery.appendAndSendAsync(c, null, seq -> new ServerMessage.Script(chatId, seq,
                    Kind.CSAT_INVITE.wire(), ctx.scripts().render(Kind.CSAT_INVITE, c.lang(), Map.of()))));
        }
        // What follows runs on the lane; the agent's next chat is found without holding it, then the queue's places.
        CompletionStage<Void> next = ctx.thenOnLane(lines, sent -> {
            afterClose(c, reason, held, to);
            return held != null ? assignment.fillAgentAsync(held) : NodeContext.DONE;
        });
        return ctx.thenOnLane(next, filled -> {
            positions.sendPositions(c.group());
            return CompletableFuture.completedFuture(true);
        });
    }

    /** The chat is closed and its last lines are in its log: what the node noted about it goes. */
    private void afterClose(ChatRecord c, String reason, String held, String to) {
        String chatId = c.chatId();
        positions.finishedHandling(chatId, c.group());
        hooks.unassigned(chatId);
        if (to != null) {
            qa.closed(c, to, reason);
        }
        assignment.closed(chatId, held);
        Disposable abandon = abandonTimers.remove(chatId);
        if (abandon != null) {
            abandon.dispose();
        }
        intake.forget(chatId);
        positions.forget(chatId);
        ctx.metrics().closed(reason);
        log.debug("chat {} closed ({})", chatId, reason);
    }

    // ---- abandoned waits

    /**
     * A waiting shopper's connection is gone (or their node died): keep the place for a while, then
     * give it up. Waits for the store without holding the lane.
     */
    public CompletionStage<Void> customerLeft(String chatId) {
        return ctx.thenAtOnce(ctx.store().chatAsync(chatId), chat -> {
            if (chat.filter(c -> c.state() == ChatState.WAITING && !intake.leftHere(c.chatId())).isEmpty()) {
                return NodeContext.DONE;
            }
            if (ctx.shared()) {
                return ctx.store().armTimerAsync(SharedTimers.ABANDON + chatId, ctx.now() + ctx.options().abandonAfter().toMillis());
            }
            abandonTimers.put(chatId, ctx.later(() -> {
                abandonTimers.remove(chatId);
                if (!delivery.customerHere(chatId)) {
                    abandonIfStillWaiting(chatId);
                }
            }, ctx.options().abandonAfter().toMillis(), TimeUnit.MILLISECONDS));
            return NodeContext.DONE;
        });
    }


    /** The shopper is back (on this node): their place is kept. */
    void cancelAbandon(String chatId) {
        Disposable d = abandonTimers.remove(chatId);
        if (d != null) {
            d.dispose();
        }
        if (ctx.shared()) {
            ctx.store().disarmTimer(SharedTimers.ABANDON + chatId);
        }
    }

    /** A shared abandon deadline came due on this node: the shopper may be back on any node, or have left a message. */
    public void sharedAbandonDue(String chatId) {
        if (delivery.customerHere(chatId) || ctx.bus().present(Delivery.customerKey(chatId)) || intake.leftAMessage(chatId)) {
            return;
        }
        abandonIfStillWaiting(chatId);
    }

    private void abandonIfStillWaiting(String chatId) {
        ctx.store().chat(chatId).filter(w -> w.state() == ChatState.WAITING).ifPresent(w -> ctx.await(close(chatId, "abandoned", false)));
    }
}
