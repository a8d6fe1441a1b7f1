package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.router.QaReview.Csat;
import io.chatgateway.router.QaReview.QaSample;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * The shared store for several gateway nodes, on Redis (or a Redis Cluster) through Lettuce.
 *
 * <p>Every {@link ChatStore} step that reads and writes more than one key is one Lua script (in
 * {@code lua/*.lua}), so it is atomic whichever nodes race: offering or assigning checks the chat
 * is waiting and the agent is online, connected and under capacity and changes both together;
 * releases keep each group's "agents with room" set exact.
 *
 * <p><b>Where keys live.</b> Routing state that must change atomically together shares the hash
 * tag {@code {cg}}, one slot: {@code chat:<id>} hashes, {@code open:<customer>}, queues
 * {@code q:<group>:<tier>} (sorted sets scored by −rank), {@code groups}, {@code agent:<id>},
 * {@code agents}, {@code members:<group>}, {@code roomrow:<group>} and its log {@code roomlog:<group>}, {@code agentchats:<id>},
 * {@code owner:<customer>}, {@code timers} (shared deadlines), {@code csat:<chat>}, {@code qa},
 * {@code config}, {@code audit}, {@code scripts}, {@code overflow:forced}, and the node bus's
 * presence. Each chat's log lives under its OWN tag ({@link RedisChatLogs}): seq, route, events,
 * recent client keys and care state, so the message path, the bulk of all traffic, spreads over
 * every master of a Cluster. Closed chats expire after {@code closedRetention}.
 *
 * <p>Commands time out after {@code commandTimeout} and are refused, not queued, while Redis is
 * unreachable ({@link RedisConnector}): callers get {@link StoreUnavailableException} at once
 * and clients are told {@code unavailable}.
 */
public final class RedisChatStore implements ChatStore, AutoCloseable {
    private static final String P = "{cg}:";
    /** {@code redis-cluster://host1:port1,host2:port2}: a Redis Cluster given by seed nodes. */
    public static final String CLUSTER_SCHEME = "redis-cluster://";

    /** KEYS chat, agent; ARGV agentId, state, chatId. 0 done, 1 chat not waiting, 2 agent unavailable, 3 full. */
    private static final String TAKE = LuaScripts.load(RedisChatStore.class, "take");

    /** KEYS chat; ARGV agentId. */
    private static final String ACCEPT = LuaScripts.load(RedisChatStore.class, "accept");

    /** KEYS chat; ARGV agentId, chatId. */
    private static final String WITHDRAW = LuaScripts.load(RedisChatStore.class, "withdraw");

    /** KEYS chat; ARGV chatId, newGroup ('' keeps it). */
    private static final String REQUEUE = LuaScripts.load(RedisChatStore.class, "requeue");

    /** KEYS chat, to-agent; ARGV chatId, from, to, override ('1'). */
    private static final String TRANSFER = LuaScripts.load(RedisChatStore.class, "transfer");
    private static final String IDLE = LuaScripts.load(RedisChatStore.class, "idle");
    private static final String WAKE = LuaScripts.load(RedisChatStore.class, "wake");

    /** KEYS chat; ARGV chatId, reason, retention ms. Returns {} or {state before, the closed chat's fields and values}. */
    private static final String CLOSE = LuaScripts.load(RedisChatStore.class, "close");

    /** KEYS chat; ARGV chatId, customerId, then field/value pairs. */
    private static final String CREATE = LuaScripts.load(RedisChatStore.class, "create");

    private static final String PROMISE = LuaScripts.load(RedisChatStore.class, "promise");

    /** KEYS owner; ARGV agentId, ttl ms. Claims unless another agent owns the customer. */
    private static final String CLAIM = LuaScripts.load(RedisChatStore.class, "claim");

    private final io.lettuce.core.AbstractRedisClient client;
    private final io.lettuce.core.api.StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> redis;
    private final io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async;
    private final MessageCodec codec = MessageCodec.json(ProtocolLimits.defaults());
    private final int maxLogEvents;
    private final Duration closedRetention;
    private final Duration commandTimeout;
    private final RedisChatLogs logs;
    private final RedisSettings settings;
    private final WaitingChats waiting;
    private final RedisTimers timers;
    private final RoomCopies rooms;
    private final RedisGroupLoads groupLoads;
    private final RedisQueues queues;
    private final RedisAgents agents;

    /**
     * Connects to Redis ({@code redis://host:port}, or a cluster as {@code redis-cluster://host:port,host:port})
     * and seeds the routing configuration if none is
     * stored yet (the first node to start wins; later nodes use what is there).
     */
    public RedisChatStore(String uri, RoutingConfig initialConfig, Duration commandTimeout, int maxLogEvents, Duration closedRetention) {
        this.maxLogEvents = maxLogEvents;
        this.closedRetention = closedRetention;
        this.commandTimeout = commandTimeout;
        RedisConnection c = RedisConnector.connect(uri, commandTimeout);
        client = c.client();
        connection = c.stateful();
        redis = c.sync();
        async = c.async();
        settings = new RedisSettings(redis, async, closedRetention);
        waiting = new WaitingChats(redis, async, this::chats, RedisChatStore::chatKey);
        logs = new RedisChatLogs(connection, redis, async, codec, maxLogEvents, closedRetention, commandTimeout, RedisTimers.ARM, P + "timers");
        timers = new RedisTimers(redis, async, P + "timers");
        rooms = new RoomCopies(async, P);
        groupLoads = new RedisGroupLoads(redis, async, commandTimeout, P);
        queues = new RedisQueues(redis, P, waiting);
        agents = new RedisAgents(redis, async, commandTimeout, P);
        call(() -> redis.hsetnx(P + "config", "json", initialConfig.toJson().toString())
                && redis.hsetnx(P + "config", "version", "1"));
    }

    public RedisChatStore(String uri, RoutingConfig initialConfig) {
        this(uri, initialConfig, Duration.ofSeconds(1), 10_000, Duration.ofHours(24));
    }

    /** True when Redis answers now (readiness). */
    public boolean ping() {
        try {
            return "PONG".equals(redis.ping());
        } catch (RedisException e) {
            return false;
        }
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }

    static <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (RedisException e) {
            throw new StoreUnavailableException("Redis: " + e.getMessage(), e);
        }
    }

    /** The chats behind these ids (those that exist), read in one pipelined round trip per batch. */
    private List<ChatRecord> chats(java.util.Collection<String> ids) {
        return RedisReads.hashes(async, commandTimeout, ids.stream().map(RedisChatStore::chatKey).toList()).stream()
                .map(RedisRecords::chatOf).filter(java.util.Objects::nonNull).collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    }

    private long script(String lua, String[] keys, String... args) {
        Long r = call(() -> LuaScripts.eval(redis, lua, ScriptOutputType.INTEGER, keys, args));
        return r == null ? 0 : r;
    }

    @Override
    public void notePromise(String chatId, long etaSeconds) {
        script(PROMISE, new String[] {chatKey(chatId)}, Long.toString(etaSeconds));
    }

    private static String chatKey(String chatId) {
        return P + "chat:" + chatId;
    }

    private static String agentKey(String agentId) {
        return P + "agent:" + agentId;
    }

    // ------------------------------------------------------------------ chats and queues

    @Override
    public void createWaitingChat(ChatRecord chat) {
        await(createWaitingChatAsync(chat));
    }

    @Override
    public CompletionStage<Void> createWaitingChatAsync(ChatRecord chat) {
        if (chat.state() != ChatState.WAITING) {
            throw new IllegalArgumentException("new chat " + chat.chatId() + " is " + chat.state() + " (expected: WAITING)");
        }
        String[] args = RedisRecords.concat(new String[] {chat.chatId(), chat.customerId()}, RedisRecords.chatFields(chat));
        // Sent together: the routing record (tag {cg}) and the chat's log (its own tag), one wait for both.
        CompletionStage<Long> created = LuaScripts.evalAsync(async, CREATE, ScriptOutputType.INTEGER, new String[] {chatKey(chat.chatId())}, args);
        return RedisReads.failUnavailable(() -> created.thenCombine(logs.create(async, chat.chatId()), (n, log) -> {
            if (n == null || n == 0) {
                throw new IllegalArgumentException("chat " + chat.chatId() + " exists already");
            }
            return null;
        }));
    }

    @Override
    public Optional<ChatRecord> chat(String chatId) {
        return await(chatAsync(chatId));
    }

    @Override
    public CompletionStage<Optional<ChatRecord>> chatAsync(String chatId) {
        return RedisReads.failUnavailable(() -> async.hgetall(chatKey(chatId)).thenApply(h -> Optional.ofNullable(RedisRecords.chatOf(h))));
    }

    private <T> T await(CompletionStage<T> step) {
        return RedisReads.await(step.toCompletableFuture(), commandTimeout);
    }

    @Override
    public Optional<ChatRecord> openChatOf(String customerId) {
        return await(openChatOfAsync(customerId));
    }

    @Override
    public CompletionStage<Optional<ChatRecord>> openChatOfAsync(String customerId) {
        return RedisReads.failUnavailable(() -> async.get(P + "open:" + customerId).thenCompose(id -> id == null
                ? CompletableFuture.completedStage(Optional.<ChatRecord>empty()) : chatAsync(id)));
    }

    @Override
    public List<ChatRecord> waiting(String group, Tier tier, int limit) {
        return queues.waiting(group, tier, limit);
    }

    @Override
    public CompletionStage<List<ChatRecord>> waitingAsync(String group, Tier tier, int limit) {
        return queues.waitingAsync(group, tier, limit);
    }

    @Override
    public List<ChatRecord> waiting(String group, int limit) {
        return queues.waiting(group, limit);
    }

    @Override
    public List<String> waitingIds(String group, int limit) {
        return queues.waitingIds(group, limit);
    }

    @Override
    public int position(String chatId) {
        return queues.position(chatId);
    }

    @Override
    public Map<String, Map<Tier, Integer>> queueDepths() {
        return queues.depths();
    }

    @Override
    public void rerank(ToDoubleFunction<ChatRecord> rank) {
        queues.rerank(rank);
    }

    private CompletionStage<AssignOutcome> take(String chatId, String agentId, ChatState to) {
        return RedisReads.failUnavailable(() -> LuaScripts.<Long>evalAsync(async, TAKE, ScriptOutputType.INTEGER,
                new String[] {chatKey(chatId), agentKey(agentId)}, agentId, to.name(), chatId).thenApply(r -> switch (r == null ? 0 : r.intValue()) {
                    case 0 -> AssignOutcome.DONE;
                    case 1 -> AssignOutcome.CHAT_NOT_WAITING;
                    case 2 -> AssignOutcome.AGENT_UNAVAILABLE;
                    default -> AssignOutcome.AGENT_FULL;
                }));
    }

    @Override
    public AssignOutcome tryOffer(String chatId, String agentId) {
        return await(tryOfferAsync(chatId, agentId));
    }

    @Override
    public CompletionStage<AssignOutcome> tryOfferAsync(String chatId, String agentId) {
        return take(chatId, agentId, ChatState.OFFERED);
    }

    @Override
    public AssignOutcome tryAssign(String chatId, String agentId) {
        return await(tryAssignAsync(chatId, agentId));
    }

    @Override
    public CompletionStage<AssignOutcome> tryAssignAsync(String chatId, String agentId) {
        return take(chatId, agentId, ChatState.ASSIGNED);
    }

    @Override
    public Optional<ChatRecord> acceptOffer(String chatId, String agentId) {
        return script(ACCEPT, new String[] {chatKey(chatId)}, agentId) == 1 ? chat(chatId) : Optional.empty();
    }

    @Override
    public Optional<ChatRecord> withdrawOffer(String chatId, String agentId) {
        return script(WITHDRAW, new String[] {chatKey(chatId)}, agentId, chatId) == 1 ? chat(chatId) : Optional.empty();
    }

    @Override
    public Optional<ChatRecord> requeue(String chatId, String newGroup) {
        return script(REQUEUE, new String[] {chatKey(chatId)}, chatId, newGroup == null ? "" : newGroup) == 1 ? chat(chatId) : Optional.empty();
    }

    @Override
    public Optional<ChatRecord> transfer(String chatId, String fromAgent, String toAgent, boolean takeOver, int allowance) {
        return script(TRANSFER, new String[] {chatKey(chatId), agentKey(toAgent)}, chatId, fromAgent, toAgent,
                takeOver ? "1" : "0", Integer.toString(allowance)) == 1 ? chat(chatId) : Optional.empty();
    }

    @Override
    public boolean idle(String chatId, String agentId) {
        return script(IDLE, new String[] {chatKey(chatId), agentKey(agentId)}, agentId) == 1;
    }

    @Override
    public boolean wake(String chatId) {
        return script(WAKE, new String[] {chatKey(chatId)}) == 1;
    }

    @Override
    public Optional<Closed> close(String chatId, String reason) {
        return await(closeAsync(chatId, reason));
    }

    @Override
    public CompletionStage<Optional<Closed>> closeAsync(String chatId, String reason) { // one step: no read of the chat before or after
        return RedisReads.failUnavailable(() -> LuaScripts.<List<Object>>evalAsync(async, CLOSE, ScriptOutputType.MULTI,
                new String[] {chatKey(chatId)}, chatId, reason, Long.toString(closedRetention.toMillis())).thenApply(RedisRecords::closedOf));
    }

    @Override
    public List<ChatRecord> chatsOf(String agentId) {
        List<ChatRecord> out = new ArrayList<>();
        for (ChatRecord c : chats(call(() -> redis.smembers(P + "agentchats:" + agentId)))) {
            if (agentId.equals(c.agentId()) && (c.state() == ChatState.ASSIGNED || c.state() == ChatState.OFFERED)) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparingLong(ChatRecord::queuedAt).thenComparing(ChatRecord::chatId));
        return out;
    }

    // ------------------------------------------------------------------ agents

    @Override
    public AgentRecord upsertAgent(AgentRecord agent) {
        agents.upsert(agent);
        return agent(agent.agentId()).orElseThrow();
    }

    @Override
    public Optional<AgentRecord> agent(String agentId) {
        return await(agentAsync(agentId));
    }

    @Override
    public CompletionStage<Optional<AgentRecord>> agentAsync(String agentId) {
        return RedisReads.failUnavailable(() -> async.hgetall(agentKey(agentId)).thenApply(h -> Optional.ofNullable(RedisRecords.agentOf(h))));
    }

    @Override
    public Optional<AgentRecord> updateAgent(String agentId, UnaryOperator<AgentRecord> change) {
        return agents.update(agentId, change) ? agent(agentId) : Optional.empty();
    }

    @Override
    public List<AgentRecord> agents() {
        return agents.all();
    }

    @Override
    public List<AgentRecord> agents(java.util.Collection<String> agentIds) {
        return agents.byIds(agentIds);
    }

    @Override
    public List<AgentRecord> agentsWithRoom(String group) {
        return await(agentsWithRoomAsync(group));
    }

    @Override
    public CompletionStage<List<AgentRecord>> agentsWithRoomAsync(String group) {
        return rooms.withRoomAsync(group); // the room index (lua/room-fn.lua), what changed since this node last read it
    }

    @Override
    public GroupLoad groupLoad(String group) {
        return groupLoads.of(group);
    }

    // ------------------------------------------------------------------ ownership

    @Override
    public Optional<String> ownerOf(String customerId, long nowMillis) {
        return await(ownerOfAsync(customerId, nowMillis));
    }

    @Override
    public CompletionStage<Optional<String>> ownerOfAsync(String customerId, long nowMillis) {
        return RedisReads.failUnavailable(() -> async.get(P + "owner:" + customerId).thenApply(Optional::ofNullable));
    }

    @Override
    public void claimOwnership(String customerId, String agentId, long untilMillis) {
        long ttl = Math.max(1, untilMillis - System.currentTimeMillis());
        script(CLAIM, new String[] {P + "owner:" + customerId}, agentId, Long.toString(ttl));
    }

    // ------------------------------------------------------------------ logs (in the chat's own hash tag: RedisChatLogs)

    @Override
    public <E extends ChatEvent> E append(String chatId, LongFunction<E> event, ChatStore.Appended<E> inLogOrder) {
        return logs.append(chatId, null, event, inLogOrder).orElseThrow();
    }

    @Override
    public <E extends ChatEvent> CompletionStage<E> appendAsync(String chatId, LongFunction<E> event, ChatStore.Appended<E> inLogOrder) {
        return logs.appendAsync(chatId, null, event, inLogOrder).thenApply(Optional::orElseThrow);
    }

    @Override
    public <E extends ChatEvent> Optional<E> appendOnce(String chatId, String clientKey, LongFunction<E> event) {
        return logs.appendOnce(chatId, clientKey, event);
    }

    @Override
    public <E extends ChatEvent> void say(String chatId, String byAgent, String clientKey, long nowMillis, String timer,
                                          long nudgeAfterMillis, LongFunction<E> event, java.util.function.Consumer<Spoken<E>> inLogOrder,
                                          java.util.function.Consumer<Spoken<E>> then) {
        logs.say(chatId, byAgent, clientKey, nowMillis, timer, nudgeAfterMillis, event, inLogOrder, then);
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
    public CompletionStage<List<ChatEvent>> eventsAfterAsync(String chatId, long afterSeq) {
        return logs.eventsAfterAsync(chatId, afterSeq);
    }

    // ------------------------------------------------------------------ CSAT, QA, config, scripts, audit, overflow (RedisSettings)

    @Override
    public void saveCsat(String chatId, int score, String comment) {
        settings.saveCsat(chatId, score, comment);
    }

    @Override
    public Optional<Csat> csat(String chatId) {
        return settings.csat(chatId);
    }

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
    public long configVersion() {
        return settings.configVersion();
    }

    @Override
    public long scriptsVersion() {
        return settings.scriptsVersion();
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

    // ------------------------------------------------------------------ client ids, timers, care, overflow


    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public void armTimer(String name, long dueMillis) {
        timers.arm(name, dueMillis);
    }

    @Override
    public CompletionStage<Void> armTimerAsync(String name, long dueMillis) {
        return timers.armAsync(name, dueMillis);
    }

    @Override
    public void disarmTimer(String... names) {
        timers.disarm(names);
    }

    @Override
    public List<String> claimDueTimers(long nowMillis, int max) {
        return timers.claimDue(nowMillis, max);
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
    public CompletionStage<Void> putCareAsync(String chatId, Care c) {
        return logs.putCareAsync(chatId, c);
    }

    @Override
    public boolean replaceCare(String chatId, long expectedVersion, Care next) {
        return logs.replaceCare(chatId, expectedVersion, next);
    }

    @Override
    public long armCare(String chatId, String timer, long deadlineMillis, long nudgeAfterMillis) {
        return await(armCareAsync(chatId, timer, deadlineMillis, nudgeAfterMillis));
    }

    @Override
    public CompletionStage<Long> armCareAsync(String chatId, String timer, long deadlineMillis, long nudgeAfterMillis) {
        // The chat's own slot first, then the deadline (routing state).
        return logs.armCareAsync(chatId, deadlineMillis, nudgeAfterMillis).thenCompose(due -> armTimerAsync(timer, due).thenApply(x -> due));
    }

    @Override
    public void dropCare(String chatId) {
        logs.dropCare(chatId);
    }

    // ------------------------------------------------------------------ nodes

    /**
     * The client and connection of this store, for what shares them (the node bus: presence,
     * liveness and pub/sub on the same Redis).
     */
    public RedisConnection connection() {
        return new RedisConnection(client, connection, redis, async);
    }
}
