package io.chatgateway.protocol;

import java.util.Locale;

/** An agent's availability as set by the {@code status} frame. */
public enum AgentStatus {
    ONLINE, AWAY, OFFLINE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code online}, {@code away} or {@code offline}; {@code null} for anything else. */
    public static AgentStatus parse(String s) {
        if (s == null) {
            return null;
        }
        switch (s) {
            case "online": return ONLINE;
            case "away": return AWAY;
            case "offline": return OFFLINE;
            default: return null;
        }
    }
}
