package io.chatgateway.router.store;

import io.chatgateway.protocol.Tier;
import java.util.List;

/**
 * One chat as the store keeps it. Immutable; stores return a new record for each change.
 *
 * @param queuedAt the chat's original place (epoch ms). It is set once when the chat is created and
 *                 kept on re-queueing, so a chat whose offer lapsed or whose agent left keeps its place.
 * @param rank     the static queue key (higher first), computed by the router from the routing
 *                 configuration; the store only orders by it
 * @param agentId  the agent the chat is offered or assigned to, or {@code null} while waiting
 * @param promisedEtaSeconds the wait the shopper was first told when they had to queue, -1 if none
 *                 (served at once, or nobody could come): the yardstick of ETA honesty
 */
public record ChatRecord(String chatId, String customerId, String customerName, Tier tier, List<String> tags,
                         String group, String lang, long queuedAt, double rank, ChatState state, String agentId,
                         String closeReason, long promisedEtaSeconds) {
    public ChatRecord {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** A chat not (yet) promised a wait. */
    public ChatRecord(String chatId, String customerId, String customerName, Tier tier, List<String> tags, String group,
                      String lang, long queuedAt, double rank, ChatState state, String agentId, String closeReason) {
        this(chatId, customerId, customerName, tier, tags, group, lang, queuedAt, rank, state, agentId, closeReason, -1);
    }

    public ChatRecord with(ChatState newState, String newAgentId) {
        return new ChatRecord(chatId, customerId, customerName, tier, tags, group, lang, queuedAt, rank, newState, newAgentId, closeReason, promisedEtaSeconds);
    }

    public ChatRecord withGroup(String newGroup) {
        return new ChatRecord(chatId, customerId, customerName, tier, tags, newGroup, lang, queuedAt, rank, state, agentId, closeReason, promisedEtaSeconds);
    }

    public ChatRecord withRank(double newRank) {
        return new ChatRecord(chatId, customerId, customerName, tier, tags, group, lang, queuedAt, newRank, state, agentId, closeReason, promisedEtaSeconds);
    }

    public ChatRecord closed(String reason) {
        return new ChatRecord(chatId, customerId, customerName, tier, tags, group, lang, queuedAt, rank, ChatState.CLOSED, agentId, reason, promisedEtaSeconds);
    }

    public ChatRecord withPromise(long etaSeconds) {
        return new ChatRecord(chatId, customerId, customerName, tier, tags, group, lang, queuedAt, rank, state, agentId, closeReason, etaSeconds);
    }

    public boolean isOpen() {
        return state != ChatState.CLOSED;
    }

    public boolean hasTag(String tag) {
        return tags.contains(tag);
    }
}
