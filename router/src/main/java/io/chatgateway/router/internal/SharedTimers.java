package io.chatgateway.router.internal;

/**
 * Names of the deadlines kept in a shared store ({@code ChatStore.armTimer}): a kind prefix and
 * the chat or agent id. Any node may claim a due one; each is handed to exactly one node.
 */
public final class SharedTimers {
    public static final String CARE = "care|";
    public static final String ESCALATE = "esc|";
    /** + chatId|agentId */
    public static final String OFFER = "offer|";
    /** + chatId|agentId: a returning shopper's owner's window */
    public static final String OWNER_OFFER = "owner|";
    public static final String GRACE = "grace|";
    public static final String ABANDON = "abandon|";

    private SharedTimers() {
    }

    public static String offer(String chatId, String agentId, boolean ownerWindow) {
        return (ownerWindow ? OWNER_OFFER : OFFER) + chatId + "|" + agentId;
    }
}
