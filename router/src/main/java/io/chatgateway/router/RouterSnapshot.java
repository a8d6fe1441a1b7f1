package io.chatgateway.router;

import java.util.List;

/** Live figures for ops: queues per group and tier, and agents. */
public record RouterSnapshot(long configVersion, List<GroupFigures> groups, List<AgentFigures> agents) {

    /** One routing group's queue. */
    public record GroupFigures(String group, boolean open, boolean overflow, String overflowMode, int waiting, long oldestWaitSeconds, long projectedWaitSeconds,
                               int agentsOnline, int freeSlots, long averageHandleSeconds, List<TierFigures> tiers) {
    }

    /**
     * One tier in one group: how many wait, the longest wait so far, the projected wait of the last
     * in line, and how honest the waits promised were: p50 and p90 of actual minus promised seconds
     * over the last {@code etaSamples} promised chats of this node (positive: longer than told).
     */
    public record TierFigures(String tier, int waiting, long oldestWaitSeconds, long projectedWaitSeconds,
                              int etaSamples, long etaErrorP50Seconds, long etaErrorP90Seconds) {
    }

    /** One agent; {@code weight} their share of new chats (100 by default); {@code statusReason} why they are not online, if said. */
    public record AgentFigures(String agentId, String name, String level, String status, String statusReason, boolean connected,
                               boolean supervisor, boolean autoAccept, int load, int capacity, int weight, List<String> groups,
                               List<String> skills) {
    }
}
