package io.chatgateway.protocol;

import java.util.Locale;

/**
 * An agent's availability as set by the {@code status} frame: {@code online} takes new chats;
 * {@code transfers_only} (addition) takes chats colleagues transfer but no new ones;
 * {@code suspended} (addition, 挂起, with a reason) and {@code away} take nothing new and keep their
 * chats; {@code offline} hands every chat back.
 */
public enum AgentStatus {
    ONLINE, AWAY, OFFLINE, TRANSFERS_ONLY, SUSPENDED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code online}, {@code away}, {@code offline}, {@code transfers_only} or {@code suspended}; {@code null} for anything else. */
    public static AgentStatus parse(String s) {
        if (s == null) {
            return null;
        }
        switch (s) {
            case "online": return ONLINE;
            case "away": return AWAY;
            case "offline": return OFFLINE;
            case "transfers_only": return TRANSFERS_ONLY;
            case "suspended": return SUSPENDED;
            default: return null;
        }
    }
}
