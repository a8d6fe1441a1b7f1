package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import java.util.Set;

/**
 * An agent as the store keeps it.
 *
 * @param connected whether a desktop connection is open; an agent who dropped is not offered new
 *                  chats but keeps their chats for the reconnect grace period
 * @param load      chats assigned right now; the store keeps {@code load <= capacity}
 */
public record AgentRecord(String agentId, String name, AgentLevel level, Set<String> groups, boolean supervisor,
                          AgentStatus status, boolean connected, int capacity, int load) {
    public AgentRecord {
        groups = Set.copyOf(groups);
    }

    /** Online, connected and under capacity: may take one more chat. */
    public boolean hasRoom() {
        return status == AgentStatus.ONLINE && connected && load < capacity;
    }

    public AgentRecord withStatus(AgentStatus s) {
        return new AgentRecord(agentId, name, level, groups, supervisor, s, connected, capacity, load);
    }

    public AgentRecord withConnected(boolean c) {
        return new AgentRecord(agentId, name, level, groups, supervisor, status, c, capacity, load);
    }

    public AgentRecord withLoad(int l) {
        return new AgentRecord(agentId, name, level, groups, supervisor, status, connected, capacity, l);
    }
}
