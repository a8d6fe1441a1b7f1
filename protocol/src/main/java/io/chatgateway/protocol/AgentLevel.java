package io.chatgateway.protocol;

import java.util.Locale;

/** Agent levels, most experienced first. */
public enum AgentLevel {
    SENIOR, REGULAR, TRAINEE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code senior}, {@code regular} or {@code trainee}; {@code null} for anything else. */
    public static AgentLevel parse(String s) {
        if (s == null) {
            return null;
        }
        switch (s) {
            case "senior": return SENIOR;
            case "regular": return REGULAR;
            case "trainee": return TRAINEE;
            default: return null;
        }
    }
}
