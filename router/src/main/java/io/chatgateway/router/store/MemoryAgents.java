package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentStatus;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The memory store's agents and their per-group indexes (who has room; slots and free slots of
 * online agents, in all and per level). Every change goes through {@link #put}, so the indexes
 * stay exact without scanning all agents per decision. Not thread-safe: the store's lock guards it.
 */
final class MemoryAgents {
    private final Map<String, AgentRecord> agents = new TreeMap<>();
    private final Map<String, Map<String, AgentRecord>> roomByGroup = new HashMap<>();
    private final Map<String, int[]> loadByGroup = new HashMap<>(); // ChatStore.GroupLoad.fromInts' layout

    AgentRecord get(String agentId) {
        return agents.get(agentId);
    }

    Collection<AgentRecord> all() {
        return agents.values();
    }

    void put(AgentRecord a) {
        AgentRecord old = agents.put(a.agentId(), a);
        if (old != null) {
            for (String g : old.groups()) {
                roomByGroup.computeIfAbsent(g, k -> new TreeMap<>()).remove(old.agentId());
                if (counts(old)) {
                    addLoad(loadByGroup.computeIfAbsent(g, k -> new int[ChatStore.GroupLoad.INTS]), old, -1);
                }
            }
        }
        for (String g : a.groups()) {
            if (a.hasRoom()) {
                roomByGroup.computeIfAbsent(g, k -> new TreeMap<>()).put(a.agentId(), a);
            }
            if (counts(a)) {
                addLoad(loadByGroup.computeIfAbsent(g, k -> new int[ChatStore.GroupLoad.INTS]), a, 1);
            }
        }
    }

    /** Changes an agent's load by {@code delta} (never below 0); nothing for an unknown agent. */
    void addToLoad(String agentId, int delta) {
        AgentRecord a = agents.get(agentId);
        if (a != null) {
            put(a.withLoad(Math.max(0, a.load() + delta)));
        }
    }

    List<AgentRecord> withRoom(String group) {
        Map<String, AgentRecord> m = roomByGroup.get(group);
        return m == null ? List.of() : List.copyOf(m.values());
    }

    ChatStore.GroupLoad load(String group) {
        int[] l = loadByGroup.get(group);
        return l == null ? ChatStore.GroupLoad.NONE : ChatStore.GroupLoad.fromInts(l);
    }

    /** Adds ({@code sign} 1) or removes (-1) an agent's slots in a group's load, in all and at its level. */
    private static void addLoad(int[] l, AgentRecord a, int sign) {
        for (int at : new int[] {0, 3 * (1 + a.level().ordinal())}) {
            l[at] += sign * a.capacity();
            l[at + 1] += sign * Math.max(0, a.capacity() - a.load());
            l[at + 2] += sign;
        }
    }

    private static boolean counts(AgentRecord a) {
        return a.status() == AgentStatus.ONLINE && a.connected();
    }
}
