package io.chatgateway.router;

import io.chatgateway.protocol.AgentLevel;
import java.util.Set;

/**
 * Who an agent is, from the signed token. Empty {@code groups} means the default group;
 * {@code skills} (addition: a {@code skills} claim) e.g. {@code complaints}, {@code en}.
 */
public record AgentIdentity(String agentId, String name, AgentLevel level, Set<String> groups, Set<String> skills,
                            boolean supervisor) {
    public AgentIdentity {
        groups = Set.copyOf(groups);
        skills = Set.copyOf(skills);
    }

    public AgentIdentity(String agentId, String name, AgentLevel level, Set<String> groups, boolean supervisor) {
        this(agentId, name, level, groups, Set.of(), supervisor);
    }
}
