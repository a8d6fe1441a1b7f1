package io.chatgateway.router.surge;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.Peer;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.RoutingConfig.EscalationStep;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.Matching;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore.GroupLoad;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Honest waits: where a waiting shopper stands and roughly how long it will take.
 *
 * <p><b>The estimate.</b> Agents who may take the chat finish {@code slots / handleSeconds} chats
 * a second; positions within their free slots wait nothing. "Who may take it" follows the tier's
 * escalation ladder: each step from the chat's current one on gives an estimate (the time until
 * the step starts, then the wait with the slots of the levels and groups that step allows), and
 * the shopper hears the earliest. So a VIP whose first step allows seniors only, with no senior
 * online, is told the wait of the step that opens to everyone, not "at once". The handling time is
 * a moving average of chats closed here, trusted only after {@link #MIN_SAMPLES} of them (one
 * quick chat would otherwise turn 5 minutes into 1 second); until then the configured default.
 *
 * <p><b>Why, when nobody can come.</b> When no agent of any step is online, outside the group's
 * business hours the wait counts to the opening and the shopper is told the group is closed
 * ({@code reason: "closed"}); within them they are told nobody is online ({@code "no_agents"})
 * rather than "all our agents are busy". (Agents online outside the hours serve as usual.)
 * Either way they may leave a message at once ({@link LeaveMessageIntake}).
 *
 * <p><b>Telling.</b> Each node tells its own shoppers (those connected to it) when their place or
 * that reason changed: after queue changes it knows of, and once a second for changes made
 * elsewhere (an arrival ahead, another node's assignment), at most once a second per shopper and
 * only to the first {@code positionUpdates} in line; during overflow mode, every
 * {@code overflow.updateSeconds} to everyone ({@link OverflowMode}).
 */
public final class QueuePositions {
    /** Chats measured before a group's moving average of handling times replaces the configured default. */
    static final int MIN_SAMPLES = 5;
    /** A shopper hears a changed place at most this often outside overflow mode (the next tick catches up). */
    private static final long MIN_UPDATE_MILLIS = 1000;

    private final NodeContext ctx;
    private final Delivery delivery;
    OverflowMode overflow; // set by OverflowMode's constructor
    private final Map<String, HandleTime> handleTimes = new ConcurrentHashMap<>(); // group -> moving average
    private final Map<String, Long> assignedAt = NodeContext.perChat();
    /** chatId -> what its shopper (connected here) was last told. */
    private final Map<String, Told> told = NodeContext.perChat();
    /** chatId -> the record of a waiting chat whose shopper is here, read once (tier and place in line do not change while it waits). */
    private final Map<String, ChatRecord> records = NodeContext.perChat();

    private record Told(int position, String reason, long atMillis) {
    }

    private record HandleTime(double ewmaMillis, int samples) {
    }

    public QueuePositions(NodeContext ctx, Delivery delivery) {
        this.ctx = ctx;
        this.delivery = delivery;
    }

    /** A shopper's place, the estimated wait, and why nobody can come soon ({@link #CLOSED}, {@link #NO_AGENTS}, {@link #BUSY}) or null. */
    public record Wait(int position, long etaSeconds, String reason) {
        /** Whether the wait is an estimate from agents online (a promise to hold it to), not a guess. */
        boolean promises() {
            return reason == null || BUSY.equals(reason);
        }
    }

    /** {@code queued.reason}: the group is outside its business hours; the wait counts to the opening. */
    public static final String CLOSED = "closed";
    /** {@code queued.reason}: no agent who may take the chat is online; the wait is a guess. */
    public static final String NO_AGENTS = "no_agents";
    /** {@code queued.reason}: the wait passes the tier's {@code queueLimitSeconds}; the shopper is offered to leave a message. */
    public static final String BUSY = "busy";

    /** What a group can take now: the inputs of every wait projection of one use, each read once. */
    public final class GroupWaits {
        private final String group;
        private final long handleSeconds;
        private final long closedForSeconds;
        private final GroupLoad load;
        private final Map<String, GroupLoad> others = new HashMap<>(); // groups an escalation step opens

        private GroupWaits(String group) {
            this.group = group;
            this.handleSeconds = handleSeconds(group);
            this.closedForSeconds = ctx.cfg().group(group).secondsUntilOpen(Instant.ofEpochMilli(ctx.now()));
            this.load = ctx.store().groupLoad(group);
        }

        /** The projected wait of the {@code position}-th in line, with every online agent of the group (thresholds, ops). */
        public long eta(int position) {
            return closedForSeconds + Matching.projectedWaitSeconds(position, load.slots(), load.free(), handleSeconds);
        }

        /** Whether any agent of the group is online. */
        public boolean staffed() {
            return load.online() > 0;
        }

        /** The wait of this chat at this place, by its tier's ladder (see the class comment). */
        public Wait of(ChatRecord chat, int position) {
            RoutingConfig c = ctx.cfg();
            List<EscalationStep> steps = c.escalation().get(chat.tier());
            long waited = Math.max(0, ctx.now() - chat.queuedAt());
            int current = c.stepIndex(chat.tier(), waited);
            long best = -1;
            long stepStart = current == 0 ? 0 : c.stepEndsAfterMillis(chat.tier(), current - 1);
            for (int i = current; i < steps.size(); i++) {
                long startsIn = Math.max(0, stepStart - waited) / 1000;
                if (best >= 0 && startsIn >= best) {
                    break; // later steps start later still
                }
                GroupLoad.Load l = loadOf(steps.get(i));
                if (l.slots() > 0) {
                    long w = startsIn + Matching.projectedWaitSeconds(position, l.slots(), l.free(), handleSeconds);
                    best = best < 0 ? w : Math.min(best, w);
                }
                long next = c.stepEndsAfterMillis(chat.tier(), i);
                if (next < 0) {
                    break;
                }
                stepStart = next;
            }
            if (best >= 0) {
                // Agents who may take it are online (outside hours too: they serve); a wait past the tier's limit is "busy".
                Integer limit = c.queueLimitSeconds().get(chat.tier());
                return new Wait(position, best, limit != null && best > limit ? BUSY : null);
            }
            return closedForSeconds > 0 ? new Wait(position, eta(position), CLOSED)
                    : new Wait(position, (long) position * handleSeconds, NO_AGENTS);
        }

        /** The slots of the agents a step allows: its levels (any when empty) in the chat's group and the groups it opens. */
        private GroupLoad.Load loadOf(EscalationStep step) {
            GroupLoad.Load sum = load.of(step.levels());
            for (String g : step.extraGroups()) {
                if (!g.equals(group)) {
                    sum = sum.plus(others.computeIfAbsent(g, ctx.store()::groupLoad).of(step.levels()));
                }
            }
            return sum;
        }
    }

    public GroupWaits waits(String group) {
        return new GroupWaits(group);
    }

    /** The projected wait of the {@code position}-th in line of a group, with every online agent. */
    public long etaSeconds(String group, int position) {
        return waits(group).eta(position);
    }

    /** The group's handling time in seconds: the moving average once {@link #MIN_SAMPLES} chats were measured, else the default. */
    public long handleSeconds(String group) {
        HandleTime h = handleTimes.get(group);
        return h == null || h.samples() < MIN_SAMPLES ? ctx.options().averageHandleTime().toSeconds()
                : Math.max(1, Math.round(h.ewmaMillis() / 1000));
    }

    // ---- handling times

    /** A chat's handling starts (assigned on this node). */
    public void startedHandling(String chatId, long nowMillis) {
        assignedAt.put(chatId, nowMillis);
    }

    /** The chat is no longer handled here (requeued, moved): its time does not count. */
    public void stoppedHandling(String chatId) {
        assignedAt.remove(chatId);
    }

    /** A chat handled here closed: its handling time feeds the group's average. */
    public void finishedHandling(String chatId, String group) {
        Long at = assignedAt.remove(chatId);
        if (at != null) {
            double took = ctx.now() - at;
            ctx.metrics().handled(group, (long) took);
            handleTimes.merge(group, new HandleTime(took, 1),
                    (old, x) -> new HandleTime(0.8 * old.ewmaMillis() + 0.2 * x.ewmaMillis(), old.samples() + 1));
        }
    }

    // ---- telling shoppers

    /**
     * The first {@code positionUpdates} waiting shoppers of a group connected here hear a changed
     * place (or reason), each at most once a second; nothing during overflow mode, which paces its own.
     */
    public void sendPositions(String group) {
        if (!overflow.isOn(group)) {
            update(group, ctx.options().positionUpdates(), true);
        }
    }

    /**
     * Tells this node's waiting shoppers of a group, among the first {@code limit}, whose place or
     * reason changed since they were last told; {@code paced}: not twice within a second.
     */
    void update(String group, int limit, boolean paced) {
        List<String> head = ctx.store().waitingIds(group, limit);
        GroupWaits waits = null;
        long now = ctx.now();
        int position = 0;
        for (String chatId : head) {
            position++;
            if (!delivery.customerHere(chatId)) {
                continue; // another node's shopper: that node tells them (once)
            }
            Told last = told.get(chatId);
            if (paced && last != null && now - last.atMillis() < MIN_UPDATE_MILLIS) {
                continue;
            }
            ChatRecord chat = records.get(chatId);
            if (chat == null) {
                chat = ctx.store().chat(chatId).orElse(null);
                if (chat == null) {
                    continue;
                }
                records.put(chatId, chat);
            }
            if (waits == null) {
                waits = waits(group);
            }
            Wait w = waits.of(chat, position);
            if (last == null || last.position() != w.position() || !Objects.equals(last.reason(), w.reason())) {
                tell(chatId, w);
            }
        }
    }

    /** Once a second: every group with shoppers waiting hears changes made elsewhere (outside overflow mode). */
    public void tick(Iterable<String> groupsWithWaiting) {
        if (told.isEmpty()) {
            return; // nobody here has been told a place: nothing can have gone stale
        }
        for (String g : groupsWithWaiting) {
            sendPositions(g);
        }
    }

    /** One waiting shopper hears their place and wait now. */
    public void sendQueued(ChatRecord chat) {
        if (!ctx.shared() && !delivery.customerHere(chat.chatId())) {
            return;
        }
        int position = ctx.store().position(chat.chatId());
        if (position > 0) {
            tell(chat.chatId(), waits(chat.group()).of(chat, position));
        }
    }

    /** Sends a {@code queued} frame and notes what was told (and the first real estimate, as the chat's promise). */
    void tell(String chatId, Wait w) {
        delivery.toCustomer(chatId, new ServerMessage.Queued(chatId, w.position(), w.etaSeconds(), w.reason()));
        Told before = told.put(chatId, new Told(w.position(), w.reason(), ctx.now()));
        if (w.promises() && before != null && before.reason() != null && !BUSY.equals(before.reason())) {
            ctx.store().notePromise(chatId, w.etaSeconds()); // nobody could come at first: this is the first promise
        }
    }

    /** The chat left the queue (assigned, closed): nothing more to tell. */
    public void forget(String chatId) {
        told.remove(chatId);
        records.remove(chatId);
    }

    /**
     * A new chat that found no agent: the shopper is told where they stand, how long it will take,
     * and why when nobody can come (closed, no agent online: with the leave-a-message offer); during
     * overflow a long projected wait picks the overflow script (leave-a-message offer) and the FAQ.
     */
    public void announceArrival(ChatRecord chat, Peer peer) {
        String group = chat.group();
        String lang = chat.lang();
        int position = ctx.store().position(chat.chatId());
        Wait w = waits(group).of(chat, position);
        boolean inOverflow = overflow.isOn(group);
        Kind kind = CLOSED.equals(w.reason()) ? Kind.AFTER_HOURS
                : NO_AGENTS.equals(w.reason()) ? Kind.NO_AGENTS
                : BUSY.equals(w.reason()) ? Kind.BUSY
                : inOverflow && w.etaSeconds() >= ctx.cfg().overflow().enterWaitSeconds() / 2 ? Kind.OVERFLOW : Kind.QUEUED;
        delivery.appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, kind.wire(),
                ctx.scripts().render(kind, lang, Map.of("position", Integer.toString(position),
                        "eta", ctx.scripts().formatWait(w.etaSeconds(), lang), "shop", ctx.options().shopName()))));
        records.put(chat.chatId(), chat);
        if (w.promises()) {
            ctx.store().notePromise(chat.chatId(), w.etaSeconds()); // the yardstick of ETA honesty (EtaAccuracy)
        }
        peer.send(Delivery.frame(new ServerMessage.Queued(chat.chatId(), position, w.etaSeconds(), w.reason())));
        told.put(chat.chatId(), new Told(position, w.reason(), ctx.now()));
        if (inOverflow) {
            peer.send(Delivery.frame(overflow.faq(group)));
        }
    }

    /** Whether a shopper may leave a message now: closed, nobody who may take the chat online, or a wait past the tier's limit. */
    public boolean offersLeaveMessage(ChatRecord chat) {
        int position = Math.max(1, ctx.store().position(chat.chatId()));
        return waits(chat.group()).of(chat, position).reason() != null;
    }
}
