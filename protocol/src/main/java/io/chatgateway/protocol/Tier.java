package io.chatgateway.protocol;

import java.util.Locale;

/** Customer tiers, in the order they are served (VIP first). */
public enum Tier {
    VIP, REGULAR, NEW;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code vip}, {@code regular} or {@code new}; {@code null} for anything else. */
    public static Tier parse(String s) {
        if (s == null) {
            return null;
        }
        switch (s) {
            case "vip": return VIP;
            case "regular": return REGULAR;
            case "new": return NEW;
            default: return null;
        }
    }
}
