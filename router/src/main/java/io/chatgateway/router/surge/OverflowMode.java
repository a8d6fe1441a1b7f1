package io.chatgateway.router.surge;

import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.Peer;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.ChatRecord;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The big-sale overflow ("diversion") mode of each group. It switches on when the queue or the
 * projected wait passes the enter thresholds and off only when both are back under the exit
 * thresholds (hysteresis), unless ops forced it. While on, every waiting shopper is told honestly
 * (volume, place, wait, the leave-a-message offer when the wait is long), positions are re-sent at
 * most every {@code overflow.updateSeconds}, and agents and shoppers get the surge FAQ. The VIP
 * reserve of senior agents' capacity is applied by {@link io.chatgateway.router.internal.Matching}.
 */
public final class OverflowMode {
    private static final Logger log = LoggerFactory.getLogger(OverflowMode.class);
    private final NodeContext ctx;
    private final Delivery delivery;
    private final QueuePositions positions;
    // Switched on lane 0 (ticks, admin calls), read by every lane.
    private final Set<String> on = ConcurrentHashMap.newKeySet(); // groups in overflow mode
    private volatile Map<String, Boolean> forced = Map.of(); // group -> forced on/off by ops (absent: automatic), from the store
    private long lastUpdate;

    public OverflowMode(NodeContext ctx, Delivery delivery, QueuePositions positions) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.positions = positions;
        positions.overflow = this;
    }

    public boolean isOn(String group) {
        return on.contains(group);
    }

    /** "on", "off" when ops forced it, else "auto". */
    public String forcedMode(String group) {
        Boolean f = forced.get(group);
        return f == null ? "auto" : f ? "on" : "off";
    }

    /** Forces a group's mode through the store (seen by every node), or back to automatic; returns whether it is on now. */
    public boolean force(String group, Boolean mode) {
        ctx.store().forceOverflow(group, mode);
        check();
        return on.contains(group);
    }

    public ServerMessage.Faq faq(String group) {
        return new ServerMessage.Faq(group, ctx.cfg().overflow().faq().stream()
                .map(f -> new ServerMessage.FaqEntry(f.question(), f.answer())).toList());
    }

    /** Once a second: switch groups on or off; while on, re-send changed positions every update period. */
    public void check() {
        RoutingConfig.Overflow o = ctx.cfg().overflow();
        forced = ctx.store().forcedOverflow(); // ops may have forced it through any node
        Map<String, Map<Tier, Integer>> depths = ctx.depths();
        Set<String> groups = new TreeSet<>(depths.keySet());
        groups.addAll(forced.keySet());
        for (String g : groups) {
            int depth = depths.getOrDefault(g, Map.of()).values().stream().mapToInt(Integer::intValue).sum();
            // Without online agents there is no capacity to project from: only the depth counts then.
            QueuePositions.GroupWaits waits = depth == 0 ? null : positions.waits(g);
            long projected = waits == null || !waits.staffed() ? 0 : waits.eta(depth);
            boolean now = on.contains(g);
            Boolean f = forced.get(g);
            boolean next = f != null ? f
                    : now ? !(depth < o.exitDepth() && projected < o.exitWaitSeconds())
                    : depth >= o.enterDepth() || projected >= o.enterWaitSeconds();
            if (next != now) {
                set(g, next, f != null ? "forced by ops" : "waiting " + depth + ", projected wait " + projected + " s");
            }
        }
        long now = ctx.now();
        if (!on.isEmpty() && now - lastUpdate >= o.updateSeconds() * 1000L) {
            lastUpdate = now;
            for (String g : on) {
                positions.update(g, Integer.MAX_VALUE, false); // each waiting shopper whose place changed
            }
        }
    }

    private void set(String group, boolean next, String why) {
        if (next) {
            on.add(group);
        } else {
            on.remove(group);
        }
        log.info("overflow mode {} for group {} ({})", next ? "on" : "off", group, why);
        ctx.metrics().registry.counter("chat.overflow.switches", "group", group, "to", next ? "on" : "off").increment();
        if (!next) {
            positions.sendPositions(group);
            return;
        }
        RoutingConfig.Overflow o = ctx.cfg().overflow();
        ServerMessage.Faq faq = faq(group);
        OutboundFrame faqFrame = Delivery.frame(faq);
        for (Map.Entry<String, Peer> e : delivery.agents().entrySet()) {
            if (ctx.store().agent(e.getKey()).map(a -> a.groups().contains(group)).orElse(false)) {
                e.getValue().send(faqFrame);
            }
        }
        // Everyone waiting is told honestly: volume is high, where they stand, how long, and that they may leave a message.
        QueuePositions.GroupWaits waits = positions.waits(group);
        int position = 0;
        for (ChatRecord c : ctx.store().waiting(group, Integer.MAX_VALUE)) {
            position++;
            if (ctx.shared() && !delivery.customerHere(c.chatId())) {
                continue; // every node switches on by itself and tells its own shoppers: one announcement per chat
            }
            QueuePositions.Wait w = waits.of(c, position);
            Kind kind = w.etaSeconds() >= o.enterWaitSeconds() / 2 ? Kind.OVERFLOW : Kind.QUEUED;
            delivery.appendAndSend(c, null, seq -> new ServerMessage.Script(c.chatId(), seq, kind.wire(),
                    ctx.scripts().render(kind, c.lang(), Map.of("position", Integer.toString(w.position()),
                            "eta", ctx.scripts().formatWait(w.etaSeconds(), c.lang()), "shop", ctx.options().shopName()))));
            positions.tell(c.chatId(), w);
            delivery.toCustomer(c.chatId(), faqFrame);
        }
    }
}
