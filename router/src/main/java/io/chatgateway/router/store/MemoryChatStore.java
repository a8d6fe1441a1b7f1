package io.chatgateway.router.store;

import io.chatgateway.protocol.ServerMessage.ChatEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

/**
 * The embedded single-node store: plain maps under one lock, so each method is atomic exactly as
 * the {@link ChatStore} contract asks. Nothing here is evicted while a chat is open; closed chats
 * (with their logs, for late resumes) are kept up to {@code maxClosedChats}, oldest dropped first.
 */
public final class MemoryChatStore implements ChatStore {

    /** Queue order: tier (VIP first), then original place, then id for a total order. */
    public static final Comparator<ChatRecord> QUEUE_ORDER = Comparator
            .comparing(ChatRecord::tier)
            .thenComparingLong(ChatRecord::queuedAt)
            .thenComparing(ChatRecord::chatId);

    private final int maxLogEvents;
    private final int maxClosedChats;

    private final Map<String, ChatRecord> chats = new HashMap<>();
    private final Map<String, String> openChatByCustomer = new HashMap<>();
    private final Map<String, TreeSet<ChatRecord>> queues = new TreeMap<>();
    private final Map<String, AgentRecord> agents = new TreeMap<>();
    private final Map<String, Owner> owners = new HashMap<>();
    private final Map<String, Log> logs = new HashMap<>();
    private final LinkedHashMap<String, Boolean> closedOrder = new LinkedHashMap<>();

    private final Map<String, Csat> csat = new HashMap<>();

    /** A stored satisfaction answer. */
    public record Csat(int score, String comment) {
    }

    /** The satisfaction answer stored for a chat, if any. */
    public synchronized Optional<Csat> csat(String chatId) {
        return Optional.ofNullable(csat.get(chatId));
    }

    private record Owner(String agentId, long untilMillis) {
    }

    private static final class Log {
        final ArrayDeque<ChatEvent> events = new ArrayDeque<>();
        long lastSeq;
    }

    public MemoryChatStore(int maxLogEvents, int maxClosedChats) {
        if (maxLogEvents < 1 || maxClosedChats < 0) {
            throw new IllegalArgumentException("maxLogEvents " + maxLogEvents + ", maxClosedChats " + maxClosedChats
                    + " (expected: maxLogEvents >= 1, maxClosedChats >= 0)");
        }
        this.maxLogEvents = maxLogEvents;
        this.maxClosedChats = maxClosedChats;
    }

    public MemoryChatStore() {
        this(10_000, 10_000);
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
        queue(chat.group()).add(chat);
        logs.put(chat.chatId(), new Log());
    }

    private TreeSet<ChatRecord> queue(String group) {
        return queues.computeIfAbsent(group, g -> new TreeSet<>(QUEUE_ORDER));
    }

    @Override
    public synchronized Optional<ChatRecord> chat(String chatId) {
        return Optional.ofNullable(chats.get(chatId));
    }

    @Override
    public synchronized Optional<ChatRecord> openChatOf(String customerId) {
        String id = openChatByCustomer.get(customerId);
        return id == null ? Optional.empty() : Optional.ofNullable(chats.get(id));
    }

    @Override
    public synchronized List<ChatRecord> waiting(String group, int limit) {
        TreeSet<ChatRecord> q = queues.get(group);
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
    public synchronized int position(String chatId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.WAITING) {
            return 0;
        }
        // O(position); the routing-engine issue replaces this with an order-statistics index.
        return queue(c.group()).headSet(c, false).size() + 1;
    }

    @Override
    public synchronized Map<String, Integer> queueDepths() {
        Map<String, Integer> out = new TreeMap<>();
        queues.forEach((g, q) -> out.put(g, q.size()));
        return out;
    }

    @Override
    public synchronized AssignOutcome tryAssign(String chatId, String agentId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.WAITING) {
            return AssignOutcome.CHAT_NOT_WAITING;
        }
        AgentRecord a = agents.get(agentId);
        if (a == null || a.status() != io.chatgateway.protocol.AgentStatus.ONLINE || !a.connected()) {
            return AssignOutcome.AGENT_UNAVAILABLE;
        }
        if (a.load() >= a.capacity()) {
            return AssignOutcome.AGENT_FULL;
        }
        queue(c.group()).remove(c);
        chats.put(chatId, c.withState(ChatState.ASSIGNED, agentId));
        agents.put(agentId, a.withLoad(a.load() + 1));
        return AssignOutcome.ASSIGNED;
    }

    @Override
    public synchronized Optional<ChatRecord> requeue(String chatId) {
        ChatRecord c = chats.get(chatId);
        if (c == null || c.state() != ChatState.ASSIGNED) {
            return Optional.empty();
        }
        releaseLoad(c.agentId());
        ChatRecord waiting = c.withState(ChatState.WAITING, null);
        chats.put(chatId, waiting);
        queue(c.group()).add(waiting);
        return Optional.of(waiting);
    }

    private void releaseLoad(String agentId) {
        AgentRecord a = agents.get(agentId);
        if (a != null) {
            agents.put(agentId, a.withLoad(Math.max(0, a.load() - 1)));
        }
    }

    @Override
    public synchronized Optional<ChatRecord> close(String chatId, String reason) {
        ChatRecord c = chats.get(chatId);
        if (c == null || !c.isOpen()) {
            return Optional.empty();
        }
        if (c.state() == ChatState.WAITING) {
            queue(c.group()).remove(c);
        } else {
            releaseLoad(c.agentId());
        }
        ChatRecord closed = c.closed(reason);
        chats.put(chatId, closed);
        openChatByCustomer.remove(c.customerId(), chatId);
        closedOrder.put(chatId, Boolean.TRUE);
        while (closedOrder.size() > maxClosedChats) {
            Iterator<String> it = closedOrder.keySet().iterator();
            String oldest = it.next();
            it.remove();
            chats.remove(oldest);
            logs.remove(oldest);
            csat.remove(oldest);
        }
        return Optional.of(closed);
    }

    @Override
    public synchronized List<ChatRecord> chatsOf(String agentId) {
        List<ChatRecord> out = new ArrayList<>();
        for (ChatRecord c : chats.values()) {
            if (c.state() == ChatState.ASSIGNED && agentId.equals(c.agentId())) {
                out.add(c);
            }
        }
        out.sort(QUEUE_ORDER);
        return out;
    }

    @Override
    public synchronized AgentRecord upsertAgent(AgentRecord agent) {
        AgentRecord old = agents.get(agent.agentId());
        AgentRecord merged = old == null ? agent.withLoad(0) : agent.withLoad(old.load());
        agents.put(agent.agentId(), merged);
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
        AgentRecord changed = change.apply(a).withLoad(a.load()); // load only moves with assignments
        agents.put(agentId, changed);
        return Optional.of(changed);
    }

    @Override
    public synchronized List<AgentRecord> agents() {
        return List.copyOf(agents.values());
    }

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

    @Override
    public synchronized <E extends ChatEvent> E append(String chatId, LongFunction<E> event) {
        Log log = logs.get(chatId);
        if (log == null) {
            throw new IllegalArgumentException("no log for chat " + chatId);
        }
        E e = event.apply(log.lastSeq + 1);
        if (e.seq() != log.lastSeq + 1) {
            throw new IllegalStateException("event seq " + e.seq() + " (expected " + (log.lastSeq + 1) + ")");
        }
        log.lastSeq = e.seq();
        log.events.addLast(e);
        if (log.events.size() > maxLogEvents) {
            log.events.removeFirst();
        }
        return e;
    }

    @Override
    public synchronized long lastSeq(String chatId) {
        Log log = logs.get(chatId);
        return log == null ? 0 : log.lastSeq;
    }

    @Override
    public synchronized List<ChatEvent> eventsAfter(String chatId, long afterSeq) {
        Log log = logs.get(chatId);
        if (log == null) {
            return List.of();
        }
        List<ChatEvent> out = new ArrayList<>();
        for (ChatEvent e : log.events) {
            if (e.seq() > afterSeq) {
                out.add(e);
            }
        }
        return out;
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
}
