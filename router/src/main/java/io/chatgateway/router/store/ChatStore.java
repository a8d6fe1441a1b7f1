package io.chatgateway.router.store;

import io.chatgateway.protocol.ServerMessage.ChatEvent;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The shared truth about chats, queues, agents, ownership and chat logs.
 *
 * <p>Every method is one atomic step, chosen so that a Redis implementation can run each as one
 * Lua script or transaction: the router never reads, decides and writes back across two calls
 * where another node could race it. Above all {@link #tryAssign} checks and changes the chat state
 * and the agent's load together, so no chat is assigned twice and no agent exceeds capacity,
 * whichever nodes race.
 *
 * <p>Calls may block briefly (network stores); the router calls them from its own scheduler,
 * never from a Netty event loop. A store that cannot be reached throws
 * {@link StoreUnavailableException}.
 */
public interface ChatStore {

    // ---- chats and queues

    /** Stores a new chat and puts it in its group's queue (state must be WAITING). */
    void createWaitingChat(ChatRecord chat);

    Optional<ChatRecord> chat(String chatId);

    /** The customer's open (waiting or assigned) chat, if any. */
    Optional<ChatRecord> openChatOf(String customerId);

    /**
     * Waiting chats of a group, best first: VIP before regular before new, then oldest
     * {@code queuedAt} first, then chat id.
     */
    List<ChatRecord> waiting(String group, int limit);

    /** 1-based place of a waiting chat in its group's queue, or 0 if it is not waiting. */
    int position(String chatId);

    /** Number of waiting chats per group. */
    java.util.Map<String, Integer> queueDepths();

    /**
     * Atomically: if the chat is WAITING and the agent is online, connected and under capacity,
     * the chat becomes ASSIGNED to the agent, leaves the queue and the agent's load goes up by one.
     */
    AssignOutcome tryAssign(String chatId, String agentId);

    /**
     * Atomically: an ASSIGNED chat goes back to WAITING at its original place and its agent's load
     * goes down. Returns the updated chat, or empty if it was not assigned.
     */
    Optional<ChatRecord> requeue(String chatId);

    /**
     * Atomically closes an open chat: it leaves the queue, or its agent's load goes down. Returns
     * the closed chat, or empty if it was already closed or unknown (so a close happens once).
     */
    Optional<ChatRecord> close(String chatId, String reason);

    /** Chats assigned to an agent. */
    List<ChatRecord> chatsOf(String agentId);

    // ---- agents

    /**
     * Registers an agent or updates who they are (name, level, groups, capacity, status,
     * connected), keeping their current load.
     */
    AgentRecord upsertAgent(AgentRecord agent);

    Optional<AgentRecord> agent(String agentId);

    /** Sets status and connection flag; returns the updated agent, empty if unknown. */
    Optional<AgentRecord> updateAgent(String agentId, java.util.function.UnaryOperator<AgentRecord> change);

    List<AgentRecord> agents();

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
    <E extends ChatEvent> E append(String chatId, LongFunction<E> event);

    /** Highest seq in the chat's log (0 if empty). */
    long lastSeq(String chatId);

    /**
     * Events with seq greater than {@code afterSeq}, in order. The log is bounded: when events
     * after {@code afterSeq} were already trimmed, the result starts later, and the caller can see
     * the gap from the first seq.
     */
    List<ChatEvent> eventsAfter(String chatId, long afterSeq);

    /** Stores a satisfaction score for a chat. */
    void saveCsat(String chatId, int score, String comment);
}
