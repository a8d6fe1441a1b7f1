package io.chatgateway.router;

import io.chatgateway.protocol.AgentLevel;
import java.util.Set;

/** Who an agent is, from the signed token. Empty {@code groups} means the default group. */
public record AgentIdentity(String agentId, String name, AgentLevel level, Set<String> groups, boolean supervisor) {
    public AgentIdentity {
        groups = Set.copyOf(groups);
    }
}
