package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import java.util.Set;

/**
 * An agent as the store keeps it.
 *
 * @param connected    whether a desktop connection is open; an agent who dropped is offered nothing
 *                     new but keeps their chats for the reconnect grace period
 * @param load         chats offered to or assigned to the agent now; the store keeps {@code load <= capacity}
 *                     for everything it offers or assigns (a capacity lowered by ops leaves chats in place)
 * @param missedOffers offers in a row the agent let expire
 */
public record AgentRecord(String agentId, String name, AgentLevel level, Set<String> groups, Set<String> skills,
                          boolean supervisor, AgentStatus status, boolean connected, boolean autoAccept, int capacity,
                          int load, int missedOffers) {
    public AgentRecord {
        groups = Set.copyOf(groups);
        skills = Set.copyOf(skills);
    }

    /** Online, connected and under capacity: may take one more chat. */
    public boolean hasRoom() {
        return status == AgentStatus.ONLINE && connected && load < capacity;
    }

    public AgentRecord withStatus(AgentStatus s) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, s, connected, autoAccept, capacity, load, missedOffers);
    }

    public AgentRecord withConnected(boolean c) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, c, autoAccept, capacity, load, missedOffers);
    }

    public AgentRecord withAutoAccept(boolean a) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, a, capacity, load, missedOffers);
    }

    public AgentRecord withCapacity(int c) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, c, load, missedOffers);
    }

    public AgentRecord withLoad(int l) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, capacity, l, missedOffers);
    }

    public AgentRecord withMissedOffers(int m) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, capacity, load, m);
    }
}
