package io.chatgateway.router.surge;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.Peer;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.Matching;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Honest waits: where a waiting shopper stands and roughly how long it will take. A group's
 * online agents finish {@code slots / averageHandleSeconds} chats a second, where the handling
 * time is a moving average of measured chats (the configured default until chats have closed);
 * outside business hours the wait includes the time until opening.
 */
public final class QueuePositions {
    private final NodeContext ctx;
    private final Delivery delivery;
    OverflowMode overflow; // set by OverflowMode's constructor
    private final Map<String, Double> handleMillisEwma = new ConcurrentHashMap<>(); // group -> moving average
    private final Map<String, Long> assignedAt = NodeContext.perChat();

    public QueuePositions(NodeContext ctx, Delivery delivery) {
        this.ctx = ctx;
        this.delivery = delivery;
    }

    /** What a group's online agents can take: the inputs of every wait projection, read once per use. */
    public record GroupCapacity(int slots, int free, long handleSeconds, long closedForSeconds) {
        public long eta(int position) {
            return closedForSeconds + Matching.projectedWaitSeconds(position, slots, free, handleSeconds);
        }
    }

    public GroupCapacity capacity(String group) {
        ChatStore.GroupLoad load = ctx.store().groupLoad(group);
        return new GroupCapacity(load.slots(), load.free(), handleSeconds(group),
                ctx.cfg().group(group).secondsUntilOpen(Instant.ofEpochMilli(ctx.now())));
    }

    public long etaSeconds(String group, int position) {
        return capacity(group).eta(position);
    }

    /** The group's moving average of handling times, in seconds. */
    public long handleSeconds(String group) {
        Double ewma = handleMillisEwma.get(group);
        return ewma == null ? ctx.options().averageHandleTime().toSeconds() : Math.max(1, Math.round(ewma / 1000));
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
            handleMillisEwma.merge(group, took, (old, x) -> 0.8 * old + 0.2 * x);
        }
    }

    // ---- telling shoppers

    /** The first {@code positionUpdates} waiting shoppers of a group hear their place (outside overflow mode). */
    public void sendPositions(String group) {
        if (overflow.isOn(group)) {
            return; // during overflow, positions go out at most every overflow.updateSeconds (OverflowMode)
        }
        List<String> head = ctx.store().waitingIds(group, ctx.options().positionUpdates());
        if (head.isEmpty()) {
            return;
        }
        GroupCapacity cap = capacity(group);
        int position = 0;
        for (String chatId : head) {
            position++;
            delivery.toCustomer(chatId, new ServerMessage.Queued(chatId, position, cap.eta(position)));
        }
    }

    /** One waiting shopper hears their place and wait now. */
    public void sendQueued(ChatRecord chat) {
        if (!ctx.shared() && !delivery.customerHere(chat.chatId())) {
            return;
        }
        int position = ctx.store().position(chat.chatId());
        if (position > 0) {
            delivery.toCustomer(chat.chatId(), new ServerMessage.Queued(chat.chatId(), position, etaSeconds(chat.group(), position)));
        }
    }

    /**
     * A new chat that found no agent: the shopper is told where they stand and how long it will take;
     * during overflow a long projected wait picks the overflow script (leave-a-message offer) and the FAQ.
     */
    public void announceArrival(ChatRecord chat, Peer peer) {
        String group = chat.group();
        String lang = chat.lang();
        int position = ctx.store().position(chat.chatId());
        long eta = etaSeconds(group, position);
        boolean inOverflow = overflow.isOn(group);
        Kind kind = inOverflow && eta >= ctx.cfg().overflow().enterWaitSeconds() / 2 ? Kind.OVERFLOW : Kind.QUEUED;
        delivery.appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, kind.wire(),
                ctx.scripts().render(kind, lang, Map.of("position", Integer.toString(position),
                        "eta", ctx.scripts().formatWait(eta, lang), "shop", ctx.options().shopName()))));
        peer.send(Delivery.frame(new ServerMessage.Queued(chat.chatId(), position, eta)));
        if (inOverflow) {
            overflow.toldPosition(chat.chatId(), position);
            peer.send(Delivery.frame(overflow.faq(group)));
        }
    }
}
