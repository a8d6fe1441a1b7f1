package io.chatgateway.router.care;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.session.ChatClosing;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.surge.QueuePositions;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Silence care and reply care of assigned chats.
 *
 * <ul>
 *   <li><b>Silence care</b>: where the agent spoke last, a shopper silent for
 *       {@code care.silencePromptSeconds} gets the {@code silence_care} script; still silent
 *       {@code care.silenceCloseSeconds} later the chat closes politely ({@code silence}).</li>
 *   <li><b>Reply care</b>: a shopper whose message (or new assignment) waits
 *       {@code care.agentNudgeSeconds} for the agent makes the gateway {@code nudge} the agent; after
 *       {@code care.agentReofferSeconds} the chat goes to another agent at its place.</li>
 *   <li><b>Idle chats free capacity</b>: where the agent spoke last, a shopper quiet for
 *       {@code care.idleSeconds} (a shopper gone to pay during 11.11) stops holding a slot: the chat
 *       stops counting against the agent's capacity ({@code ChatStore.idle}) and the agent gets the
 *       best waiting chat for it; the agent keeps the quiet chat, and when its shopper writes again it
 *       counts again ({@code ChatStore.wake}), over capacity if need be.</li>
 * </ul>
 *
 * <p><b>Timers at scale.</b> No cancel-and-reschedule per message: the care state (who spoke
 * when) lives in the store next to the chat's log, and the message's own store step moves it on
 * ({@code ChatStore.say}), on whichever thread took the message, never through the worker. One
 * deadline per chat is armed in the store ({@code care|<chat>}, the earlier kept); when it comes
 * due (claimed once a second, by exactly one node with a shared store), {@link #check} fires or
 * re-arms for the real deadline. The same rule runs on one node (memory store) and on several.
 */
public final class ChatCare {
    private static final Logger log = LoggerFactory.getLogger(ChatCare.class);
    private final NodeContext ctx;
    private final Delivery delivery;
    private final Assignment assignment;
    private final QueuePositions positions;
    private final ChatClosing closing;
    /** Who spoke last in an assigned chat, as read from the store for a check. */
    private static final class Activity {
        static final long NONE = Long.MIN_VALUE;
        long lastAgent;
        long awaitingAgentSince; // while the shopper's message (or the assignment) waits for an agent reply, else NONE
        boolean nudged;
        long promptedAt = NONE;
        boolean humanReplied; // for the first-reply SLA (a chat's first human answer comes after its assignment)
        boolean idle; // the quiet shopper's chat does not count against the agent's capacity
        long version; // of the stored copy this was read from

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
            this.idle = c.idle();
        }

        ChatStore.Care toCare() {
            return new ChatStore.Care(version, lastAgent, awaitingAgentSince, nudged, promptedAt, humanReplied, idle);
        }
    }

    public ChatCare(NodeContext ctx, Delivery delivery, Assignment assignment, QueuePositions positions, ChatClosing closing) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.assignment = assignment;
        this.positions = positions;
        this.closing = closing;
    }

    /** The chat was just assigned: the shopper now waits for the agent's first words. */
    public java.util.concurrent.CompletionStage<Void> assigned(ChatRecord chat, long now, boolean humanReplied) {
        Activity fresh = new Activity(now);
        fresh.humanReplied = humanReplied;
        String chatId = chat.chatId();
        long nudge = ctx.cfg().care().agentNudgeSeconds() * 1000L;
        return ctx.store().putCareAsync(chatId, fresh.toCare()) // then its first deadline (the earlier armed kept)
                .thenCompose(put -> ctx.store().armCareAsync(chatId, SharedTimers.CARE + chatId, now + nudge, nudge)).thenApply(due -> null);
    }

    /** The chat is no longer assigned: no care for it, and its handling time no longer runs. */
    public void forget(String chatId) {
        positions.stoppedHandling(chatId);
        ctx.store().dropCare(chatId);
        ctx.store().disarmTimer(SharedTimers.CARE + chatId);
    }

    /**
     * An agent's message was appended; called on any thread (the hot path does not go through the
     * worker). Its store step moved the care on already (as a shopper's message does: nothing to do
     * here for those); {@code firstReply} runs on the worker after the chat's first human reply.
     */
    public void agentReplied(String chatId, ChatStore.Spoken<?> said, Runnable firstReply) {
        if (said.careBefore() != null && !said.careBefore().humanReplied()) {
            ctx.onWorker(firstReply);
        }
    }

    /** Makes sure the chat is checked by {@code deadline} (the earlier armed deadline is kept, the nudge's too). */
    private void arm(String chatId, long deadline) {
        ctx.store().armCare(chatId, SharedTimers.CARE + chatId, deadline, ctx.cfg().care().agentNudgeSeconds() * 1000L);
    }

    /** A care deadline of an assigned chat may be due: act on the real state, or re-arm for later. */
    public void check(String chatId) {
        Activity a = ctx.store().care(chatId).map(Activity::new).orElse(null);
        if (a == null) {
            return;
        }
        Optional<ChatRecord> maybe = ctx.store().chat(chatId).filter(c -> c.state() == ChatState.ASSIGNED);
        if (maybe.isEmpty()) {
            forget(chatId);
            return;
        }
        ChatRecord chat = maybe.get();
        RoutingConfig.Care care = ctx.cfg().care();
        long now = ctx.now();
        if (a.awaitingAgentSince != Activity.NONE) {
            long waited = now - a.awaitingAgentSince;
            if (waited >= care.agentReofferSeconds() * 1000L) {
                reofferUnanswered(chat, waited / 1000);
                return;
            }
            if (waited >= care.agentNudgeSeconds() * 1000L && !a.nudged) {
                a.nudged = true;
                if (!written(chatId, a)) {
                    return;
                }
                delivery.toAgent(chat.agentId(), new ServerMessage.Nudge(chatId, waited / 1000));
            }
            arm(chatId, a.awaitingAgentSince + (a.nudged ? care.agentReofferSeconds() : care.agentNudgeSeconds()) * 1000L);
        } else {
            // The agent spoke last: the shopper's silence runs (the slot freed, then the silence prompt, then the close).
            long idleDue = care.idleSeconds() > 0 && !a.idle ? a.lastAgent + care.idleSeconds() * 1000L : Long.MAX_VALUE;
            if (now >= idleDue) {
                if (!freeSlot(chat, a)) {
                    return; // the shopper wrote meanwhile: checked again on fresh state
                }
                idleDue = Long.MAX_VALUE;
            }
            long next;
            if (a.promptedAt == Activity.NONE) {
                next = a.lastAgent + care.silencePromptSeconds() * 1000L;
                if (now >= next) {
                    a.promptedAt = now;
                    if (!written(chatId, a)) {
                        return;
                    }
                    delivery.appendAndSend(chat, chat.agentId(), seq -> new ServerMessage.Script(chatId, seq, Kind.SILENCE_CARE.wire(),
                            ctx.scripts().render(Kind.SILENCE_CARE, chat.lang(), Map.of())));
                    next = now + care.silenceCloseSeconds() * 1000L;
                }
            } else {
                next = a.promptedAt + care.silenceCloseSeconds() * 1000L;
                if (now >= next) {
                    ctx.await(closing.close(chatId, "silence", true));
                    return;
                }
            }
            arm(chatId, Math.min(next, idleDue));
        }
    }

    /**
     * The shopper went quiet: the chat stops counting against the agent, who gets the best waiting
     * chat for the slot. The store step comes first, then the care flag that tells the message path
     * to count the chat again; if a message came in between, the step is undone. False then.
     */
    private boolean freeSlot(ChatRecord chat, Activity a) {
        a.idle = true; // also when the store had it idle already: nothing more to arm for it
        if (!ctx.store().idle(chat.chatId(), chat.agentId())) {
            return true;
        }
        if (!written(chat.chatId(), a)) {
            ctx.store().wake(chat.chatId());
            return false;
        }
        log.debug("chat {} idle: agent {} has its slot back", chat.chatId(), chat.agentId());
        assignment.fillAgent(chat.agentId());
        return true;
    }

    /**
     * Writes what check decided, unless a message changed the state meanwhile; then nothing is
     * sent and the chat is checked again a second later, on fresh state.
     */
    private boolean written(String chatId, Activity a) {
        if (ctx.store().replaceCare(chatId, a.version, a.toCare())) {
            a.version++;
            return true;
        }
        ctx.store().armTimer(SharedTimers.CARE + chatId, ctx.now() + 1000);
        return false;
    }

    /** The agent never answered: the chat goes to the next agent (not this one), at its place. */
    private void reofferUnanswered(ChatRecord chat, long waitedSeconds) {
        String from = chat.agentId();
        Optional<ChatRecord> w = ctx.store().requeue(chat.chatId(), null);
        if (w.isEmpty()) {
            return;
        }
        forget(chat.chatId());
        assignment.exclude(chat.chatId(), from);
        delivery.appendAndSend(chat, from, seq -> new ServerMessage.Transferred(chat.chatId(), seq, "group:" + chat.group(), from,
                "re-offered: the shopper waited " + waitedSeconds + " s for a reply"));
        log.info("chat {} re-offered: agent {} did not reply for {} s", chat.chatId(), from, waitedSeconds);
        assignment.routeOrQueue(w.get(), true);
        assignment.fillAgent(from);
    }
}
