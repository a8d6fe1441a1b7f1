package io.chatgateway.router.internal;

import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.DryRunResult;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * "What would these weights do to the queue right now?" Works on copies of the waiting chats and
 * agents: ranks every chat under the current and the proposed configuration, and projects each
 * wait with the same model as the live ETA (agents' capacities under each configuration, measured
 * handling times). Nothing in the store changes.
 */
public final class DryRun {
    static final int MAX_ENTRIES = 500;

    private DryRun() {
    }

    public static DryRunResult compute(VersionedConfig current, RoutingConfig proposed, List<ChatRecord> waiting,
                                List<AgentRecord> agents, ToLongFunction<String> handleSeconds, long now) {
        Map<String, List<ChatRecord>> byGroup = new HashMap<>();
        for (ChatRecord c : waiting) {
            byGroup.computeIfAbsent(c.group(), g -> new ArrayList<>()).add(c);
        }
        List<DryRunResult.Entry> entries = new ArrayList<>();
        Map<Tier, List<Long>> currentWaits = new EnumMap<>(Tier.class);
        Map<Tier, List<Long>> proposedWaits = new EnumMap<>(Tier.class);
        for (Map.Entry<String, List<ChatRecord>> e : byGroup.entrySet()) {
            String group = e.getKey();
            List<ChatRecord> cur = new ArrayList<>(e.getValue());
            cur.sort(order(current.config()));
            List<ChatRecord> prop = new ArrayList<>(e.getValue());
            prop.sort(order(proposed));
            Map<String, Integer> curPos = new HashMap<>();
            for (int i = 0; i < cur.size(); i++) {
                curPos.put(cur.get(i).chatId(), i + 1);
            }
            int[] curSlots = slots(current.config(), agents, group);
            int[] propSlots = slots(proposed, agents, group);
            long handle = handleSeconds.applyAsLong(group);
            for (int i = 0; i < prop.size(); i++) {
                ChatRecord c = prop.get(i);
                int cp = curPos.get(c.chatId());
                long pw = Matching.projectedWaitSeconds(i + 1, propSlots[0], propSlots[1], handle);
                long cw = Matching.projectedWaitSeconds(cp, curSlots[0], curSlots[1], handle);
                proposedWaits.computeIfAbsent(c.tier(), t -> new ArrayList<>()).add(pw);
                currentWaits.computeIfAbsent(c.tier(), t -> new ArrayList<>()).add(cw);
                entries.add(new DryRunResult.Entry(c.chatId(), group, c.tier().wire(), c.tags(), (now - c.queuedAt()) / 1000,
                        cp, i + 1, pw));
            }
        }
        entries.sort(Comparator.comparing(DryRunResult.Entry::group).thenComparingInt(DryRunResult.Entry::proposedPosition));
        return new DryRunResult(current.version(), waiting.size(),
                entries.size() > MAX_ENTRIES ? List.copyOf(entries.subList(0, MAX_ENTRIES)) : entries,
                tierWaits(currentWaits), tierWaits(proposedWaits));
    }

    private static Comparator<ChatRecord> order(RoutingConfig c) {
        return Comparator.comparingDouble((ChatRecord r) -> -c.rankKey(r.tier(), r.tags(), r.queuedAt()))
                .thenComparingLong(ChatRecord::queuedAt).thenComparing(ChatRecord::chatId);
    }

    /** Capacity slots and free slots of a group's online agents under a configuration's capacities. */
    private static int[] slots(RoutingConfig c, List<AgentRecord> agents, String group) {
        int slots = 0;
        int free = 0;
        for (AgentRecord a : agents) {
            if (a.status() == AgentStatus.ONLINE && a.connected() && a.groups().contains(group)) {
                int cap = c.capacity().get(a.level());
                slots += cap;
                free += Math.max(0, cap - a.load());
            }
        }
        return new int[] {slots, free};
    }

    private static List<DryRunResult.TierWait> tierWaits(Map<Tier, List<Long>> waits) {
        List<DryRunResult.TierWait> out = new ArrayList<>();
        for (Tier t : Tier.values()) {
            List<Long> w = waits.getOrDefault(t, List.of());
            long max = w.stream().mapToLong(Long::longValue).max().orElse(0);
            long mean = w.isEmpty() ? 0 : Math.round(w.stream().mapToLong(Long::longValue).average().orElse(0));
            out.add(new DryRunResult.TierWait(t.wire(), w.size(), mean, max));
        }
        return out;
    }
}
