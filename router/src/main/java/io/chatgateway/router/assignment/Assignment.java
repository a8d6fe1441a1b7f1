package io.chatgateway.router.assignment;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.Peer;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.internal.ChatHooks;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.Matching;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.AssignOutcome;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.store.MemoryChatStore;
import io.chatgateway.router.surge.LeaveMessageIntake;
import io.chatgateway.router.surge.OverflowMode;
import io.chatgateway.router.surge.QueuePositions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who gets which chat.
 *
 * <p><b>Two directions of routing.</b> When a chat enters a queue (new, offer lapsed, agent left,
 * escalation step reached) it looks for the best eligible agent ({@link #routeChat}); when an agent
 * gets room (online, chat closed, offer rejected) the agent looks for the best chat it may take
 * among the heads of the queues it can serve ({@link #fillAgent}). Either way the step is
 * {@code ChatStore.tryOffer} (or {@code tryAssign} for auto-accepting agents and owners), atomic
 * in the store, so no chat goes twice and no agent over capacity whichever nodes race.
 * Invariant after every event: no eligible agent with room idles while a chat it may take waits.
 *
 * <p><b>Preference</b> ({@link Matching}): the shopper's owner (first-contact ownership) if they
 * have room, the complaints skill for complaint-prone shoppers, the tier's preferred levels, then
 * the least loaded. Queues are ordered by the static rank of {@link RoutingConfig} (tier weight +
 * urgent boost + ageing), so ageing never needs rescoring and a decision reads only queue heads.
 */
public final class Assignment {
    private static final Logger log = LoggerFactory.getLogger(Assignment.class);
    private static final int MAX_ASSIGN_ATTEMPTS = 5;
    /** Queue heads read per group and tier when a free agent looks for a chat. */
    private static final int HEAD_SCAN = 16;

    private final NodeContext ctx;
    private final Delivery delivery;
    private final ChatHooks hooks;
    private final QueuePositions positions;
    private final OverflowMode overflow;
    private final LeaveMessageIntake intake;
    /** chatId -> agents who refused it (or left) on this step: not offered it again until the next step. */
    private final Map<String, Set<String>> refused = NodeContext.perChat();
    /** chatId -> agents who let its offer lapse on this step: offered it again only when nobody else may take it. */
    private final Map<String, Set<String>> lapsed = NodeContext.perChat();
    private final Offers offers;
    private final Escalation escalation;

    public Assignment(NodeContext ctx, Delivery delivery, ChatHooks hooks, QueuePositions positions, OverflowMode overflow,
                      LeaveMessageIntake intake) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.hooks = hooks;
        this.positions = positions;
        this.overflow = overflow;
        this.intake = intake;
        this.offers = new Offers(ctx, delivery, hooks, this);
        this.escalation = new Escalation(ctx, this);
    }

    public Offers offers() {
        return offers;
    }

    public Escalation escalation() {
        return escalation;
    }

    /** The agent refused the chat (or left): not offered it again until its next escalation step. */
    public void exclude(String chatId, String agentId) {
        refused.computeIfAbsent(chatId, k -> ConcurrentHashMap.newKeySet()).add(agentId);
    }

    /**
     * The agent let the chat's offer lapse: everyone else eligible comes first, but when nobody else
     * may take it the agent is offered it again rather than idling beside a waiting shopper (a
     * second lapse counts towards {@code maxMissedOffers}, which sets them away).
     */
    void lapsed(String chatId, String agentId) {
        lapsed.computeIfAbsent(chatId, k -> ConcurrentHashMap.newKeySet()).add(agentId);
    }

    /** A new step (or the chat's end): every agent gets a fresh chance. */
    void forgetExcluded(String chatId) {
        refused.remove(chatId);
        lapsed.remove(chatId);
    }

    /** Agents not to offer the chat to: those who refused it, and those who let it lapse unless {@code lapsedToo} is false. */
    private Set<String> passedOn(String chatId, boolean lapsedToo) {
        Set<String> r = refused.getOrDefault(chatId, Set.of());
        Set<String> l = lapsedToo ? lapsed.getOrDefault(chatId, Set.of()) : Set.of();
        if (l.isEmpty()) {
            return r;
        }
        if (r.isEmpty()) {
            return l;
        }
        Set<String> both = new java.util.HashSet<>(r);
        both.addAll(l);
        return both;
    }

    /** The chat closed: forget what routing noted about it. */
    public void closed(String chatId, String agentId) {
        escalation.cancel(chatId);
        offers.cancel(chatId, agentId);
        forgetExcluded(chatId);
    }

    /**
     * Chat-driven: offers a waiting chat to the best eligible agent. Returns true when it was
     * offered or assigned, false when nobody eligible has room (it stays waiting). Blocking (on the
     * lane); {@link #routeChatAsync} is the same decision without waiting for the store.
     */
    public boolean routeChat(ChatRecord chat) {
        return routeChat(chat, true);
    }

    /**
     * As above; {@code lapsedLast}: agents who let this chat's offer lapse are offered it again
     * when nobody else may take it (false: only others, the lapse is still being handled).
     */
    boolean routeChat(ChatRecord chat, boolean lapsedLast) {
        return ctx.await(routeChatAsync(chat, lapsedLast));
    }

    /**
     * {@link #routeChat} without waiting for the store: its reads, the offer step and an
     * auto-accepted chat's hand-over go on from the store's answers (on its I/O thread). Completes
     * with true when offered or assigned.
     */
    public CompletionStage<Boolean> routeChatAsync(ChatRecord chat) {
        return routeChatAsync(chat, true);
    }

    private CompletionStage<Boolean> routeChatAsync(ChatRecord chat, boolean lapsedLast) {
        long t0 = System.nanoTime();
        RoutingConfig c = ctx.cfg();
        long now = ctx.now();
        Set<String> excl = passedOn(chat.chatId(), true);
        CompletionStage<Boolean> toOwner = c.ownership().retentionHours() > 0 && !chat.hasTag(c.supervisorTag())
                ? ctx.thenAtOnce(ctx.store().ownerOfAsync(chat.customerId(), now), owner -> offerToOwner(c, chat, owner, excl))
                : FALSE;
        return ctx.thenAtOnce(toOwner, done -> done ? TRUE : ctx.thenAtOnce(offerToBest(c, chat, now, excl, 0), offered -> {
            if (offered == null && lapsedLast && lapsed.containsKey(chat.chatId())) {
                return offerToBest(c, chat, now, passedOn(chat.chatId(), false), 0).thenApply(Boolean.TRUE::equals);
            }
            return Boolean.TRUE.equals(offered) ? TRUE : FALSE;
        })).whenComplete((r, e) -> ctx.metrics().decision.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS));
    }

    private static final CompletionStage<Boolean> TRUE = CompletableFuture.completedFuture(true);
    private static final CompletionStage<Boolean> FALSE = CompletableFuture.completedFuture(false);
    private static final CompletionStage<Boolean> NOBODY = CompletableFuture.completedFuture(null);

    /** The shopper's owner first: at once when auto-accepting, else for the owner window only (0: no window). */
    private CompletionStage<Boolean> offerToOwner(RoutingConfig c, ChatRecord chat, Optional<String> owner, Set<String> excl) {
        if (owner.isEmpty() || excl.contains(owner.get())) {
            return FALSE;
        }
        return ctx.thenAtOnce(ctx.store().agentAsync(owner.get()), found -> {
            Optional<AgentRecord> o = found.filter(AgentRecord::hasRoom);
            return o.isPresent() && (o.get().autoAccept() || c.ownership().windowSeconds() > 0)
                    ? offer(chat, o.get(), Math.min(c.ownership().windowSeconds(), c.offerTimeoutSeconds()), true) : FALSE;
        });
    }

    /** True: offered or assigned; false: the chat is no longer waiting; null: nobody eligible has room. */
    private CompletionStage<Boolean> offerToBest(RoutingConfig c, ChatRecord chat, long now, Set<String> excl, int attempt) {
        if (attempt >= MAX_ASSIGN_ATTEMPTS) {
            return FALSE;
        }
        return ctx.thenAtOnce(candidates(c, chat, now), candidates -> {
            var pref = Matching.preference(c, chat);
            AgentRecord best = null;
            boolean inOverflow = overflow.isOn(chat.group());
            for (AgentRecord a : candidates) {
                if (Matching.eligible(c, a, chat, now, excl, inOverflow) && (best == null || pref.compare(a, best) < 0)) {
                    best = a;
                }
            }
            if (best == null) {
                return NOBODY;
            }
            return ctx.thenAtOnce(offer(chat, best, c.offerTimeoutSeconds(), false), offered -> offered ? TRUE
                    // another lane or node took the chat or the agent's room first: look again while it waits
                    : ctx.thenAtOnce(ctx.store().chatAsync(chat.chatId()), now2 -> now2.map(r -> r.state() != ChatState.WAITING).orElse(true)
                            ? FALSE : offerToBest(c, chat, now, excl, attempt + 1)));
        });
    }

    /** As {@link #routeChat}; when nobody takes it, the shopper hears their place and the next step is armed. */
    public void routeOrQueue(ChatRecord waiting, boolean tellPosition) {
        if (!routeChat(waiting)) {
            if (tellPosition) {
                positions.sendQueued(waiting);
            }
            escalation.schedule(waiting);
        }
    }

    /**
     * Agents who could take the chat on its current step: those with room in its group and in the
     * groups the step opens (all groups for supervisor-only chats). Read from the store's index,
     * so a full house costs nothing to check.
     */
    private CompletionStage<List<AgentRecord>> candidates(RoutingConfig c, ChatRecord chat, long now) {
        if (chat.hasTag(c.supervisorTag())) { // rare: read on the lane
            return ctx.thenOnLane(NodeContext.DONE, x -> {
                Set<String> groups = new TreeSet<>(ctx.depths().keySet());
                for (AgentRecord a : ctx.store().agents()) {
                    if (a.supervisor()) {
                        groups.addAll(a.groups());
                    }
                }
                return withRoom(groups);
            });
        }
        Set<String> groups = new TreeSet<>();
        groups.add(chat.group());
        groups.addAll(Matching.step(c, chat, now).extraGroups());
        return withRoom(groups);
    }

    /** The agents with room in any of the groups, each once. */
    private CompletionStage<List<AgentRecord>> withRoom(Set<String> groups) {
        if (groups.size() == 1) {
            return ctx.store().agentsWithRoomAsync(groups.iterator().next());
        }
        List<CompletableFuture<List<AgentRecord>>> reads = new ArrayList<>();
        for (String g : groups) {
            reads.add(ctx.store().agentsWithRoomAsync(g).toCompletableFuture()); // sent together, one wait
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(all -> {
            Map<String, AgentRecord> unique = new HashMap<>();
            for (CompletableFuture<List<AgentRecord>> r : reads) {
                for (AgentRecord a : r.join()) {
                    unique.put(a.agentId(), a);
                }
            }
            return new ArrayList<>(unique.values());
        });
    }

    /** Agent-driven: while the agent has room, offers them the best chat they may take. Blocking (on the lane). */
    public void fillAgent(String agentId) {
        ctx.await(fillAgentAsync(agentId));
    }

    /** {@link #fillAgent} without waiting for the store: each read and offer goes on from the last one's answer. */
    public CompletionStage<Void> fillAgentAsync(String agentId) {
        return fill(agentId, 0, 0);
    }


    private CompletionStage<Void> fill(String agentId, int round, int refused) {
        if (round >= 100 || refused >= MAX_ASSIGN_ATTEMPTS) {
            return NodeContext.DONE;
        }
        return ctx.thenAtOnce(ctx.store().agentAsync(agentId), found -> {
            Optional<AgentRecord> a = found.filter(AgentRecord::hasRoom);
            if (a.isEmpty()) {
                return NodeContext.DONE;
            }
            long t0 = System.nanoTime();
            CompletionStage<ChatRecord> best = ctx.thenAtOnce(bestChatFor(a.get(), true), b -> b == null && !lapsed.isEmpty()
                    ? bestChatFor(a.get(), false) // nothing else: a chat whose offer they let lapse, rather than idling
                    : CompletableFuture.completedFuture(b));
            return ctx.thenAtOnce(best, b -> {
                ctx.metrics().decision.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                if (b == null) {
                    return NodeContext.DONE;
                }
                // refused: another lane or node took that chat first (or the agent's room): look again
                return ctx.thenAtOnce(offer(b, a.get(), ctx.cfg().offerTimeoutSeconds(), false),
                        offered -> fill(agentId, round + 1, offered ? refused : refused + 1));
            });
        });
    }

    /** The best chat the agent may take; {@code lapsedToo}: not one whose offer they let lapse on this step. */
    private CompletionStage<ChatRecord> bestChatFor(AgentRecord agent, boolean lapsedToo) {
        RoutingConfig c = ctx.cfg();
        long now = ctx.now();
        if (agent.supervisor() || Matching.servesOverflow(c, agent.groups())) { // every group: which they are is read on the lane
            return ctx.thenOnLane(NodeContext.DONE, x -> bestAmong(c, agent, now, new TreeSet<>(ctx.depths().keySet()), lapsedToo));
        }
        return bestAmong(c, agent, now, agent.groups(), lapsedToo);
    }

    /** The best of the groups' queue heads the agent may take; every queue's heads are read at once. */
    private CompletionStage<ChatRecord> bestAmong(RoutingConfig c, AgentRecord agent, long now, Set<String> groups, boolean lapsedToo) {
        List<CompletableFuture<ChatRecord>> heads = new ArrayList<>(groups.size() * Tier.values().length);
        for (String g : groups) {
            for (Tier t : Tier.values()) {
                heads.add(headFor(c, agent, g, t, now, lapsedToo).toCompletableFuture());
            }
        }
        if (heads.stream().allMatch(h -> h.isDone() && !h.isCompletedExceptionally())) {
            return CompletableFuture.completedFuture(best(heads)); // a memory store's answers: no joint stage to build
        }
        return CompletableFuture.allOf(heads.toArray(CompletableFuture[]::new)).thenApply(read -> best(heads));
    }

    private static ChatRecord best(List<CompletableFuture<ChatRecord>> heads) {
        ChatRecord best = null;
        for (CompletableFuture<ChatRecord> h : heads) {
            ChatRecord head = h.join();
            if (head != null && (best == null || MemoryChatStore.QUEUE_ORDER.compare(head, best) < 0)) {
                best = head;
            }
        }
        return best;
    }

    /** The first chat of one tier queue the agent may take, looking further down only when the first heads are not theirs. */
    private CompletionStage<ChatRecord> headFor(RoutingConfig c, AgentRecord agent, String group, Tier tier, long now, boolean lapsedToo) {
        return ctx.thenAtOnce(ctx.store().waitingAsync(group, tier, HEAD_FIRST), heads -> {
            ChatRecord head = firstEligible(c, agent, group, now, heads, lapsedToo);
            if (head == null && heads.size() == HEAD_FIRST) { // the queue goes on: look further down
                return ctx.store().waitingAsync(group, tier, HEAD_SCAN).thenApply(more -> firstEligible(c, agent, group, now, more, lapsedToo));
            }
            return CompletableFuture.completedFuture(head);
        });
    }

    /** Queue heads read first: the head is almost always eligible, and each head read costs a record (Redis: a hash). */
    private static final int HEAD_FIRST = 2;

    /** The first of a tier queue's heads the agent may take (the rest of that queue ranks lower). */
    private ChatRecord firstEligible(RoutingConfig c, AgentRecord agent, String group, long now, List<ChatRecord> heads, boolean lapsedToo) {
        for (ChatRecord ch : heads) {
            if (Matching.eligible(c, agent, ch, now, passedOn(ch.chatId(), lapsedToo), overflow.isOn(group))) {
                return ch;
            }
        }
        return null;
    }

    /** Offers the chat to the agent (or assigns it, for auto-accepting agents); false when the store refused. Blocking. */
    boolean offer(ChatRecord chat, AgentRecord agent) {
        return ctx.await(offer(chat, agent, ctx.cfg().offerTimeoutSeconds(), false));
    }

    /**
     * As above without waiting, the offer open for {@code timeout} seconds; {@code ownerWindow}: the
     * returning shopper's owner's window. An auto-accepted chat is handed over on the lane.
     */
    private CompletionStage<Boolean> offer(ChatRecord chat, AgentRecord agent, int timeout, boolean ownerWindow) {
        if (agent.autoAccept()) {
            return ctx.thenAtOnce(ctx.store().tryAssignAsync(chat.chatId(), agent.agentId()), outcome -> outcome != AssignOutcome.DONE
                    ? FALSE : ctx.thenAtOnce(ctx.store().chatAsync(chat.chatId()), assigned -> onAssigned(assigned.orElseThrow(), agent)
                            .thenApply(handedOver -> true)));
        }
        return ctx.thenAtOnce(ctx.store().tryOfferAsync(chat.chatId(), agent.agentId()), outcome -> {
            if (outcome != AssignOutcome.DONE) {
                return FALSE;
            }
            ctx.metrics().offers.increment();
            escalation.cancel(chat.chatId());
            // Armed before the agent can answer it (on their own lane), then the offer goes out.
            return ctx.thenAtOnce(offers.armExpiry(chat.chatId(), agent.agentId(), timeout, ownerWindow), armed -> {
                delivery.toAgent(agent.agentId(), new ServerMessage.Offer(chat.chatId(), Delivery.customerInfo(chat), chat.group(), timeout));
                log.debug("chat {} offered to agent {}", chat.chatId(), agent.agentId());
                return TRUE;
            });
        });
    }

    /**
     * The chat is the agent's now: the shopper is told, care starts, and the agent gets the
     * conversation so far (greeting, what the shopper wrote, transfer notes), then the assignment.
     * Each store step goes on from the last one's answer; the stage completes once the agent has
     * the history (a blocking caller waits with {@code NodeContext.await}).
     */
    public CompletionStage<Void> onAssigned(ChatRecord chat, AgentRecord agent) {
        escalation.cancel(chat.chatId());
        offers.cancel(chat.chatId(), agent.agentId());
        forgetExcluded(chat.chatId());
        intake.forget(chat.chatId());
        positions.forget(chat.chatId());
        long now = ctx.now();
        positions.startedHandling(chat.chatId(), now);
        ctx.metrics().assigned.increment();
        // The shopper's messages from now on go to the agent at once (other threads): held until the history is sent.
        Peer agentPeer = delivery.holdChat(agent.agentId(), chat.chatId());
        long[] sent = {0};
        CompletionStage<Void> handedOver;
        try {
            CompletionStage<ServerMessage.Assigned> told = delivery.appendForShopperAsync(chat, seq -> new ServerMessage.Assigned(
                    chat.chatId(), seq, new ServerMessage.AgentInfo(agent.agentId(), agent.name()), Delivery.customerInfo(chat)));
            handedOver = ctx.thenAtOnce(told, assigned -> ctx.thenAtOnce(ctx.store().eventsAfterAsync(chat.chatId(), 0), history -> {
                boolean humanReplied = false;
                if (history.stream().filter(e -> e instanceof ServerMessage.Assigned).count() == 1) {
                    // The first assignment: queuedAt is the join. (A transferred chat keeps queuedAt as its place in
                    // line; its wait from the join would count the whole earlier conversation as queueing.)
                    ctx.metrics().firstAssigned(chat, Math.max(0, now - chat.queuedAt()));
                }
                for (ChatEvent e : history) {
                    if (e instanceof ServerMessage.ChatText t && "agent".equals(t.from())) {
                        humanReplied = true; // answered before a transfer: the first-reply SLA was counted then
                        break;
                    }
                }
                return ctx.thenAtOnce(hooks.assigned(chat, now, humanReplied), cared -> {
                    for (ChatEvent e : history) {
                        delivery.toAgent(agent.agentId(), Delivery.frame(e));
                        sent[0] = e.seq();
                    }
                    log.debug("chat {} assigned to agent {}", chat.chatId(), agent.agentId());
                    return NodeContext.DONE;
                });
            }));
        } catch (RuntimeException e) {
            handedOver = CompletableFuture.failedFuture(e);
        }
        return handedOver.whenComplete((done, failed) -> delivery.release(agentPeer, chat.chatId(), sent[0]));
    }

    /** First-contact ownership: the first agent who answers owns the shopper (renewed with each chat). */
    public void claimOwnership(ChatRecord chat, String agentId) {
        int hours = ctx.cfg().ownership().retentionHours();
        if (hours > 0) {
            ctx.store().claimOwnership(chat.customerId(), agentId, ctx.now() + TimeUnit.HOURS.toMillis(hours));
        }
    }
}
