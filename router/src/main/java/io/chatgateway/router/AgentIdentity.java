package io.chatgateway.router;

import io.chatgateway.protocol.AgentLevel;
import java.util.Set;

/**
 * Who an agent is, from the signed token. Empty {@code groups} means the default group;
 * {@code skills} (addition: a {@code skills} claim) e.g. {@code complaints}, {@code en};
 * {@code weight} (addition: a {@code weight} claim, 10..200) their share of new chats, null to keep
 * what the store has (set by ops, or the default 100).
 */
public record AgentIdentity(String agentId, String name, AgentLevel level, Set<String> groups, Set<String> skills,
                            boolean supervisor, Integer weight) {
    /** The weight of an agent nobody set one for. */
    public static final int DEFAULT_WEIGHT = 100;
    public static final int MIN_WEIGHT = 10;
    public static final int MAX_WEIGHT = 200;

    public AgentIdentity {
        groups = Set.copyOf(groups);
        skills = Set.copyOf(skills);
    }

    public AgentIdentity(String agentId, String name, AgentLevel level, Set<String> groups, Set<String> skills, boolean supervisor) {
        this(agentId, name, level, groups, skills, supervisor, null);
    }

    public AgentIdentity(String agentId, String name, AgentLevel level, Set<String> groups, boolean supervisor) {
        this(agentId, name, level, groups, Set.of(), supervisor);
    }
}
