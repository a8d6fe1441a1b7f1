package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.QaReview.Csat;
import io.chatgateway.router.QaReview.QaSample;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;
import java.util.function.UnaryOperator;

/**
 * The shared truth about chats, queues, agents, ownership, chat logs and the routing configuration.
 *
 * <p>Every method is one atomic step, chosen so that a Redis implementation can run each as one
 * Lua script or transaction: the router never reads, decides and writes back across two calls
 * where another node could race it. Above all {@link #tryOffer} and {@link #tryAssign} check and
 * change the chat's state and the agent's load together, so no chat is offered or assigned twice
 * and no agent exceeds capacity, whichever nodes race.
 *
 * <p>Queues are kept per group and tier, ordered by the chat's {@code rank} (higher first, then
 * older, then chat id), so the router reads only queue heads: no decision scans a whole queue.
 *
 * <p>Calls may block briefly (network stores); the router calls them from its own scheduler,
 * never from a Netty event loop. A store that cannot be reached throws
 * {@link StoreUnavailableException}.
 *
 * <p><b>Non-blocking steps</b> ({@code ...Async}, being added path by path): the same atomic step,
 * answered by a stage instead of waiting. A network store completes it on its I/O thread, so what
 * is chained on it must not block (chain blocking work onto the router task's own executor); a
 * store that cannot be reached completes it with {@link StoreUnavailableException}. The defaults
 * run the blocking step at once (the memory store answers in microseconds).
 */
public interface ChatStore {

    // ---- chats and queues

    /** Stores a new chat and puts it in its group's queue (state must be WAITING). */
    void createWaitingChat(ChatRecord chat);

    Optional<ChatRecord> chat(String chatId);

    /** The customer's open chat, if any. */
    Optional<ChatRecord> openChatOf(String customerId);

    /** {@link #createWaitingChat}, not waited for. */
    default java.util.concurrent.CompletionStage<Void> createWaitingChatAsync(ChatRecord chat) {
        return answered(() -> {
            createWaitingChat(chat);
            return null;
        });
    }

    /** {@link #openChatOf}, not waited for. */
    default java.util.concurrent.CompletionStage<Optional<ChatRecord>> openChatOfAsync(String customerId) {
        return answered(() -> openChatOf(customerId));
    }

    /** {@link #waiting(String, Tier, int)}, not waited for: for queue heads (a few records). */
    default java.util.concurrent.CompletionStage<List<ChatRecord>> waitingAsync(String group, Tier tier, int limit) {
        return answered(() -> waiting(group, tier, limit));
    }

    /** {@link #close}, not waited for. */
    default java.util.concurrent.CompletionStage<Optional<Closed>> closeAsync(String chatId, String reason) {
        return answered(() -> close(chatId, reason));
    }

    /** {@link #chat}, not waited for. */
    default java.util.concurrent.CompletionStage<Optional<ChatRecord>> chatAsync(String chatId) {
        return answered(() -> chat(chatId));
    }

    /** {@link #tryOffer}, not waited for. */
    default java.util.concurrent.CompletionStage<AssignOutcome> tryOfferAsync(String chatId, String agentId) {
        return answered(() -> tryOffer(chatId, agentId));
    }

    /** {@link #tryAssign}, not waited for. */
    default java.util.concurrent.CompletionStage<AssignOutcome> tryAssignAsync(String chatId, String agentId) {
        return answered(() -> tryAssign(chatId, agentId));
    }

    /** {@link #agent}, not waited for. */
    default java.util.concurrent.CompletionStage<Optional<AgentRecord>> agentAsync(String agentId) {
        return answered(() -> agent(agentId));
    }

    /** {@link #agentsWithRoom}, not waited for. */
    default java.util.concurrent.CompletionStage<List<AgentRecord>> agentsWithRoomAsync(String group) {
        return answered(() -> agentsWithRoom(group));
    }

    /** {@link #ownerOf}, not waited for. */
    default java.util.concurrent.CompletionStage<Optional<String>> ownerOfAsync(String customerId, long nowMillis) {
        return answered(() -> ownerOf(customerId, nowMillis));
    }

    /** {@link #armTimer}, not waited for. */
    default java.util.concurrent.CompletionStage<Void> armTimerAsync(String name, long dueMillis) {
        return answered(() -> {
            armTimer(name, dueMillis);
            return null;
        });
    }

    /** A blocking step's answer as a completed stage (failed with what it threw). */
    private static <T> java.util.concurrent.CompletionStage<T> answered(java.util.function.Supplier<T> step) {
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(step.get());
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** Notes the wait first promised to a queued shopper (kept once: a later call changes nothing). */
    void notePromise(String chatId, long etaSeconds);

    /** Waiting chats of one group and tier, best first. */
    List<ChatRecord> waiting(String group, Tier tier, int limit);

    /** Waiting chats of a group across tiers, best rank first. */
    List<ChatRecord> waiting(String group, int limit);

    /**
     * The ids of {@link #waiting(String, int)}, in the same order: for telling shoppers their place,
     * which needs no record (a Redis store reads no chat hash for it).
     */
    default List<String> waitingIds(String group, int limit) {
        return waiting(group, limit).stream().map(ChatRecord::chatId).toList();
    }

    /** 1-based place of a waiting chat in its group (by rank across tiers), 0 if it is not waiting. */
    int position(String chatId);

    /** Waiting chats per group and tier. */
    Map<String, Map<Tier, Integer>> queueDepths();

    /** Recomputes the rank of every waiting chat (after ops changed weights); assigned chats are untouched. */
    void rerank(ToDoubleFunction<ChatRecord> rank);

    /**
     * Atomically: if the chat is WAITING and the agent is online, connected and under capacity,
     * the chat becomes OFFERED to the agent (it leaves the queue but keeps its place for a return)
     * and the agent's load goes up by one, reserving the room.
     */
    AssignOutcome tryOffer(String chatId, String agentId);

    /** As {@link #tryOffer} but straight to ASSIGNED (auto-accepting agents, returning shoppers' owners). */
    AssignOutcome tryAssign(String chatId, String agentId);

    /** Atomically: a chat OFFERED to this agent becomes ASSIGNED. Empty if it was not (withdrawn, expired). */
    Optional<ChatRecord> acceptOffer(String chatId, String agentId);

    /** Atomically: a chat OFFERED to this agent goes back to WAITING at its place; the agent's load goes down. */
    Optional<ChatRecord> withdrawOffer(String chatId, String agentId);

    /**
     * Atomically: an ASSIGNED chat goes back to WAITING at its original place (in {@code newGroup}
     * when not null) and its agent's load goes down. Empty if it was not assigned.
     */
    Optional<ChatRecord> requeue(String chatId, String newGroup);

    /**
     * Atomically moves an ASSIGNED chat from one agent to another: only if {@code fromAgent} holds
     * it, the target is connected, online or taking transfers only (any status for a supervisor's
     * {@code takeOver}), and their load is under capacity plus {@code allowance} (transfers may go
     * a little over capacity; new chats never do). Empty with no change otherwise.
     */
    Optional<ChatRecord> transfer(String chatId, String fromAgent, String toAgent, boolean takeOver, int allowance);

    /**
     * Atomically closes an open chat: it leaves the queue, or its agent's load goes down. Returns
     * the closed chat and the state it was in, or empty if it was already closed or unknown (so a
     * close happens once).
     */
    Optional<Closed> close(String chatId, String reason);

    /**
     * A chat as it was closed, and the state it was in: an offered chat's agent is told the offer is
     * withdrawn, an assigned chat's agent has a slot again (the agent stays on the record).
     */
    record Closed(ChatRecord chat, ChatState was) {
    }

    /**
     * Atomically: an ASSIGNED chat of this agent whose shopper went quiet stops counting against the
     * agent's capacity (load − 1; the agent keeps the chat). False, with no change, when it is not
     * assigned to them or is idle already. Closing, re-queueing or transferring an idle chat does not
     * lower the load again.
     */
    boolean idle(String chatId, String agentId);

    /**
     * Atomically: an idle chat counts again (load + 1, over capacity if need be: the agent keeps
     * their chats). False, with no change, when it was not idle.
     */
    boolean wake(String chatId);

    /** Chats offered or assigned to an agent. */
    List<ChatRecord> chatsOf(String agentId);

    // ---- agents

    /**
     * Registers an agent or updates who they are, keeping their current load and missed offers.
     */
    AgentRecord upsertAgent(AgentRecord agent);

    Optional<AgentRecord> agent(String agentId);

    /** Changes an agent atomically (load is kept: it only moves with offers and assignments). */
    Optional<AgentRecord> updateAgent(String agentId, UnaryOperator<AgentRecord> change);

    List<AgentRecord> agents();

    /**
     * The records of these agents, those that exist, in no set order: one read for many (a node's
     * own agents, where {@link #agents()} would read every agent of every node).
     */
    default List<AgentRecord> agents(java.util.Collection<String> agentIds) {
        List<AgentRecord> out = new java.util.ArrayList<>(agentIds.size());
        for (String id : agentIds) {
            agent(id).ifPresent(out::add);
        }
        return out;
    }

    /** Agents serving a group who are online, connected and under capacity: the only ones a chat can be offered to. */
    List<AgentRecord> agentsWithRoom(String group);

    /**
     * What a group's online, connected agents can take. It feeds projections only (waits, overflow
     * thresholds), so a shared store may answer with a figure up to a second old.
     */
    GroupLoad groupLoad(String group);

    /**
     * Capacity slots, free slots and number of online, connected agents of a group, in all and per
     * level (for waits that respect an escalation step's levels).
     */
    record GroupLoad(int slots, int free, int online, Map<AgentLevel, Load> byLevel) {
        public static final GroupLoad NONE = new GroupLoad(0, 0, 0, Map.of());

        /** Length of {@link #fromInts}'s input: slots, free, online, then the same per level in level order. */
        public static final int INTS = 3 * (1 + AgentLevel.values().length);

        public GroupLoad {
            byLevel = Map.copyOf(byLevel);
        }

        /** From slots, free, online of all agents, then of each level in level order (as stores keep them). */
        static GroupLoad fromInts(int[] l) {
            Map<AgentLevel, Load> byLevel = new java.util.EnumMap<>(AgentLevel.class);
            for (AgentLevel level : AgentLevel.values()) {
                int at = 3 * (1 + level.ordinal());
                byLevel.put(level, new Load(l[at], l[at + 1], l[at + 2]));
            }
            return new GroupLoad(l[0], l[1], l[2], byLevel);
        }

        /** Slots, free slots and agents of one level (or of all). */
        public record Load(int slots, int free, int online) {
            public static final Load NONE = new Load(0, 0, 0);

            public Load plus(Load o) {
                return new Load(slots + o.slots, free + o.free, online + o.online);
            }
        }

        /** The load of agents of these levels (empty: every level). */
        public Load of(java.util.Collection<AgentLevel> levels) {
            if (levels.isEmpty()) {
                return new Load(slots, free, online);
            }
            Load sum = Load.NONE;
            for (AgentLevel l : levels) {
                sum = sum.plus(byLevel.getOrDefault(l, Load.NONE));
            }
            return sum;
        }
    }

    // ---- first-contact ownership

    /** The agent who owns this customer, if the ownership has not expired. */
    Optional<String> ownerOf(String customerId, long nowMillis);

    /** Makes the agent the customer's owner until {@code untilMillis}, unless another owns them already. */
    void claimOwnership(String customerId, String agentId, long untilMillis);

    // ---- chat logs

    /**
     * Appends an event to the chat's log with the next seq (1, 2, 3 … no gaps), built by
     * {@code event} from that seq.
     */
    default <E extends ChatEvent> E append(String chatId, LongFunction<E> event) {
        return append(chatId, event, (e, json, agentId) -> { });
    }

    /**
     * As {@link #append}; {@code inLogOrder} gets the event (and its encoding when the store made
     * one, else null) as it is appended, in the order of the chat's log among every append and
     * {@link #say} of the chat, whichever thread issued them (memory: under the chat's lock; Redis:
     * on the connection's I/O thread as the reply is read), and before this returns. So frames sent
     * from it reach a connection in seq order. It must be quick and never block.
     */
    <E extends ChatEvent> E append(String chatId, LongFunction<E> event, Appended<E> inLogOrder);

    /** {@link #append}, not waited for: {@code inLogOrder} runs as there, then the stage completes with the event. */
    default <E extends ChatEvent> java.util.concurrent.CompletionStage<E> appendAsync(String chatId, LongFunction<E> event,
                                                                                   Appended<E> inLogOrder) {
        return answered(() -> append(chatId, event, inLogOrder));
    }

    /**
     * What {@link #append}'s {@code inLogOrder} gets: the event, its encoding (null when the store
     * made none), and the agent the chat's log gives it to right after this event ({@link LogRoute};
     * null: nobody), decided in the same step. So an event appended while another router lane or
     * node assigns the chat still reaches the agent who has it by then.
     */
    @FunctionalInterface
    interface Appended<E extends ChatEvent> {
        void accept(E event, byte[] json, String agentId);
    }

    /**
     * As {@link #append}, unless an event was appended before under the same client frame key (a
     * resend after a reconnect, possibly to another node): then nothing changes and the result is
     * empty. The check and the append are one atomic step. The last 64 keys of each chat are kept.
     */
    <E extends ChatEvent> Optional<E> appendOnce(String chatId, String clientKey, LongFunction<E> event);

    /** Highest seq in the chat's log (0 if empty). */
    long lastSeq(String chatId);

    /**
     * Events with seq greater than {@code afterSeq}, in order. The log is bounded: when events
     * after {@code afterSeq} were already trimmed, the result starts later, and the caller sees
     * the gap from the first seq.
     */
    List<ChatEvent> eventsAfter(String chatId, long afterSeq);

    /** {@link #eventsAfter}, not waited for. */
    default java.util.concurrent.CompletionStage<List<ChatEvent>> eventsAfterAsync(String chatId, long afterSeq) {
        return answered(() -> eventsAfter(chatId, afterSeq));
    }

    /** Stores a satisfaction score for a chat (the last answer counts). */
    void saveCsat(String chatId, int score, String comment);

    /** The satisfaction answer of a chat, if the shopper gave one. */
    Optional<Csat> csat(String chatId);

    // ---- quality review

    /** Keeps a closed chat sampled for quality review (bounded: the oldest samples go first). */
    void addQaSample(QaSample sample);

    /** Sampled chats, newest first. */
    List<QaSample> qaSamples(int limit);

    // ---- ETA honesty

    /** How many ETA errors are kept per group and tier (the oldest go first). */
    int ETA_ERRORS_KEPT = 1000;

    /**
     * Keeps the ETA error of a chat that waited and got its first agent (actual minus promised wait,
     * seconds), shared by every node so each node's ops API shows the same figures. Not waited for
     * (a network store sends it and goes on; this node's later reads see it): it is a figure, and
     * a chat's hand-over must neither wait for it nor fail with it.
     */
    void noteEtaError(String group, String tier, long errorSeconds);

    /** The kept ETA errors of a group and tier, newest first, at most {@link #ETA_ERRORS_KEPT}. */
    List<Long> etaErrors(String group, String tier);

    // ---- routing configuration

    /** The current configuration (version 1 is the initial one). */
    VersionedConfig config();

    /** The current configuration's version alone: what nodes poll to notice a change without reading it. */
    default long configVersion() {
        return config().version();
    }

    /**
     * Replaces the configuration if its version is still {@code expectedVersion}, recording the
     * audit entry with it. Empty when the version is stale (someone else changed it first).
     */
    Optional<VersionedConfig> replaceConfig(long expectedVersion, RoutingConfig next, AuditEntry entry);

    /** Accepted configuration changes, newest first. */
    List<AuditEntry> audit(int limit);

    // ---- script texts edited by ops

    /** Script texts changed from the defaults (kind -> language -> template) and their version (0: none yet). */
    EditedScripts scripts();

    /** The edited scripts' version alone (0: none yet). */
    default long scriptsVersion() {
        return scripts().version();
    }

    /** Stores the edited script texts if the version is still {@code expectedVersion}; false when stale. */
    boolean replaceScripts(long expectedVersion, java.util.Map<String, java.util.Map<String, String>> edited);

    /** Edited script texts and their version. */
    record EditedScripts(long version, java.util.Map<String, java.util.Map<String, String>> edited) {
    }

    // ---- what several nodes share beyond chats (Redis); the memory store keeps the same contract for one node

    /** True when several gateway nodes share this store, so timers and care state must live here, not in a node. */
    default boolean shared() {
        return false;
    }


    /** Arms a named deadline (epoch ms); when it is armed already, the earlier deadline is kept. */
    void armTimer(String name, long dueMillis);

    /**
     * Removes named deadlines, those armed (one step for several names). May return before a shared
     * store has done it (no caller waits): this store's later calls see it done, and a deadline left
     * armed by a failure fires once, so every deadline's handler checks the state it acts on.
     */
    void disarmTimer(String... names);

    /**
     * Atomically removes and returns up to {@code max} deadlines due by {@code nowMillis}, earliest
     * first: each armed deadline is handed to exactly one caller, whichever nodes poll at once.
     */
    List<String> claimDueTimers(long nowMillis, int max);

    /**
     * Who spoke when in an assigned chat, for silence and reply care ({@link #NONE} for "not
     * set"). {@code version} changes with every write, for {@link #replaceCare}.
     */
    record Care(long version, long lastAgent, long awaitingSince, boolean nudged, long promptedAt, boolean humanReplied,
                boolean idle) {
        public static final long NONE = Long.MIN_VALUE;

        /** Not idle: the shopper has not gone quiet long enough to free the agent's slot. */
        public Care(long version, long lastAgent, long awaitingSince, boolean nudged, long promptedAt, boolean humanReplied) {
            this(version, lastAgent, awaitingSince, nudged, promptedAt, humanReplied, false);
        }
    }

    Optional<Care> care(String chatId);

    /** Stores the care state of a chat as it is assigned (replacing any). */
    void putCare(String chatId, Care care);

    /** {@link #putCare}, not waited for. */
    default java.util.concurrent.CompletionStage<Void> putCareAsync(String chatId, Care care) {
        return answered(() -> {
            putCare(chatId, care);
            return null;
        });
    }

    /**
     * Replaces the care state only if its version is still {@code expectedVersion}; the stored
     * version becomes {@code expectedVersion + 1}. False when someone else wrote it first, or it is gone.
     */
    boolean replaceCare(String chatId, long expectedVersion, Care next);

    /**
     * Drops the chat's care state. Not waited for (as {@link #disarmTimer}): this node's later
     * commands follow it; one that fails leaves state that expires by itself, and every care
     * deadline checks the chat's state before acting.
     */
    void dropCare(String chatId);

    /**
     * Arms the care deadline {@code timer} of a chat with care state: at {@code deadlineMillis}, or at
     * the shopper's nudge ({@code awaitingSince + nudgeAfterMillis}) when they already wait for the
     * agent and that is earlier, decided on the care state at this step (so a message racing it
     * cannot be missed). Returns the deadline armed. It is recorded with the care state, so
     * {@link #say} arms the nudge only when the shopper starts waiting and no earlier care deadline
     * is armed: most messages cost no deadline write.
     */
    long armCare(String chatId, String timer, long deadlineMillis, long nudgeAfterMillis);

    /** {@link #armCare}, not waited for. */
    default java.util.concurrent.CompletionStage<Long> armCareAsync(String chatId, String timer, long deadlineMillis, long nudgeAfterMillis) {
        return answered(() -> armCare(chatId, timer, deadlineMillis, nudgeAfterMillis));
    }

    /**
     * A chat message, in ONE atomic step of the chat's own log (the hot path: one round trip, and
     * on a Redis Cluster only keys of this chat, so messages of different chats spread over every
     * master). Who may write and who reads follow the chat's log, not the routing records: an
     * {@code assigned} event gives the chat to its agent, a {@code transferred} event to a group
     * takes it from them (it waits again), a {@code closed} event closes it (see {@link LogRoute}).
     *
     * <ul>
     *   <li>{@code byAgent} null: the shopper writes. Refused ({@link Spoken.Outcome#CLOSED}) once
     *       the chat is closed; else appended and the result names the agent it is assigned to
     *       (null while it waits), who gets the message.</li>
     *   <li>{@code byAgent} set: refused ({@link Spoken.Outcome#NOT_YOURS}) unless the chat is
     *       assigned to that agent.</li>
     * </ul>
     *
     * <p>Appended once: a {@code clientKey} seen before (a resend after a reconnect, to any node)
     * changes nothing ({@link Spoken.Outcome#RESENT}); null appends always. When the chat has care
     * state it moves on in the same step: for a shopper's message a silence prompt no longer
     * stands, a shopper not yet waiting for the agent is from now on (nudge not sent), and the
     * deadline {@code timer} is armed by {@code awaitingSince + nudgeAfterMillis} (the earlier
     * kept); for an agent's message nobody waits for the agent, no prompt stands, the nudge is reset
     * and a human replied. {@link Spoken#careBefore()} is the care state before the step (null: none).
     *
     * <p><b>Non-blocking, from any thread.</b> The caller does not wait. When the event is
     * appended, {@code inLogOrder} gets the result as {@link #append}'s does (in the chat's log
     * order, quick, never blocking); then {@code then} gets the result once, whatever the outcome,
     * on this thread (memory) or on the store's I/O thread (Redis), never blocking it (so it must not
     * call the store's blocking methods). Steps of one chat issued one after the other (from one
     * thread, or ordered by the caller) apply in that order. When the store is away or too many
     * steps are in flight the outcome is {@link Spoken.Outcome#UNAVAILABLE}.
     */
    <E extends ChatEvent> void say(String chatId, String byAgent, String clientKey, long nowMillis, String timer,
                                   long nudgeAfterMillis, LongFunction<E> event, java.util.function.Consumer<Spoken<E>> inLogOrder,
                                   java.util.function.Consumer<Spoken<E>> then);

    /**
     * What {@link #say} did. {@code event} and {@code agentId} (may be null: nobody assigned) are set
     * only when {@link Outcome#SAID}; {@code careBefore} when the chat had care state; {@code json} is
     * the event's encoding when the store made one (to send it without encoding it again), else null.
     */
    record Spoken<E extends ChatEvent>(Outcome outcome, E event, String agentId, Care careBefore, byte[] json) {

        /**
         * SAID: appended; RESENT: that client frame is in the log already; CLOSED, NOT_YOURS, UNKNOWN:
         * refused, nothing changed; UNAVAILABLE: the store could not take it now (it may have been
         * stored: a resend with the same client id is recognised).
         */
        public enum Outcome { SAID, RESENT, CLOSED, NOT_YOURS, UNKNOWN, UNAVAILABLE }

        static <E extends ChatEvent> Spoken<E> refused(Outcome why) {
            return new Spoken<>(why, null, null, null, null);
        }
    }

    /** Groups whose overflow mode ops forced on ({@code true}) or off ({@code false}). */
    Map<String, Boolean> forcedOverflow();

    /** Forces a group's overflow mode, or back to automatic with {@code null}. */
    void forceOverflow(String group, Boolean on);
}
