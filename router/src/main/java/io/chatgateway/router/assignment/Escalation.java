package io.chatgateway.router.assignment;

import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.internal.DeadlineWheel;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Escalation ladders: each tier has steps that widen who may take a waiting chat (levels, extra
 * groups), each with its own duration. When a step ends the next starts at once and the chat is
 * routed again, agents who passed on the last step included, so a shopper never waits unseen.
 * One deadline per waiting chat, at its next step boundary: a timing-wheel entry on one node, a
 * shared deadline with a shared store.
 */
public final class Escalation {
    private static final Logger log = LoggerFactory.getLogger(Escalation.class);
    private final NodeContext ctx;
    private final Assignment assignment;
    private final DeadlineWheel wheel;
    private final Map<String, Integer> armedStep = new ConcurrentHashMap<>(); // chatId -> step it was armed on

    Escalation(NodeContext ctx, Assignment assignment) {
        this.ctx = ctx;
        this.assignment = assignment;
        this.wheel = new DeadlineWheel(1000, 4096, ctx.now());
    }

    /** Arms the waiting chat's next step boundary (none after the last step). */
    public void schedule(ChatRecord chat) {
        RoutingConfig c = ctx.cfg();
        long waited = ctx.now() - chat.queuedAt();
        int step = c.stepIndex(chat.tier(), waited);
        long endsAfter = c.stepEndsAfterMillis(chat.tier(), step);
        if (endsAfter < 0) {
            cancel(chat.chatId());
            return;
        }
        if (ctx.shared()) {
            // Armed only at step ends, so a due deadline always means a new step (no per-node step map).
            ctx.store().disarmTimer(SharedTimers.ESCALATE + chat.chatId());
            ctx.store().armTimer(SharedTimers.ESCALATE + chat.chatId(), chat.queuedAt() + endsAfter);
            return;
        }
        armedStep.put(chat.chatId(), step);
        wheel.disarm(chat.chatId());
        wheel.arm(chat.chatId(), chat.queuedAt() + endsAfter);
    }

    public void cancel(String chatId) {
        if (ctx.shared()) {
            ctx.store().disarmTimer(SharedTimers.ESCALATE + chatId);
        } else if (armedStep.remove(chatId) != null) {
            wheel.disarm(chatId);
        }
    }

    /** Once a second (one node): steps that ended. A step whose check failed is tried again a second later. */
    public void advance() {
        wheel.advance(ctx.now(), id -> {
            if (!ctx.guarded(() -> due(id))) {
                wheel.arm(id, ctx.now() + 1000);
            }
        });
    }

    /** A waiting chat reached its next escalation step: a new pool, so route it again at once. */
    public void due(String chatId) {
        Optional<ChatRecord> w = ctx.store().chat(chatId).filter(r -> r.state() == ChatState.WAITING); // may throw: keep the step then
        Integer step0 = ctx.shared() ? Integer.valueOf(-1) : armedStep.remove(chatId);
        if (step0 == null || w.isEmpty()) {
            return;
        }
        int step = ctx.cfg().stepIndex(w.get().tier(), ctx.now() - w.get().queuedAt());
        if (step > step0) {
            // A new step gives everyone a fresh chance, also agents who passed on the last one.
            assignment.forgetExcluded(chatId);
            log.debug("chat {} escalates to step {}", chatId, step);
            if (assignment.routeChat(w.get())) {
                return;
            }
        }
        schedule(w.get());
    }
}
