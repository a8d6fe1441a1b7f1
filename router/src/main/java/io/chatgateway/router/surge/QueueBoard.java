package io.chatgateway.router.surge;

import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.Peer;
import io.chatgateway.router.RouterSnapshot;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.EtaAccuracy;
import io.chatgateway.router.internal.Matching;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Live queue figures: the {@code queue} frame each agent gets for their groups (once a second,
 * only when it changed), and the snapshot ops read at {@code /admin/queues} and {@code /admin/agents}.
 */
public final class QueueBoard {
    /** Queue heads read per group and tier for the oldest wait. */
    private static final int HEAD_SCAN = 16;
    private final NodeContext ctx;
    private final Delivery delivery;
    private final QueuePositions positions;
    private final OverflowMode overflow;
    private final Map<String, String> lastSent = new ConcurrentHashMap<>(); // agentId -> what they were last sent

    public QueueBoard(NodeContext ctx, Delivery delivery, QueuePositions positions, OverflowMode overflow) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.positions = positions;
        this.overflow = overflow;
    }

    /** The agent (re)connected or left: their next queue frame goes out whatever it says. */
    public void forget(String agentId) {
        lastSent.remove(agentId);
    }

    /** Agents get the {@code queue} frame for their groups when it changed. */
    public void tick() {
        Map<String, Map<Tier, Integer>> d = ctx.depths();
        if (delivery.agents().isEmpty()) {
            return;
        }
        long now = ctx.now();
        Map<String, ServerMessage.GroupQueue> figures = new HashMap<>();
        for (Map.Entry<String, Map<Tier, Integer>> e : d.entrySet()) {
            int waiting = e.getValue().values().stream().mapToInt(Integer::intValue).sum();
            long oldest = now;
            for (Tier t : Tier.values()) {
                for (ChatRecord c : ctx.store().waiting(e.getKey(), t, HEAD_SCAN)) {
                    oldest = Math.min(oldest, c.queuedAt());
                }
            }
            figures.put(e.getKey(), new ServerMessage.GroupQueue(e.getKey(), waiting, (now - oldest) / 1000, overflow.isOn(e.getKey())));
        }
        // One read of this node's agents: every node reading every agent each second would cost a shared
        // store nodes × agents reads a second (Redis: ~20 µs of its CPU per agent read).
        Map<String, AgentRecord> records = new HashMap<>();
        for (AgentRecord r : ctx.store().agents(delivery.agents().keySet())) {
            records.put(r.agentId(), r);
        }
        for (Map.Entry<String, Peer> e : delivery.agents().entrySet()) {
            Optional<AgentRecord> a = Optional.ofNullable(records.get(e.getKey()));
            if (a.isEmpty()) {
                continue;
            }
            List<ServerMessage.GroupQueue> mine = new ArrayList<>();
            StringBuilder sig = new StringBuilder();
            for (String g : new TreeSet<>(a.get().groups())) {
                ServerMessage.GroupQueue q = figures.getOrDefault(g, new ServerMessage.GroupQueue(g, 0, 0, false));
                mine.add(q);
                // Waits move every second; resend them in 10 s steps so a quiet queue stays quiet.
                sig.append(g).append(':').append(q.waiting()).append(':').append(q.oldestWaitSeconds() / 10).append(':')
                        .append(q.overflow()).append(';');
            }
            if (!sig.toString().equals(lastSent.get(e.getKey()))) {
                lastSent.put(e.getKey(), sig.toString());
                e.getValue().send(Delivery.frame(new ServerMessage.QueueStatus(mine)));
            }
        }
    }

    /** Live queue and agent figures for ops. */
    public RouterSnapshot snapshot() {
        long now = ctx.now();
        Map<String, Map<Tier, Integer>> d = ctx.depths();
        Set<String> groups = new TreeSet<>(d.keySet());
        List<AgentRecord> agents = ctx.store().agents();
        for (AgentRecord a : agents) {
            groups.addAll(a.groups());
        }
        List<RouterSnapshot.GroupFigures> out = new ArrayList<>();
        for (String group : groups) {
            List<ChatRecord> waiting = ctx.store().waiting(group, Integer.MAX_VALUE);
            int online = 0;
            int slots = 0;
            int free = 0;
            for (AgentRecord a : agents) {
                if (a.status() == AgentStatus.ONLINE && a.connected() && a.groups().contains(group)) {
                    online++;
                    slots += a.capacity();
                    free += Math.max(0, a.capacity() - a.load());
                }
            }
            long handle = positions.handleSeconds(group);
            long closedFor = ctx.cfg().group(group).secondsUntilOpen(Instant.ofEpochMilli(now));
            Map<Tier, long[]> byTier = new EnumMap<>(Tier.class); // count, oldest queuedAt, last position
            Map<Tier, ChatRecord> lastOfTier = new EnumMap<>(Tier.class);
            long oldest = now;
            int position = 0;
            for (ChatRecord c : waiting) {
                position++;
                long[] f = byTier.computeIfAbsent(c.tier(), t -> new long[] {0, now, 0});
                f[0]++;
                f[1] = Math.min(f[1], c.queuedAt());
                f[2] = position;
                lastOfTier.put(c.tier(), c);
                oldest = Math.min(oldest, c.queuedAt());
            }
            QueuePositions.GroupWaits waits = waiting.isEmpty() ? null : positions.waits(group);
            List<RouterSnapshot.TierFigures> tiers = new ArrayList<>();
            for (Tier t : Tier.values()) {
                long[] f = byTier.get(t);
                // The wait the last of the tier was told: by its ladder, the levels it allows, the agents online.
                EtaAccuracy.Figures honesty = ctx.metrics().eta.figures(group, t.wire());
                tiers.add(new RouterSnapshot.TierFigures(t.wire(), f == null ? 0 : (int) f[0], f == null ? 0 : (now - f[1]) / 1000,
                        f == null ? 0 : waits.of(lastOfTier.get(t), (int) f[2]).etaSeconds(),
                        honesty.samples(), honesty.p50Seconds(), honesty.p90Seconds()));
            }
            out.add(new RouterSnapshot.GroupFigures(group, closedFor == 0, overflow.isOn(group), overflow.forcedMode(group),
                    waiting.size(), (now - oldest) / 1000,
                    waiting.isEmpty() ? 0 : closedFor + Matching.projectedWaitSeconds(waiting.size(), slots, free, handle),
                    online, free, handle, tiers));
        }
        List<RouterSnapshot.AgentFigures> a = new ArrayList<>();
        for (AgentRecord r : agents) {
            a.add(new RouterSnapshot.AgentFigures(r.agentId(), r.name(), r.level().wire(), r.status().wire(), r.statusReason(), r.connected(),
                    r.supervisor(), r.autoAccept(), r.load(), r.capacity(), r.weight(), List.copyOf(new TreeSet<>(r.groups())),
                    List.copyOf(new TreeSet<>(r.skills()))));
        }
        return new RouterSnapshot(ctx.config().version(), out, a);
    }
}
