package io.chatgateway.router;

import java.util.List;

/**
 * What happens to chats, in counts and durations only (no ids, no text): a listener the gateway
 * gives the router through {@link RouterOptions.Builder#activity} to record an anonymised arrival
 * trace. Called on the router's threads and on connection threads, so implementations must be
 * thread-safe and must not block; every method has a no-op default.
 */
public interface ChatActivity {
    /** DOMAIN.md: every shopper is greeted within 15 s. */
    java.time.Duration GREETING_TARGET = java.time.Duration.ofSeconds(15);
    /** DOMAIN.md: the first human reply comes within 30 s. */
    java.time.Duration FIRST_REPLY_TARGET = java.time.Duration.ofSeconds(30);

    /** Listens to nothing. */
    ChatActivity NONE = new ChatActivity() { };

    /** A shopper started a chat. */
    default void started(String group, String tier, List<String> tags) {
    }

    /** A chat got its first agent after waiting this long from its start. */
    default void assigned(String group, String tier, long waitedMillis) {
    }

    /** A chat message was accepted ({@code fromCustomer}: the shopper's, else the agent's). */
    default void message(boolean fromCustomer) {
    }

    /** A chat this node handled closed after this long with its agent. */
    default void handled(String group, long handledMillis) {
    }

    /** The greeting reached the shopper this long after the start. */
    default void greeted(long millis) {
    }

    /** The first human reply came this long after the start. */
    default void firstReply(long millis) {
    }
}
