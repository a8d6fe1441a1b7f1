package io.chatgateway.router.internal;

import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.RoutingConfig.EscalationStep;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import java.util.Comparator;
import java.util.Set;

/**
 * Who may take which chat, and whom to prefer: pure functions of the configuration, so they are
 * the same for chat-driven routing (a chat looks for an agent) and agent-driven routing (a free
 * agent looks for a chat), and for the dry run.
 */
public final class Matching {
    private Matching() {
    }

    /**
     * Whether an agent may be offered a chat now: online with room, not excluded (rejected or let
     * the offer lapse on this step), a supervisor for major complaints, serving the chat's group or
     * a group the current escalation step opens, and of a level the step allows.
     */
    public static boolean eligible(RoutingConfig c, AgentRecord a, ChatRecord chat, long nowMillis, Set<String> excluded) {
        return eligible(c, a, chat, nowMillis, excluded, false);
    }

    /**
     * As above; during overflow ({@code overflow} true for the chat's group) a share of every senior
     * agent's capacity is kept for VIPs, so non-VIP chats may only use the rest.
     */
    public static boolean eligible(RoutingConfig c, AgentRecord a, ChatRecord chat, long nowMillis, Set<String> excluded, boolean overflow) {
        if (!a.hasRoom() || excluded.contains(a.agentId())) {
            return false;
        }
        if (overflow && a.level() == io.chatgateway.protocol.AgentLevel.SENIOR && chat.tier() != io.chatgateway.protocol.Tier.VIP) {
            // floor: an agent with a single slot keeps it for everyone, so the no-starvation bound still holds there
            int reserved = (int) Math.floor(c.overflow().vipReservedSeniorShare() * a.capacity());
            if (a.load() >= a.capacity() - reserved) {
                return false;
            }
        }
        if (chat.hasTag(c.supervisorTag())) {
            return a.supervisor();
        }
        EscalationStep step = step(c, chat, nowMillis);
        boolean group = a.groups().contains(chat.group());
        if (!group) {
            for (String g : step.extraGroups()) {
                if (a.groups().contains(g)) {
                    group = true;
                    break;
                }
            }
        }
        return group && (step.levels().isEmpty() || step.levels().contains(a.level()) || a.supervisor());
    }

    public static EscalationStep step(RoutingConfig c, ChatRecord chat, long nowMillis) {
        return c.escalation().get(chat.tier()).get(c.stepIndex(chat.tier(), nowMillis - chat.queuedAt()));
    }

    /**
     * Among eligible agents, best first: the complaints skill for complaint-prone shoppers, then
     * the tier's preferred levels in order, then the least saturated ({@link AgentRecord#saturation}:
     * load against capacity scaled by the agent's weight, so weights share new chats in proportion),
     * then the lowest share of capacity in use, then the longest idle (given a chat longest ago),
     * then id.
     */
    public static Comparator<AgentRecord> preference(RoutingConfig c, ChatRecord chat) {
        boolean complaintProne = chat.hasTag("complaint_prone");
        var preferred = c.preferredLevels().get(chat.tier());
        return Comparator
                .comparingInt((AgentRecord a) -> complaintProne && !a.skills().contains(c.complaintSkill()) ? 1 : 0)
                .thenComparingInt(a -> {
                    int i = preferred.indexOf(a.level());
                    return i < 0 ? preferred.size() : i;
                })
                .thenComparingDouble(AgentRecord::saturation)
                .thenComparingDouble(a -> (double) a.load() / a.capacity())
                .thenComparingLong(AgentRecord::lastTaken)
                .thenComparing(AgentRecord::agentId);
    }

    /** Whether any escalation step lets agents of {@code groups} take chats of other groups. */
    public static boolean servesOverflow(RoutingConfig c, Set<String> groups) {
        for (var steps : c.escalation().values()) {
            for (EscalationStep s : steps) {
                for (String g : s.extraGroups()) {
                    if (groups.contains(g)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Projected wait for the {@code position}-th in line of a group: agents together finish
     * {@code slots / handleSeconds} chats a second; positions within the free slots wait nothing.
     * Without any agent the estimate is one handling time per position (honest: we do not know).
     */
    public static long projectedWaitSeconds(int position, int slots, int freeSlots, long handleSeconds) {
        if (slots <= 0) {
            return position * handleSeconds;
        }
        int ahead = Math.max(0, position - freeSlots);
        return (long) Math.ceil((double) ahead * handleSeconds / slots);
    }
}
