package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.router.AgentIdentity;
import java.util.Set;

/**
 * An agent as the store keeps it.
 *
 * @param connected    whether a desktop connection is open; an agent who dropped is offered nothing
 *                     new but keeps their chats for the reconnect grace period
 * @param load         chats offered to or assigned to the agent now; the store keeps {@code load <= capacity}
 *                     for everything it offers or assigns (a capacity lowered by ops leaves chats in place)
 * @param missedOffers offers in a row the agent let expire
 * @param weight       their share of new chats (10..200, {@link #DEFAULT_WEIGHT} by default): an agent of
 *                     weight 200 is given twice the chats of one of 100 (saturation routing, see {@code Matching})
 * @param lastTaken    when the agent was last given a chat, as the store's sequence of offers and assignments
 *                     (0: never), so the longest idle can be preferred without a clock the nodes must share
 * @param statusReason why the agent is not online, as they said it (a suspension's reason) or the gateway did;
 *                     null when none
 */
public record AgentRecord(String agentId, String name, AgentLevel level, Set<String> groups, Set<String> skills,
                          boolean supervisor, AgentStatus status, boolean connected, boolean autoAccept, int capacity,
                          int load, int missedOffers, int weight, long lastTaken, String statusReason) {
    public static final int DEFAULT_WEIGHT = AgentIdentity.DEFAULT_WEIGHT;
    public static final int MIN_WEIGHT = AgentIdentity.MIN_WEIGHT;
    public static final int MAX_WEIGHT = AgentIdentity.MAX_WEIGHT;

    public AgentRecord {
        groups = Set.copyOf(groups);
        skills = Set.copyOf(skills);
    }

    /** An agent of the default weight, never given a chat yet. */
    public AgentRecord(String agentId, String name, AgentLevel level, Set<String> groups, Set<String> skills, boolean supervisor,
                       AgentStatus status, boolean connected, boolean autoAccept, int capacity, int load, int missedOffers) {
        this(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, capacity, load, missedOffers,
                DEFAULT_WEIGHT, 0, null);
    }

    /** Online, connected and under capacity: may take one more chat. */
    public boolean hasRoom() {
        return status == AgentStatus.ONLINE && connected && load < capacity;
    }

    /** A new status; the reason of the old one is dropped. */
    public AgentRecord withStatus(AgentStatus s) {
        return withStatus(s, null);
    }

    public AgentRecord withStatus(AgentStatus s, String reason) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, s, connected, autoAccept, capacity, load, missedOffers,
                weight, lastTaken, reason);
    }

    public AgentRecord withConnected(boolean c) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, c, autoAccept, capacity, load, missedOffers, weight, lastTaken, statusReason);
    }

    public AgentRecord withAutoAccept(boolean a) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, a, capacity, load, missedOffers, weight, lastTaken, statusReason);
    }

    public AgentRecord withCapacity(int c) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, c, load, missedOffers, weight, lastTaken, statusReason);
    }

    public AgentRecord withLoad(int l) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, capacity, l, missedOffers, weight, lastTaken, statusReason);
    }

    public AgentRecord withWeight(int w) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, capacity, load, missedOffers, w,
                lastTaken, statusReason);
    }

    public AgentRecord withLastTaken(long seq) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, capacity, load, missedOffers,
                weight, seq, statusReason);
    }

    /**
     * Saturation: load against the share of chats the agent should carry, {@code load / (capacity ×
     * weight / 100)}; chats go to the least saturated, so with equal weights it is the share of
     * capacity in use, and weights share new chats in proportion.
     */
    public double saturation() {
        return load * (double) DEFAULT_WEIGHT / ((double) capacity * weight);
    }

    public AgentRecord withMissedOffers(int m) {
        return new AgentRecord(agentId, name, level, groups, skills, supervisor, status, connected, autoAccept, capacity, load, m, weight, lastTaken, statusReason);
    }
}
