package io.chatgateway.router.store;

import io.chatgateway.router.QaReview.Csat;
import io.chatgateway.router.QaReview.QaSample;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * The embedded single-node store: plain maps under one lock, so each method is atomic exactly as
 * the {@link ChatStore} contract asks. Nothing is evicted while a chat is open; closed chats
 * (with their logs, for late resumes) are kept up to {@code maxClosedChats}, oldest dropped first.
 */
public final class MemoryChatStore implements ChatStore {

    /** Queue order: rank (higher first), then original place, then id for a total order. */
    public static final Comparator<ChatRecord> QUEUE_ORDER = Comparator
            .comparingDouble((ChatRecord c) -> -c.rank())
            .thenComparingLong(ChatRecord::queuedAt)
            .thenComparing(ChatRecord::chatId);


    private final int maxLogEvents;
    private final int maxClosedChats;

    private final Map<String, ChatRecord> chats = new HashMap<>();
    private final Map<String, String> openChatByCustomer = new HashMap<>();
    private final Map<String, Map<Tier, TreeSet<ChatRecord>>> queues = new TreeMap<>();
    /** Beside each tier queue, the same chats in an order-statistics index for O(log n) positions. */
    private final Map<String, Map<Tier, RankIndex<ChatRecord>>> ranks = new HashMap<>();
    private final MemoryAgents agents = new MemoryAgents();
    /** Assigned chats whose shopper went quiet: their slot is free (see {@link #idle}). */
    private final java.util.Set<String> idleChats = new java.util.HashSet<>();
    private long takeSeq; // offers and assignments so far: AgentRecord.lastTaken
    private final Map<String, Owner> owners = new HashMap<>();
    private final MemoryChatLogs logs;
    private final MemorySettings settings;
    private final Map<String, Csat> csat = new HashMap<>();
    private final LinkedHashMap<String, Boolean> closedOrder = new LinkedHashMap<>();
    private final MemoryTimers timers = new MemoryTimers();

    private record Owner(String agentId, long untilMillis) {
    }

    public MemoryChatStore(int maxLogEvents, int maxClosedChats, RoutingConfig initialConfig) {
        if (maxLogEvents < 1 || maxClosedChats < 0) {
            throw new IllegalArgumentException("maxLogEvents " + maxLogEvents + ", maxClosedChats " + maxClosedChats
                    + " (expected: maxLogEvents >= 1, maxClosedChats >= 0)");
        }
        this.maxLogEvents = maxLogEvents;
        this.maxClosedChats = maxClosedChats;
        this.logs = new MemoryChatLogs(maxLogEvents, timers::arm);
        this.settings = new MemorySettings(initialConfig);
    }

    public MemoryChatStore(RoutingConfig initialConfig) {
        this(10_000, 10_000, initialConfig);
    }

    public MemoryChatStore() {
        this(RoutingConfig.defaults());
    }

    // ------------------------------------------------------------------ queues

    private TreeSet<ChatRecord> queue(String group, Tier tier) {
        return queues.computeIfAbsent(group, g -> new EnumMap<>(Tier.class))
                .computeIfAbsent(tier, t -> new TreeSet<>(QUEUE_ORDER));
    }

    private RankIndex<ChatRecord> rankIndex(String group, Tier tier) {
        return ranks.computeIfAbsent(group, g -> new EnumMap<>(Tier.class))
                .computeIfAbsent(tier, t -> new RankIndex<>(QUEUE_ORDER));
    }

    private void enqueue(ChatRecord c) {
        if (queue(c.group(), c.tier()).add(c)) {
            rankIndex(c.group(), c.tier()).add(c);
        }
    }

    private void dequeue(ChatRecord c) {
        if (queue(c.group(), c.tier()).remove(c)) {
            rankIndex(c.group(), c.tier()).remove(c);
        }
    }

    @Override
    public synchronized void createWaitingChat(ChatRecord chat) {
        if (chat.state() != ChatState.WAITING) {
            throw new IllegalArgumentException("new chat " + chat.chatId() + " is " + chat.state() + " (expected: WAITING)");
        }
        if (chats.putIfAbsent(chat.chatId(), chat) != null) {
            throw new IllegalArgumentException("chat " + chat.chatId() + " exists already");
        }
        openChatByCustomer.put(chat.customerId(), chat.chatId());
        enqueue(chat);
        logs.create(chat.chatId());
    }

    @Override
    public synchronized Optional<ChatRecord> chat(String chatId) {
        return Optional.ofNullable(chats.get(chatId));
    }

    @Override
    public synchronized void notePromise(String chatId, long etaSeconds) {
        chats.computeIfPresent(chatId, (id, c) -> c.promisedEtaSeconds() < 0 ? c.withPromise(etaSeconds) : c);
    }

    @Override
    public synchronized Optional<ChatRecord> openChatOf(String customerId) {
        String id = openChatByCustomer.get(customerId);
        return id == null ? Optional.empty() : Optional.ofNullable(chats.get(id));
    }

    @Override
    public synchronized List<ChatRecord> waiting(String group, Tier tier, int limit) {
        Map<Tier, TreeSet<ChatRecord>> g = queues.get(group);
        TreeSet<ChatRecord> q = g == null ? null : g.get(tier);
        if (q == null) {
            return List.of();
        }
        List<ChatRecord> out = new ArrayList<>(Math.min(limit, q.size()));
        for (Iterator<ChatRecord> it = q.iterator(); it.hasNext() && out.size() < limit; ) {
            out.add(it.next());
        }
        return out;
    }

    @Override
    public synchronized List<ChatRecord> waiting(String group, int limit) {
        Map<Tier, TreeSet<ChatRecord>> g = queues.get(group);
        if (g == null) {
            return List.of();
        }
        // k-way merge of the tier queues: reads only as many entries as asked for.
        record Head(ChatRecord c, Iterator<ChatRecord> rest) {
        }
        PriorityQueue<Head> heads = new PriorityQueue<>((a, b) -> QUEUE_ORDER.compare(a.c(), b.c()));
        for (TreeSet<ChatRecord> q : g.values()) {
            Iterator<ChatRecord> it = q.iterator();
            if (it.hasNext()) {
                heads.add(new Head(it.next(), it));
            }
        }
        List<ChatRecord> out = new ArrayList<>();
        while (!heads.isEmpty() && out.size() < limit) {
            Head h = heads.poll();
            out.add(h.c());
            if (h.rest().hasNext()) {
                heads.add(new Head(h.rest().next(), h.rest()));
            }
        }
        return out;
    }

    @Override
    public synchronized int position(String chatId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.WAITING) {
            return 0;
        }
        int ahead = 0;
        for (RankIndex<ChatRecord> index : ranks.get(c.group()).values()) {
            ahead += index.countBefore(c);
        }
        return ahead + 1;
    }

    @Override
    public synchronized Map<String, Map<Tier, Integer>> queueDepths() {
        Map<String, Map<Tier, Integer>> out = new TreeMap<>();
        queues.forEach((g, byTier) -> {
            Map<Tier, Integer> m = new EnumMap<>(Tier.class);
            byTier.forEach((t, q) -> m.put(t, q.size()));
            out.put(g, m);
        });
        return out;
    }

    @Override
    public synchronized void rerank(ToDoubleFunction<ChatRecord> rank) {
        for (Map<Tier, TreeSet<ChatRecord>> byTier : queues.values()) {
            for (Map.Entry<Tier, TreeSet<ChatRecord>> e : byTier.entrySet()) {
                TreeSet<ChatRecord> fresh = new TreeSet<>(QUEUE_ORDER);
                for (ChatRecord c : e.getValue()) {
                    ChatRecord r = c.withRank(rank.applyAsDouble(c));
                    chats.put(r.chatId(), r);
                    fresh.add(r);
                }
                e.setValue(fresh);
            }
        }
        ranks.clear();
        queues.forEach((g, byTier) -> byTier.forEach((t, q) -> q.forEach(c -> rankIndex(g, t).add(c))));
        // Offered and assigned chats keep a rank for when they come back to the queue.
        for (Map.Entry<String, ChatRecord> e : chats.entrySet()) {
            ChatRecord c = e.getValue();
            if (c.state() == ChatState.OFFERED || c.state() == ChatState.ASSIGNED) {
                e.setValue(c.withRank(rank.applyAsDouble(c)));
            }
        }
    }

    // ------------------------------------------------------------------ offers and assignment

    private AssignOutcome take(String chatId, String agentId, ChatState to) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.WAITING) {
            return AssignOutcome.CHAT_NOT_WAITING;
        }
        AgentRecord a = agents.get(agentId);
        if (a == null || a.status() != AgentStatus.ONLINE || !a.connected()) {
            return AssignOutcome.AGENT_UNAVAILABLE;
        }
        if (a.load() >= a.capacity()) {
            return AssignOutcome.AGENT_FULL;
        }
        dequeue(c);
        chats.put(chatId, c.with(to, agentId));
        agents.put(a.withLoad(a.load() + 1).withLastTaken(++takeSeq));
        return AssignOutcome.DONE;
    }

    @Override
    public synchronized AssignOutcome tryOffer(String chatId, String agentId) {
        return take(chatId, agentId, ChatState.OFFERED);
    }

    @Override
    public synchronized AssignOutcome tryAssign(String chatId, String agentId) {
        return take(chatId, agentId, ChatState.ASSIGNED);
    }

    @Override
    public synchronized Optional<ChatRecord> acceptOffer(String chatId, String agentId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.OFFERED || !agentId.equals(c.agentId())) {
            return Optional.empty();
        }
        ChatRecord assigned = c.with(ChatState.ASSIGNED, agentId);
        chats.put(chatId, assigned);
        return Optional.of(assigned);
    }

    @Override
    public synchronized Optional<ChatRecord> withdrawOffer(String chatId, String agentId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.OFFERED || !agentId.equals(c.agentId())) {
            return Optional.empty();
        }
        agents.addToLoad(agentId, -1); // an offered chat is never idle
        ChatRecord waiting = c.with(ChatState.WAITING, null);
        chats.put(chatId, waiting);
        enqueue(waiting);
        return Optional.of(waiting);
    }

    @Override
    public synchronized Optional<ChatRecord> requeue(String chatId, String newGroup) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.ASSIGNED) {
            return Optional.empty();
        }
        releaseLoad(chatId, c.agentId());
        ChatRecord waiting = c.with(ChatState.WAITING, null);
        if (newGroup != null) {
            waiting = waiting.withGroup(newGroup);
        }
        chats.put(chatId, waiting);
        enqueue(waiting);
        return Optional.of(waiting);
    }

    @Override
    public synchronized Optional<ChatRecord> transfer(String chatId, String fromAgent, String toAgent, boolean takeOver, int allowance) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.ASSIGNED || !fromAgent.equals(c.agentId()) || fromAgent.equals(toAgent)) {
            return Optional.empty();
        }
        AgentRecord to = agents.get(toAgent);
        if (to == null || !to.connected() || to.load() >= to.capacity() + allowance
                || (!takeOver && to.status() != AgentStatus.ONLINE && to.status() != AgentStatus.TRANSFERS_ONLY)) {
            return Optional.empty();
        }
        releaseLoad(chatId, fromAgent);
        agents.addToLoad(toAgent, 1); // with its new agent the chat counts again, idle or not before
        ChatRecord moved = c.with(ChatState.ASSIGNED, toAgent);
        chats.put(chatId, moved);
        return Optional.of(moved);
    }

    /** The chat no longer counts against its agent: load − 1, unless it was idle (its slot was freed then). */
    private void releaseLoad(String chatId, String agentId) {
        if (!idleChats.remove(chatId)) {
            agents.addToLoad(agentId, -1);
        }
    }

    @Override
    public synchronized boolean idle(String chatId, String agentId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.ASSIGNED || !agentId.equals(c.agentId()) || !idleChats.add(chatId)) {
            return false;
        }
        agents.addToLoad(agentId, -1);
        return true;
    }

    @Override
    public synchronized boolean wake(String chatId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.ASSIGNED || !idleChats.remove(chatId)) {
            return false;
        }
        agents.addToLoad(c.agentId(), 1);
        return true;
    }

    @Override
    public synchronized Optional<Closed> close(String chatId, String reason) {
        ChatRecord c = chats.get(chatId);
        if (c == null || !c.isOpen()) {
            return Optional.empty();
        }
        if (c.state() == ChatState.WAITING) {
            dequeue(c);
        } else {
            releaseLoad(chatId, c.agentId());
        }
        ChatRecord closed = c.closed(reason);
        chats.put(chatId, closed);
        openChatByCustomer.remove(c.customerId(), chatId);
        logs.closed(chatId);
        closedOrder.put(chatId, Boolean.TRUE);
        while (closedOrder.size() > maxClosedChats) {
            Iterator<String> it = closedOrder.keySet().iterator();
            String oldest = it.next();
            it.remove();
            chats.remove(oldest);
            logs.remove(oldest);
            csat.remove(oldest);
        }
        return Optional.of(new Closed(closed, c.state()));
    }

    @Override
    public synchronized List<ChatRecord> chatsOf(String agentId) {
        List<ChatRecord> out = new ArrayList<>();
        for (ChatRecord c : chats.values()) {
            if ((c.state() == ChatState.ASSIGNED || c.state() == ChatState.OFFERED) && agentId.equals(c.agentId())) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparingLong(ChatRecord::queuedAt).thenComparing(ChatRecord::chatId));
        return out;
    }

    // ------------------------------------------------------------------ agents

    @Override
    public synchronized AgentRecord upsertAgent(AgentRecord agent) {
        AgentRecord old = agents.get(agent.agentId());
        AgentRecord merged = old == null ? agent.withLoad(0).withMissedOffers(0).withLastTaken(0)
                : agent.withLoad(old.load()).withMissedOffers(old.missedOffers()).withLastTaken(old.lastTaken());
        agents.put(merged);
        return merged;
    }

    @Override
    public synchronized Optional<AgentRecord> agent(String agentId) {
        return Optional.ofNullable(agents.get(agentId));
    }

    @Override
    public synchronized Optional<AgentRecord> updateAgent(String agentId, UnaryOperator<AgentRecord> change) {
        AgentRecord a = agents.get(agentId);
        if (a == null) {
            return Optional.empty();
        }
        AgentRecord changed = change.apply(a).withLoad(a.load());
        agents.put(changed);
        return Optional.of(changed);
    }

    @Override
    public synchronized List<AgentRecord> agents() {
        return List.copyOf(agents.all());
    }

    @Override
    public synchronized List<AgentRecord> agentsWithRoom(String group) {
        return agents.withRoom(group);
    }

    @Override
    public synchronized GroupLoad groupLoad(String group) {
        return agents.load(group);
    }

    // ------------------------------------------------------------------ ownership

    @Override
    public synchronized Optional<String> ownerOf(String customerId, long nowMillis) {
        Owner o = owners.get(customerId);
        if (o == null) {
            return Optional.empty();
        }
        if (o.untilMillis() <= nowMillis) {
            owners.remove(customerId);
            return Optional.empty();
        }
        return Optional.of(o.agentId());
    }

    @Override
    public synchronized void claimOwnership(String customerId, String agentId, long untilMillis) {
        owners.merge(customerId, new Owner(agentId, untilMillis),
                (old, neu) -> old.agentId().equals(neu.agentId()) ? neu : old);
    }

    // ------------------------------------------------------------------ logs

    // Chat logs have a lock per chat (MemoryChatLogs): messages never wait for routing decisions.

    @Override
    public <E extends ChatEvent> E append(String chatId, LongFunction<E> event, ChatStore.Appended<E> inLogOrder) {
        return logs.append(chatId, event, inLogOrder);
    }

    @Override
    public <E extends ChatEvent> Optional<E> appendOnce(String chatId, String clientKey, LongFunction<E> event) {
        return logs.appendOnce(chatId, clientKey, event);
    }

    @Override
    public <E extends ChatEvent> void say(String chatId, String byAgent, String clientKey, long nowMillis, String timer,
                                          long nudgeAfterMillis, LongFunction<E> event, java.util.function.Consumer<Spoken<E>> inLogOrder,
                                          java.util.function.Consumer<Spoken<E>> then) {
        then.accept(logs.say(chatId, byAgent, clientKey, nowMillis, timer, nudgeAfterMillis, event, inLogOrder)); // at once, on this thread
    }

    @Override
    public long lastSeq(String chatId) {
        return logs.lastSeq(chatId);
    }

    @Override
    public List<ChatEvent> eventsAfter(String chatId, long afterSeq) {
        return logs.eventsAfter(chatId, afterSeq);
    }

    @Override
    public Optional<Care> care(String chatId) {
        return logs.care(chatId);
    }

    @Override
    public void putCare(String chatId, Care c) {
        logs.putCare(chatId, c);
    }

    @Override
    public boolean replaceCare(String chatId, long expectedVersion, Care next) {
        return logs.replaceCare(chatId, expectedVersion, next);
    }

    @Override
    public long armCare(String chatId, String timer, long deadlineMillis, long nudgeAfterMillis) {
        long due = logs.armCare(chatId, deadlineMillis, nudgeAfterMillis);
        armTimer(timer, due);
        return due;
    }

    @Override
    public void dropCare(String chatId) {
        logs.dropCare(chatId);
    }

    @Override
    public synchronized void saveCsat(String chatId, int score, String comment) {
        if (score < 1 || score > 5) {
            throw new IllegalArgumentException("score " + score + " (expected 1..5)");
        }
        if (chats.containsKey(chatId)) {
            csat.put(chatId, new Csat(score, comment));
        }
    }

    @Override
    public synchronized Optional<Csat> csat(String chatId) {
        return Optional.ofNullable(csat.get(chatId));
    }

    // ------------------------------------------------------------------ configuration, scripts, audit, QA, overflow (MemorySettings)

    @Override
    public void addQaSample(QaSample sample) {
        settings.addQaSample(sample);
    }

    @Override
    public List<QaSample> qaSamples(int limit) {
        return settings.qaSamples(limit);
    }

    @Override
    public void noteEtaError(String group, String tier, long errorSeconds) {
        settings.noteEtaError(group, tier, errorSeconds);
    }

    @Override
    public List<Long> etaErrors(String group, String tier) {
        return settings.etaErrors(group, tier);
    }

    @Override
    public VersionedConfig config() {
        return settings.config();
    }

    @Override
    public Optional<VersionedConfig> replaceConfig(long expectedVersion, RoutingConfig next, AuditEntry entry) {
        return settings.replaceConfig(expectedVersion, next, entry);
    }

    @Override
    public EditedScripts scripts() {
        return settings.scripts();
    }

    @Override
    public boolean replaceScripts(long expectedVersion, Map<String, Map<String, String>> edited) {
        return settings.replaceScripts(expectedVersion, edited);
    }

    @Override
    public List<AuditEntry> audit(int limit) {
        return settings.audit(limit);
    }

    @Override
    public Map<String, Boolean> forcedOverflow() {
        return settings.forcedOverflow();
    }

    @Override
    public void forceOverflow(String group, Boolean on) {
        settings.forceOverflow(group, on);
    }

    // ------------------------------------------------------------------ timers

    @Override
    public void armTimer(String name, long dueMillis) {
        timers.arm(name, dueMillis);
    }

    @Override
    public void disarmTimer(String... names) {
        for (String name : names) {
            timers.disarm(name);
        }
    }

    @Override
    public List<String> claimDueTimers(long nowMillis, int max) {
        return timers.claimDue(nowMillis, max);
    }
}
