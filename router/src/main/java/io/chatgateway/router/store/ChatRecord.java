package io.chatgateway.router.store;

import io.chatgateway.protocol.Tier;
import java.util.List;

/**
 * One chat as the store keeps it. Immutable; stores return a new record for each change.
 *
 * @param queuedAt the chat's place in its queue (epoch ms). It is set once when the chat is
 *                 created and kept on re-queueing, so a chat whose agent left goes back to its
 *                 original place.
 * @param agentId  the assigned agent, or {@code null} while waiting
 */
public record ChatRecord(String chatId, String customerId, String customerName, Tier tier, List<String> tags,
                         String group, String lang, long queuedAt, ChatState state, String agentId,
                         String closeReason) {
    public ChatRecord {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    public ChatRecord withState(ChatState newState, String newAgentId) {
        return new ChatRecord(chatId, customerId, customerName, tier, tags, group, lang, queuedAt, newState, newAgentId, closeReason);
    }

    public ChatRecord closed(String reason) {
        return new ChatRecord(chatId, customerId, customerName, tier, tags, group, lang, queuedAt, ChatState.CLOSED, agentId, reason);
    }

    public boolean isOpen() {
        return state != ChatState.CLOSED;
    }
}
