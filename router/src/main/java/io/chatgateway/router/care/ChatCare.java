package io.chatgateway.router.care;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.internal.DeadlineWheel;
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
import java.util.HashMap;
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
 * </ul>
 *
 * <p><b>Timers at scale.</b> No cancel-and-reschedule per message: a message writes who spoke
 * when ({@link Activity}, field writes only); a coarse timing wheel holds at most one armed
 * deadline per chat and hands due chats back once a second, and {@link #check} fires or re-arms
 * for the real deadline. With a shared store the state and the deadline live in the store
 * (the message's append moves them on in the same step) and any node may claim the deadline.
 */
public final class ChatCare {
    private static final Logger log = LoggerFactory.getLogger(ChatCare.class);
    private final NodeContext ctx;
    private final Delivery delivery;
    private final Assignment assignment;
    private final QueuePositions positions;
    private final ChatClosing closing;
    private final DeadlineWheel wheel;
    private final Map<String, Activity> activity = new HashMap<>(); // assigned chats (memory store): who spoke when

    /**
     * Who spoke last in an assigned chat. Updated per message by field writes only; the wheel
     * holds at most one armed deadline per chat.
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

    public ChatCare(NodeContext ctx, Delivery delivery, Assignment assignment, QueuePositions positions, ChatClosing closing) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.assignment = assignment;
        this.positions = positions;
        this.closing = closing;
        this.wheel = new DeadlineWheel(1000, 4096, ctx.now());
    }

    /** The chat was just assigned: the shopper now waits for the agent's first words. */
    public void assigned(ChatRecord chat, long now, boolean humanReplied) {
        Activity fresh = new Activity(now);
        fresh.humanReplied = humanReplied;
        if (ctx.shared()) {
            ctx.store().putCare(chat.chatId(), fresh.toCare());
        } else {
            activity.put(chat.chatId(), fresh);
        }
        arm(chat.chatId(), fresh, now + ctx.cfg().care().agentNudgeSeconds() * 1000L);
    }

    /** The chat is no longer assigned: no care for it, and its handling time no longer runs. */
    public void forget(String chatId) {
        positions.stoppedHandling(chatId);
        if (ctx.shared()) {
            ctx.store().dropCare(chatId);
            ctx.store().disarmTimer(SharedTimers.CARE + chatId);
        } else {
            activity.remove(chatId);
            wheel.disarm(chatId);
        }
    }

    /**
     * A chat message written at {@code atMillis} was appended; called on any thread (the hot path
     * does not go through the worker). A shopper's message resets silence care and, if nobody
     * waited yet, starts the wait for the agent; an agent's message ends the wait. With a shared
     * store the state moved on in the append itself; on one node it moves here, on the worker.
     * {@code firstReply} (may be null) runs on the worker after the chat's first human reply.
     */
    public void messageAppended(String chatId, ChatStore.Spoken<?> said, boolean fromAgent, long atMillis, Runnable firstReply) {
        if (ctx.shared()) {
            // No arming for an agent's message: a care deadline is always armed while a chat is
            // assigned, and this one would be later.
            if (fromAgent && firstReply != null && said.careBefore() != null && !said.careBefore().humanReplied()) {
                ctx.onWorker(firstReply);
            }
            return;
        }
        ctx.onWorker(() -> {
            if (localMessage(chatId, fromAgent, atMillis) && firstReply != null) {
                firstReply.run();
            }
        });
    }

    /** One node: the chat's care moves on (on the worker); true on the first human reply. */
    private boolean localMessage(String chatId, boolean fromAgent, long now) {
        Activity a = activity.get(chatId);
        if (a == null) {
            return false;
        }
        RoutingConfig.Care care = ctx.cfg().care();
        if (!fromAgent) {
            a.promptedAt = Activity.NONE;
            if (a.awaitingAgentSince == Activity.NONE) {
                a.awaitingAgentSince = now;
                a.nudged = false;
            }
            arm(chatId, a, a.awaitingAgentSince + care.agentNudgeSeconds() * 1000L);
            return false;
        }
        boolean first = !a.humanReplied;
        a.lastAgent = now;
        a.awaitingAgentSince = Activity.NONE;
        a.nudged = false;
        a.promptedAt = Activity.NONE;
        a.humanReplied = true;
        arm(chatId, a, a.lastAgent + care.silencePromptSeconds() * 1000L);
        return first;
    }

    /**
     * Makes sure the wheel hands the chat back by {@code deadline}. A message usually moves the
     * deadline later, which costs nothing here: the earlier entry comes due, and check re-arms.
     */
    private void arm(String chatId, Activity a, long deadline) {
        if (a.armedFor != Activity.NONE && a.armedFor <= deadline) {
            return;
        }
        a.armedFor = deadline;
        if (ctx.shared()) {
            // Keeps the earlier of the two, like the wheel; made consistent with the care state in the chat's own step.
            ctx.store().armCare(chatId, SharedTimers.CARE + chatId, deadline, ctx.cfg().care().agentNudgeSeconds() * 1000L);
        } else {
            wheel.arm(chatId, deadline);
        }
    }

    /** Once a second (one node): due care deadlines. A check that failed is tried again a second later. */
    public void advance() {
        wheel.advance(ctx.now(), id -> {
            if (!ctx.guarded(() -> check(id))) {
                wheel.arm(id, ctx.now() + 1000);
            }
        });
    }

    /** A care deadline of an assigned chat may be due: act on the real state, or re-arm for later. */
    public void check(String chatId) {
        Activity a = ctx.shared() ? ctx.store().care(chatId).map(Activity::new).orElse(null) : activity.get(chatId);
        if (a == null) {
            return;
        }
        a.armedFor = Activity.NONE; // the wheel has handed it back
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
            arm(chatId, a, a.awaitingAgentSince + (a.nudged ? care.agentReofferSeconds() : care.agentNudgeSeconds()) * 1000L);
        } else if (a.promptedAt == Activity.NONE) {
            long due = a.lastAgent + care.silencePromptSeconds() * 1000L;
            if (now >= due) {
                a.promptedAt = now;
                if (!written(chatId, a)) {
                    return;
                }
                delivery.appendAndSend(chat, chat.agentId(), seq -> new ServerMessage.Script(chatId, seq, Kind.SILENCE_CARE.wire(),
                        ctx.scripts().render(Kind.SILENCE_CARE, chat.lang(), Map.of())));
                arm(chatId, a, now + care.silenceCloseSeconds() * 1000L);
            } else {
                arm(chatId, a, due);
            }
        } else {
            long due = a.promptedAt + care.silenceCloseSeconds() * 1000L;
            if (now >= due) {
                closing.close(chatId, "silence", true);
            } else {
                arm(chatId, a, due);
            }
        }
    }

    /**
     * Shared store: writes what check decided, unless a message changed the state meanwhile;
     * then nothing is sent and the chat is checked again a second later, on fresh state.
     */
    private boolean written(String chatId, Activity a) {
        if (!ctx.shared()) {
            return true;
        }
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
