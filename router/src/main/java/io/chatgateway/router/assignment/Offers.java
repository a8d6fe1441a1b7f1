package io.chatgateway.router.assignment;

import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.Peer;
import io.chatgateway.router.internal.ChatHooks;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.internal.SharedTimers;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import reactor.core.Disposable;

/**
 * Offers: {@code offer} → {@code accept} assigns; {@code reject} or no answer within
 * {@code offerTimeoutSeconds} offers the chat to the next agent at once, and it keeps its place.
 * An open offer reserves a slot of the agent's capacity. An agent who lets
 * {@code maxMissedOffers} lapse in a row is set away and told why. An agent whose offer lapsed
 * is offered the best other chat they may take at once (their slot is free again), and the lapsed
 * chat goes to others first. A returning shopper's owner gets a shorter offer (the owner window);
 * letting it pass is not a missed offer.
 */
public final class Offers {
    private final NodeContext ctx;
    private final Delivery delivery;
    private final ChatHooks hooks;
    private final Assignment assignment;
    private final Map<String, Disposable> timers = new ConcurrentHashMap<>(); // chatId -> expiry (memory store)

    Offers(NodeContext ctx, Delivery delivery, ChatHooks hooks, Assignment assignment) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.hooks = hooks;
        this.assignment = assignment;
    }

    /** Starts the accept timeout of an offer just made ({@code ownerWindow}: the owner's shorter window). */
    java.util.concurrent.CompletionStage<Void> armExpiry(String chatId, String agentId, int timeoutSeconds, boolean ownerWindow) {
        if (ctx.shared()) {
            // Whichever node is alive expires it.
            return ctx.store().armTimerAsync(SharedTimers.offer(chatId, agentId, ownerWindow), ctx.now() + timeoutSeconds * 1000L);
        }
        timers.put(chatId, ctx.later(() -> expired(chatId, agentId, ownerWindow), timeoutSeconds, TimeUnit.SECONDS));
        return NodeContext.DONE;
    }

    public void accept(Peer peer, String agentId, ClientMessage.Accept a) {
        Optional<ChatRecord> assigned = ctx.store().acceptOffer(a.chatId(), agentId);
        if (assigned.isEmpty()) {
            Delivery.error(peer, a.id(), ErrorCode.NOT_FOUND, "no open offer of chat " + a.chatId() + " for you (it expired or was withdrawn)");
            return;
        }
        cancel(a.chatId(), agentId);
        ctx.metrics().accepted.increment();
        ctx.store().updateAgent(agentId, r -> r.withMissedOffers(0));
        ctx.await(assignment.onAssigned(assigned.get(), ctx.store().agent(agentId).orElseThrow()));
    }

    public void reject(Peer peer, String agentId, ClientMessage.Reject r) {
        Optional<ChatRecord> back = ctx.store().withdrawOffer(r.chatId(), agentId);
        if (back.isEmpty()) {
            Delivery.error(peer, r.id(), ErrorCode.NOT_FOUND, "no open offer of chat " + r.chatId() + " for you (it expired or was withdrawn)");
            return;
        }
        cancel(r.chatId(), agentId);
        ctx.metrics().rejected.increment();
        ctx.store().updateAgent(agentId, a -> a.withMissedOffers(0));
        assignment.exclude(r.chatId(), agentId);
        backInQueue(back.get());
        assignment.fillAgent(agentId);
    }

    /**
     * The accept timeout of an offer ended (a local timer, or a shared deadline this node claimed);
     * {@code ownerWindow}: it was the returning shopper's owner's window.
     */
    public void expired(String chatId, String agentId, boolean ownerWindow) {
        timers.remove(chatId);
        Optional<ChatRecord> back = ctx.store().withdrawOffer(chatId, agentId);
        if (back.isEmpty()) {
            return;
        }
        ctx.metrics().expired.increment();
        delivery.toAgent(agentId, new ServerMessage.OfferWithdrawn(chatId, ownerWindow
                ? "your " + ownerWindowSeconds() + " s window for your returning shopper ended: offered to a free colleague first"
                : "expired: not accepted within " + ctx.cfg().offerTimeoutSeconds() + " s"));
        assignment.lapsed(chatId, agentId);
        if (!ownerWindow) {
            Optional<AgentRecord> a = ctx.store().updateAgent(agentId, r -> r.withMissedOffers(r.missedOffers() + 1));
            if (a.isPresent() && a.get().missedOffers() >= ctx.cfg().maxMissedOffers() && a.get().status() == AgentStatus.ONLINE) {
                hooks.setAway(agentId, a.get().missedOffers()
                        + " offers in a row were not answered, so you were set away; set your status to online when you are back");
            }
        }
        // Others first; then the agent's free slot takes the best chat they may take (this one only if nobody else can).
        if (!assignment.routeChat(back.get(), false)) {
            assignment.fillAgent(agentId);
            ctx.store().chat(chatId).filter(c -> c.state() == ChatState.WAITING).ifPresent(this::backInQueue);
        }
    }

    private int ownerWindowSeconds() {
        return Math.min(ctx.cfg().ownership().windowSeconds(), ctx.cfg().offerTimeoutSeconds());
    }

    /** The offer of a chat is over (accepted, withdrawn, chat closed): its timeout no longer runs. */
    public void cancel(String chatId, String agentId) {
        Disposable d = timers.remove(chatId);
        if (d != null) {
            d.dispose();
        }
        if (ctx.shared() && agentId != null) {
            ctx.store().disarmTimer(SharedTimers.offer(chatId, agentId, false), SharedTimers.offer(chatId, agentId, true));
        }
    }

    /** A chat whose offer lapsed or was refused: same place, next agent at once. */
    private void backInQueue(ChatRecord waiting) {
        assignment.routeOrQueue(waiting, false);
    }

    /** Every open offer of the agent goes to others now ({@code reason} told to the agent when not null). */
    public void withdrawOffersOf(String agentId, String reason) {
        for (ChatRecord c : ctx.store().chatsOf(agentId)) {
            if (c.state() == ChatState.OFFERED) {
                Optional<ChatRecord> back = ctx.store().withdrawOffer(c.chatId(), agentId);
                if (back.isPresent()) {
                    cancel(c.chatId(), agentId);
                    if (reason != null) {
                        delivery.toAgent(agentId, new ServerMessage.OfferWithdrawn(c.chatId(), reason));
                    }
                    assignment.exclude(c.chatId(), agentId);
                    backInQueue(back.get());
                }
            }
        }
    }
}
