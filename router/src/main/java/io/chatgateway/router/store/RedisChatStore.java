package io.chatgateway.router.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * The shared store for several gateway nodes, on Redis through Lettuce.
 *
 * <p>Every {@link ChatStore} step that reads and writes more than one key is one Lua script, so it
 * is atomic whichever nodes race: offering or assigning checks the chat is waiting and the agent is
 * online, connected and under capacity and changes both together; releases keep each group's
 * "agents with room" set exact. All keys share the hash tag {@code {cg}}, so the scripts run
 * unchanged on Redis Cluster (at the price of keeping the routing state in one slot).
 *
 * <p>Layout (prefix {@code {cg}:}): {@code chat:<id>} hash; {@code open:<customer>} the open chat;
 * {@code q:<group>:<tier>} sorted set scored by −rank (ties: chat ids, which sort by creation);
 * {@code groups}; {@code agent:<id>} hash (with {@code ver} for optimistic updates);
 * {@code agents}; {@code members:<group>}; {@code room:<group>}; {@code agentchats:<id>};
 * {@code owner:<customer>} with a TTL; {@code log:<chat>} sorted set of JSON events scored by seq,
 * bounded; {@code seq:<chat>}; {@code csat:<chat>}; {@code qa} list; {@code config} hash and
 * {@code audit} list. Closed chats expire after {@code closedRetention}.
 *
 * <p>Commands time out after {@code commandTimeout} and are rejected, not queued, while Redis is
 * unreachable (bounded request queue): callers get {@link StoreUnavailableException} at once and
 * clients are told {@code unavailable}.
 *
 * <p>Beyond the one-node contract it keeps what several nodes must share: shared deadlines
 * ({@code timers} sorted set, claimed by a script that removes what it returns), care state per
 * chat ({@code care:<chat>}), recent client frame keys ({@code ids:<chat>}, checked in the append
 * script) and forced overflow modes; {@link #nodeBus} opens the node's presence and delivery channel.
 */
public final class RedisChatStore implements ChatStore, AutoCloseable {
    private static final String P = "{cg}:";
    /** {@code redis-cluster://host1:port1,host2:port2}: a Redis Cluster given by seed nodes. */
    public static final String CLUSTER_SCHEME = "redis-cluster://";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_AUDIT = 1000;
    private static final int MAX_QA = 10_000;


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

    /** KEYS chat; ARGV chatId, reason, retention ms. */
    private static final String CLOSE = LuaScripts.load(RedisChatStore.class, "close");

    /** KEYS chat; ARGV chatId, customerId, then field/value pairs. */
    private static final String CREATE = LuaScripts.load(RedisChatStore.class, "create");

    /**
     * KEYS agent; ARGV agentId, expected ver ('' = create or keep load), then field/value pairs.
     * Keeps load (and missedOffers when creating over an existing agent); fixes the room and member
     * sets for old and new groups. Returns 1, or 0 when the version changed meanwhile.
     */
    private static final String PUT_AGENT = LuaScripts.load(RedisChatStore.class, "put-agent");

    /** KEYS members set; returns {slots, free, online}. */
    private static final String GROUP_LOAD = LuaScripts.load(RedisChatStore.class, "group-load");

    /** KEYS owner; ARGV agentId, ttl ms. Claims unless another agent owns the customer. */
    private static final String CLAIM = LuaScripts.load(RedisChatStore.class, "claim");

    /** KEYS config, audit; ARGV expected version, json, audit entry json, max audit. */
    private static final String REPLACE_CONFIG = LuaScripts.load(RedisChatStore.class, "replace-config");

    private final io.lettuce.core.AbstractRedisClient client;
    private final io.lettuce.core.api.StatefulConnection<String, String> connection;
    private final RedisClusterCommands<String, String> redis;
    private final io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async;
    private final MessageCodec codec = MessageCodec.json(ProtocolLimits.defaults());
    private final int maxLogEvents;
    private final Duration closedRetention;
    private final Duration commandTimeout;
    private final RedisChatLogs logs;

    /**
     * Connects to Redis ({@code redis://host:port}, or a cluster as {@code redis-cluster://host:port,host:port})
     * and seeds the routing configuration if none is
     * stored yet (the first node to start wins; later nodes use what is there).
     */
    public RedisChatStore(String uri, RoutingConfig initialConfig, Duration commandTimeout, int maxLogEvents, Duration closedRetention) {
        this.maxLogEvents = maxLogEvents;
        this.closedRetention = closedRetention;
        this.commandTimeout = commandTimeout;
        ClientOptions.DisconnectedBehavior reject = ClientOptions.DisconnectedBehavior.REJECT_COMMANDS;
        io.lettuce.core.AbstractRedisClient created = null;
        try {
            if (uri.startsWith(CLUSTER_SCHEME)) {
                // redis-cluster://host1:port1,host2:port2,...: seeds; the client follows the slot map.
                List<RedisURI> seeds = new ArrayList<>();
                for (String hostPort : uri.substring(CLUSTER_SCHEME.length()).split(",")) {
                    RedisURI seed = RedisURI.create("redis://" + hostPort.trim());
                    seed.setTimeout(commandTimeout);
                    seeds.add(seed);
                }
                RedisClusterClient cluster = RedisClusterClient.create(seeds);
                created = cluster;
                cluster.setOptions(ClusterClientOptions.builder()
                        .autoReconnect(true)
                        // Node connections open lazily on first use, so commands wait for them: in a
                        // bounded queue, and the command timeout still answers "unavailable" within a second.
                        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                        .requestQueueSize(10_000)
                        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                        .build());
                client = cluster;
                StatefulRedisClusterConnection<String, String> c = cluster.connect();
                connection = c;
                redis = c.sync();
                async = c.async();
            } else {
                RedisURI redisUri = RedisURI.create(uri);
                redisUri.setTimeout(commandTimeout);
                RedisClient standalone = RedisClient.create(redisUri);
                created = standalone;
                standalone.setOptions(ClientOptions.builder()
                        .autoReconnect(true)
                        .disconnectedBehavior(reject) // refuse, do not buffer, while Redis is away
                        .requestQueueSize(10_000)
                        .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                        .build());
                client = standalone;
                StatefulRedisConnection<String, String> c = standalone.connect();
                connection = c;
                redis = c.sync();
                async = c.async();
            }
        } catch (RedisException e) {
            if (created != null) {
                created.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
            throw new StoreUnavailableException("cannot connect to Redis at " + uri.replaceAll("//[^@]*@", "//"), e);
        }
        logs = new RedisChatLogs(connection, redis, async, codec, maxLogEvents, closedRetention, ARM, P + "timers");
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

    /**
     * Reads many hashes in one round trip: the commands are pipelined on the connection, then
     * awaited. A queue head or a group's agents cost one wait, not one per record.
     */
    private List<Map<String, String>> hashes(java.util.Collection<String> keys) {
        List<Map<String, String>> out = new ArrayList<>(keys.size());
        List<io.lettuce.core.RedisFuture<Map<String, String>>> pending = new ArrayList<>(PIPELINE_BATCH);
        for (String k : keys) {
            pending.add(async.hgetall(k));
            if (pending.size() == PIPELINE_BATCH) {
                awaitAll(pending, out);
            }
        }
        awaitAll(pending, out);
        return out;
    }

    /** Pipelined reads go out in batches: a whole queue at once would overrun the client's bounded request queue. */
    private static final int PIPELINE_BATCH = 256;

    private void awaitAll(List<io.lettuce.core.RedisFuture<Map<String, String>>> pending, List<Map<String, String>> out) {
        for (io.lettuce.core.RedisFuture<Map<String, String>> f : pending) {
            out.add(call(() -> io.lettuce.core.LettuceFutures.awaitOrCancel(f, commandTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)));
        }
        pending.clear();
    }

    /** The records behind these ids (those that exist), read in one pipelined round trip per batch. */
    private <T> List<T> records(java.util.Collection<String> ids, java.util.function.Function<String, String> key,
                                java.util.function.Function<Map<String, String>, T> of) {
        List<T> out = new ArrayList<>(ids.size());
        for (Map<String, String> h : hashes(ids.stream().map(key).toList())) {
            T r = of.apply(h);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    private List<ChatRecord> chats(java.util.Collection<String> ids) {
        return records(ids, RedisChatStore::chatKey, RedisChatStore::chatOf);
    }

    private List<AgentRecord> agentsByIds(java.util.Collection<String> ids) {
        return records(ids, RedisChatStore::agentKey, RedisChatStore::agentOf);
    }

    private long script(String lua, String[] keys, String... args) {
        Long r = call(() -> LuaScripts.eval(redis, lua, ScriptOutputType.INTEGER, keys, args));
        return r == null ? 0 : r;
    }

    private static String chatKey(String chatId) {
        return P + "chat:" + chatId;
    }

    private static String agentKey(String agentId) {
        return P + "agent:" + agentId;
    }

    // ------------------------------------------------------------------ records <-> hashes

    private static String[] chatFields(ChatRecord c) {
        List<String> f = new ArrayList<>(List.of("chatId", c.chatId(), "customerId", c.customerId(), "tier", c.tier().name(),
                "tags", String.join(",", c.tags()), "group", c.group(), "lang", c.lang(), "queuedAt", Long.toString(c.queuedAt()),
                "rank", Double.toString(c.rank()), "state", c.state().name()));
        if (c.customerName() != null) {
            f.addAll(List.of("customerName", c.customerName()));
        }
        return f.toArray(String[]::new);
    }

    private static ChatRecord chatOf(Map<String, String> h) {
        if (h == null || h.isEmpty()) {
            return null;
        }
        String tags = h.getOrDefault("tags", "");
        return new ChatRecord(h.get("chatId"), h.get("customerId"), h.get("customerName"), Tier.valueOf(h.get("tier")),
                tags.isEmpty() ? List.of() : Arrays.asList(tags.split(",")), h.get("group"), h.get("lang"),
                Long.parseLong(h.get("queuedAt")), Double.parseDouble(h.get("rank")), ChatState.valueOf(h.get("state")),
                h.get("agentId"), h.get("closeReason"));
    }

    private static String[] agentFields(AgentRecord a) {
        return new String[] {"agentId", a.agentId(), "name", a.name() == null ? "" : a.name(), "level", a.level().name(),
                "groups", String.join(",", a.groups()), "skills", String.join(",", a.skills()),
                "supervisor", a.supervisor() ? "1" : "0", "status", a.status().name(), "connected", a.connected() ? "1" : "0",
                "autoAccept", a.autoAccept() ? "1" : "0", "capacity", Integer.toString(a.capacity()),
                "missedOffers", Integer.toString(a.missedOffers())};
    }

    private static AgentRecord agentOf(Map<String, String> h) {
        if (h == null || h.isEmpty()) {
            return null;
        }
        return new AgentRecord(h.get("agentId"), h.get("name"), AgentLevel.valueOf(h.get("level")), split(h.get("groups")),
                split(h.get("skills")), "1".equals(h.get("supervisor")), AgentStatus.valueOf(h.get("status")),
                "1".equals(h.get("connected")), "1".equals(h.get("autoAccept")), Integer.parseInt(h.get("capacity")),
                Integer.parseInt(h.getOrDefault("load", "0")), Integer.parseInt(h.getOrDefault("missedOffers", "0")));
    }

    private static Set<String> split(String s) {
        return s == null || s.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(s.split(",")));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    // ------------------------------------------------------------------ chats and queues

    @Override
    public void createWaitingChat(ChatRecord chat) {
        if (chat.state() != ChatState.WAITING) {
            throw new IllegalArgumentException("new chat " + chat.chatId() + " is " + chat.state() + " (expected: WAITING)");
        }
        String[] args = concat(new String[] {chat.chatId(), chat.customerId()}, chatFields(chat));
        if (script(CREATE, new String[] {chatKey(chat.chatId())}, args) == 0) {
            throw new IllegalArgumentException("chat " + chat.chatId() + " exists already");
        }
        logs.create(chat.chatId()); // its log, in the chat's own hash tag (another slot than the routing state)
    }

    @Override
    public Optional<ChatRecord> chat(String chatId) {
        return Optional.ofNullable(chatOf(call(() -> redis.hgetall(chatKey(chatId)))));
    }

    @Override
    public Optional<ChatRecord> openChatOf(String customerId) {
        String id = call(() -> redis.get(P + "open:" + customerId));
        return id == null ? Optional.empty() : chat(id);
    }

    @Override
    public List<ChatRecord> waiting(String group, Tier tier, int limit) {
        List<String> ids = call(() -> redis.zrange(P + "q:" + group + ":" + tier.name(), 0, Math.max(0, limit - 1L)));
        return chats(ids);
    }

    @Override
    public List<ChatRecord> waiting(String group, int limit) {
        List<ChatRecord> all = new ArrayList<>();
        for (Tier t : Tier.values()) {
            all.addAll(waiting(group, t, limit));
        }
        all.sort(MemoryChatStore.QUEUE_ORDER);
        return all.size() > limit ? new ArrayList<>(all.subList(0, limit)) : all;
    }

    /** KEYS chat; ARGV chatId, tier names. Chats ranked strictly higher in the other tiers, plus the place in its own. */
    private static final String POSITION = LuaScripts.load(RedisChatStore.class, "position");

    private static final String[] TIER_NAMES = Arrays.stream(Tier.values()).map(Tier::name).toArray(String[]::new);

    @Override
    public int position(String chatId) {
        return (int) script(POSITION, new String[] {chatKey(chatId)}, concat(new String[] {chatId}, TIER_NAMES));
    }

    @Override
    public Map<String, Map<Tier, Integer>> queueDepths() {
        Map<String, Map<Tier, Integer>> out = new TreeMap<>();
        for (String g : call(() -> redis.smembers(P + "groups"))) {
            Map<Tier, Integer> m = new EnumMap<>(Tier.class);
            for (Tier t : Tier.values()) {
                m.put(t, call(() -> redis.zcard(P + "q:" + g + ":" + t.name())).intValue());
            }
            out.put(g, m);
        }
        return out;
    }

    @Override
    public void rerank(ToDoubleFunction<ChatRecord> rank) {
        for (String g : call(() -> redis.smembers(P + "groups"))) {
            for (Tier t : Tier.values()) {
                for (ChatRecord c : waiting(g, t, Integer.MAX_VALUE)) {
                    double r = rank.applyAsDouble(c);
                    call(() -> redis.hset(chatKey(c.chatId()), "rank", Double.toString(r)));
                    call(() -> redis.zadd(P + "q:" + g + ":" + t.name(), -r, c.chatId()));
                }
            }
        }
    }

    private AssignOutcome take(String chatId, String agentId, ChatState to) {
        long r = script(TAKE, new String[] {chatKey(chatId), agentKey(agentId)}, agentId, to.name(), chatId);
        return switch ((int) r) {
            case 0 -> AssignOutcome.DONE;
            case 1 -> AssignOutcome.CHAT_NOT_WAITING;
            case 2 -> AssignOutcome.AGENT_UNAVAILABLE;
            default -> AssignOutcome.AGENT_FULL;
        };
    }

    @Override
    public AssignOutcome tryOffer(String chatId, String agentId) {
        return take(chatId, agentId, ChatState.OFFERED);
    }

    @Override
    public AssignOutcome tryAssign(String chatId, String agentId) {
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
    public Optional<ChatRecord> transfer(String chatId, String fromAgent, String toAgent, boolean overrideCapacity) {
        return script(TRANSFER, new String[] {chatKey(chatId), agentKey(toAgent)}, chatId, fromAgent, toAgent,
                overrideCapacity ? "1" : "0") == 1 ? chat(chatId) : Optional.empty();
    }

    @Override
    public Optional<ChatRecord> close(String chatId, String reason) {
        return script(CLOSE, new String[] {chatKey(chatId)}, chatId, reason, Long.toString(closedRetention.toMillis())) == 1
                ? chat(chatId) : Optional.empty();
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
        script(PUT_AGENT, new String[] {agentKey(agent.agentId())}, concat(new String[] {agent.agentId(), ""}, agentFields(agent)));
        return agent(agent.agentId()).orElseThrow();
    }

    @Override
    public Optional<AgentRecord> agent(String agentId) {
        return Optional.ofNullable(agentOf(call(() -> redis.hgetall(agentKey(agentId)))));
    }

    @Override
    public Optional<AgentRecord> updateAgent(String agentId, UnaryOperator<AgentRecord> change) {
        for (int attempt = 0; attempt < 20; attempt++) {
            Map<String, String> h = call(() -> redis.hgetall(agentKey(agentId)));
            AgentRecord current = agentOf(h);
            if (current == null) {
                return Optional.empty();
            }
            AgentRecord changed = change.apply(current);
            // Optimistic: write only if nobody changed the agent meanwhile (load moves in scripts, not here).
            if (script(PUT_AGENT, new String[] {agentKey(agentId)}, concat(new String[] {agentId, h.get("ver")}, agentFields(changed))) == 1) {
                return agent(agentId);
            }
        }
        throw new StoreUnavailableException("agent " + agentId + " changed too often to update", null);
    }

    @Override
    public List<AgentRecord> agents() {
        return agentsByIds(new java.util.TreeSet<>(call(() -> redis.smembers(P + "agents"))));
    }

    @Override
    public List<AgentRecord> agentsWithRoom(String group) {
        List<AgentRecord> out = agentsByIds(call(() -> redis.smembers(P + "room:" + group)));
        out.removeIf(a -> !a.hasRoom());
        return out;
    }

    /**
     * A group's load feeds only projections (waits, overflow thresholds), and computing it walks the
     * group's agents, so a node reuses it for up to a second instead of walking on every hello.
     */
    private static final long GROUP_LOAD_REUSE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    private final Map<String, Map.Entry<Long, GroupLoad>> groupLoads = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public GroupLoad groupLoad(String group) {
        Map.Entry<Long, GroupLoad> cached = groupLoads.get(group);
        long now = System.nanoTime();
        if (cached != null && now - cached.getKey() < GROUP_LOAD_REUSE_NANOS) {
            return cached.getValue();
        }
        List<Object> r = call(() -> LuaScripts.eval(redis, GROUP_LOAD, ScriptOutputType.MULTI, new String[] {P + "members:" + group}));
        GroupLoad load = new GroupLoad(((Long) r.get(0)).intValue(), ((Long) r.get(1)).intValue(), ((Long) r.get(2)).intValue());
        groupLoads.put(group, Map.entry(now, load));
        return load;
    }

    // ------------------------------------------------------------------ ownership

    @Override
    public Optional<String> ownerOf(String customerId, long nowMillis) {
        return Optional.ofNullable(call(() -> redis.get(P + "owner:" + customerId)));
    }

    @Override
    public void claimOwnership(String customerId, String agentId, long untilMillis) {
        long ttl = Math.max(1, untilMillis - System.currentTimeMillis());
        script(CLAIM, new String[] {P + "owner:" + customerId}, agentId, Long.toString(ttl));
    }

    // ------------------------------------------------------------------ logs (in the chat's own hash tag: RedisChatLogs)

    @Override
    public <E extends ChatEvent> E append(String chatId, LongFunction<E> event) {
        return logs.append(chatId, null, event).orElseThrow();
    }

    @Override
    public <E extends ChatEvent> Optional<E> appendOnce(String chatId, String clientKey, LongFunction<E> event) {
        return logs.appendOnce(chatId, clientKey, event);
    }

    @Override
    public <E extends ChatEvent> void say(String chatId, String byAgent, String clientKey, long nowMillis, String timer,
                                          long nudgeAfterMillis, LongFunction<E> event, java.util.function.Consumer<Spoken<E>> then) {
        logs.say(chatId, byAgent, clientKey, nowMillis, timer, nudgeAfterMillis, event, then);
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
    public void saveCsat(String chatId, int score, String comment) {
        if (score < 1 || score > 5) {
            throw new IllegalArgumentException("score " + score + " (expected 1..5)");
        }
        call(() -> redis.hset(P + "csat:" + chatId, Map.of("score", Integer.toString(score), "comment", comment == null ? "" : comment)));
        call(() -> redis.pexpire(P + "csat:" + chatId, closedRetention.toMillis() * 30));
    }

    @Override
    public Optional<Csat> csat(String chatId) {
        Map<String, String> h = call(() -> redis.hgetall(P + "csat:" + chatId));
        return h == null || h.isEmpty() ? Optional.empty()
                : Optional.of(new Csat(Integer.parseInt(h.get("score")), h.get("comment").isEmpty() ? null : h.get("comment")));
    }

    @Override
    public void addQaSample(QaSample sample) {
        try {
            String json = JSON.writeValueAsString(sample);
            call(() -> redis.lpush(P + "qa", json));
            call(() -> redis.ltrim(P + "qa", 0, MAX_QA - 1));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<QaSample> qaSamples(int limit) {
        List<QaSample> out = new ArrayList<>();
        for (String json : call(() -> redis.lrange(P + "qa", 0, limit - 1L))) {
            try {
                out.add(JSON.readValue(json, QaSample.class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("unreadable QA sample in Redis", e);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ config

    @Override
    public VersionedConfig config() {
        List<io.lettuce.core.KeyValue<String, String>> f = call(() -> redis.hmget(P + "config", "version", "json"));
        try {
            return new VersionedConfig(Long.parseLong(f.get(0).getValue()), RoutingConfig.fromJson(JSON.readTree(f.get(1).getValue())));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable routing config in Redis", e);
        }
    }

    @Override
    public Optional<VersionedConfig> replaceConfig(long expectedVersion, RoutingConfig next, AuditEntry entry) {
        try {
            long ok = script(REPLACE_CONFIG, new String[] {P + "config", P + "audit"}, Long.toString(expectedVersion),
                    next.toJson().toString(), JSON.writeValueAsString(entry), Integer.toString(MAX_AUDIT));
            return ok == 1 ? Optional.of(new VersionedConfig(expectedVersion + 1, next)) : Optional.empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** KEYS scripts; ARGV expected version, json. */
    private static final String REPLACE_SCRIPTS = LuaScripts.load(RedisChatStore.class, "replace-scripts");

    @Override
    public long configVersion() {
        return Long.parseLong(call(() -> redis.hget(P + "config", "version")));
    }

    @Override
    public long scriptsVersion() {
        String v = call(() -> redis.hget(P + "scripts", "version"));
        return v == null ? 0 : Long.parseLong(v);
    }

    @Override
    public EditedScripts scripts() {
        List<io.lettuce.core.KeyValue<String, String>> f = call(() -> redis.hmget(P + "scripts", "version", "json"));
        if (!f.get(0).hasValue()) {
            return new EditedScripts(0, Map.of());
        }
        try {
            Map<String, Map<String, String>> edited = JSON.readValue(f.get(1).getValue(), new TypeReference<>() { });
            return new EditedScripts(Long.parseLong(f.get(0).getValue()), edited);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable scripts in Redis", e);
        }
    }

    @Override
    public boolean replaceScripts(long expectedVersion, Map<String, Map<String, String>> edited) {
        try {
            return script(REPLACE_SCRIPTS, new String[] {P + "scripts"}, Long.toString(expectedVersion),
                    JSON.writeValueAsString(edited)) == 1;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<AuditEntry> audit(int limit) {
        List<AuditEntry> out = new ArrayList<>();
        for (String json : call(() -> redis.lrange(P + "audit", 0, limit - 1L))) {
            try {
                out.add(JSON.readValue(json, new TypeReference<AuditEntry>() { }));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("unreadable audit entry in Redis", e);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ client ids, timers, care, overflow


    /** KEYS timers; ARGV due, name. The earlier deadline wins (ZADD LT needs Redis 6.2; this runs on 6.0 too). */
    private static final String ARM = LuaScripts.load(RedisChatStore.class, "arm");

    /** KEYS timers; ARGV now, max. Removing what it returns in the same script is what makes a claim exclusive. */
    private static final String CLAIM_DUE = LuaScripts.load(RedisChatStore.class, "claim-due");


    @Override
    public boolean shared() {
        return true;
    }


    @Override
    public void armTimer(String name, long dueMillis) {
        script(ARM, new String[] {P + "timers"}, Long.toString(dueMillis), name);
    }

    @Override
    public void disarmTimer(String name) {
        call(() -> redis.zrem(P + "timers", name));
    }

    @Override
    public List<String> claimDueTimers(long nowMillis, int max) {
        List<String> due = call(() -> LuaScripts.eval(redis, CLAIM_DUE, ScriptOutputType.MULTI, new String[] {P + "timers"},
                Long.toString(nowMillis), Integer.toString(max)));
        return due == null ? List.of() : due;
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
    public void dropCare(String chatId) {
        logs.dropCare(chatId);
    }

    @Override
    public Map<String, Boolean> forcedOverflow() {
        Map<String, String> h = call(() -> redis.hgetall(P + "overflow:forced"));
        Map<String, Boolean> out = new TreeMap<>();
        h.forEach((g, v) -> out.put(g, "1".equals(v)));
        return out;
    }

    @Override
    public void forceOverflow(String group, Boolean on) {
        if (on == null) {
            call(() -> redis.hdel(P + "overflow:forced", group));
        } else {
            call(() -> redis.hset(P + "overflow:forced", group, on ? "1" : "0"));
        }
    }

    // ------------------------------------------------------------------ nodes

    /**
     * The client and connection of this store, for what shares them (the node bus: presence,
     * liveness and pub/sub on the same Redis).
     */
    public Connection connection() {
        return new Connection(client, redis, async);
    }

    /** A Redis client and its command interfaces (sync and async on one connection). */
    public record Connection(io.lettuce.core.AbstractRedisClient client, RedisClusterCommands<String, String> sync,
                             io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<String, String> async) {
    }
}
