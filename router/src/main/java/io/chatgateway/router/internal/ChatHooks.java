package io.chatgateway.router.internal;

import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;

/**
 * What one feature tells the others without depending on them: the node wires these to the
 * rules that care (silence and reply care, sign-off), so the feature packages form no cycle.
 */
public interface ChatHooks {

    /**
     * A chat was just assigned (or transferred) to an agent; {@code humanReplied}: an agent answered
     * it before. Completes once what it stores is stored (without holding the caller's thread).
     */
    java.util.concurrent.CompletionStage<Void> assigned(ChatRecord chat, long nowMillis, boolean humanReplied);

    /** The chat is no longer assigned on this node's watch (back in a queue, moved away, closed). */
    void unassigned(String chatId);

    /**
     * An agent's message was appended ({@code said} as the store returned it); called on any
     * thread, never blocking it. {@code firstReply} runs on the worker when it is the chat's first
     * human reply since the chat was assigned.
     */
    void agentReplied(String chatId, ChatStore.Spoken<?> said, Runnable firstReply);

    /** An agent let too many offers lapse: set them away and tell them why. */
    void setAway(String agentId, String reason);
}
