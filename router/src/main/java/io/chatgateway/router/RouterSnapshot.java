package io.chatgateway.router;

import java.util.List;

/** Live figures for ops: queues per group and tier, and agents. */
public record RouterSnapshot(List<GroupFigures> groups, List<AgentFigures> agents) {

    /** One routing group's queue. */
    public record GroupFigures(String group, int waiting, int waitingVip, int waitingRegular, int waitingNew,
                               long oldestWaitSeconds, long projectedWaitSeconds, int agentsOnline) {
    }

    /** One agent. */
    public record AgentFigures(String agentId, String level, String status, boolean connected, int load,
                               int capacity, List<String> groups) {
    }
}
