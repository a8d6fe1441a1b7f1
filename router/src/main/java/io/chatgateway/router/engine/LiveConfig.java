package io.chatgateway.router.engine;

import io.chatgateway.router.ConfigUpdate;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.script.ScriptLibrary;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.surge.QueuePositions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What ops tune live: the routing document and the script texts. Both are versioned in the store;
 * a change through any node's admin API is adopted by every node within a second (they poll the
 * versions only), and a restarted node starts with what ops set.
 */
final class LiveConfig {
    private static final Logger log = LoggerFactory.getLogger(LiveConfig.class);
    private final NodeContext ctx;
    private final Assignment assignment;
    private final QueuePositions positions;
    private long scriptsVersion;

    LiveConfig(NodeContext ctx, Assignment assignment, QueuePositions positions) {
        this.ctx = ctx;
        this.assignment = assignment;
        this.positions = positions;
        followStoredScripts(); // a restarted node starts with the texts ops edited
    }

    ConfigUpdate apply(long expectedVersion, RoutingConfig next, String actor) {
        ChatStore store = ctx.store();
        VersionedConfig current = store.config();
        if (current.version() != expectedVersion) {
            return new ConfigUpdate(false, current, null);
        }
        AuditEntry entry = new AuditEntry(actor, System.currentTimeMillis(), current.version(), current.version() + 1,
                RoutingConfig.diff(current.config(), next));
        Optional<VersionedConfig> applied = store.replaceConfig(expectedVersion, next, entry);
        if (applied.isEmpty()) {
            return new ConfigUpdate(false, store.config(), null);
        }
        log.info("routing config v{} applied by {}: {}", applied.get().version(), actor, entry.changes());
        // Live: re-rank the waiting, new capacities. Assigned chats are not touched.
        store.rerank(c -> next.rankKey(c.tier(), c.tags(), c.queuedAt()));
        for (AgentRecord a : store.agents()) {
            store.updateAgent(a.agentId(), r -> r.withCapacity(next.capacity().get(r.level())));
        }
        adopt(applied.get());
        return new ConfigUpdate(true, ctx.config(), entry);
    }

    /**
     * Once a second: a configuration changed through another node's admin API (a shared store)
     * is picked up here, so every node routes by the same version within a second.
     */
    void followStoredConfig() {
        if (ctx.store().configVersion() <= ctx.config().version()) {
            return; // the usual case: one small read a second, no parsing
        }
        VersionedConfig stored = ctx.store().config();
        if (stored.version() > ctx.config().version()) {
            log.info("routing config v{} adopted from the shared store", stored.version());
            adopt(stored);
        }
    }

    /** What a node does locally with a new configuration: new ladders for its timers, then route. */
    private void adopt(VersionedConfig next) {
        ctx.config(next);
        for (ChatRecord w : allWaiting()) {
            assignment.escalation().schedule(w);
        }
        List<AgentRecord> agents = new ArrayList<>(ctx.store().agents());
        agents.sort(Comparator.comparingDouble(a -> (double) a.load() / a.capacity()));
        for (AgentRecord a : agents) {
            assignment.fillAgent(a.agentId());
        }
        for (String g : ctx.depths().keySet()) {
            positions.sendPositions(g);
        }
    }

    List<ChatRecord> allWaiting() {
        List<ChatRecord> all = new ArrayList<>();
        for (String g : ctx.depths().keySet()) {
            all.addAll(ctx.store().waiting(g, Integer.MAX_VALUE));
        }
        return all;
    }

    Map<String, Map<String, String>> updateScript(String kind, String lang, String text) {
        for (int attempt = 0; attempt < 10; attempt++) {
            ChatStore.EditedScripts current = ctx.store().scripts();
            ScriptLibrary base = ctx.scripts().withEdits(current.edited()); // throws IllegalArgumentException: the caller answers 400
            ScriptLibrary next = base.with(kind, lang, text);
            Map<String, Map<String, String>> edited = new TreeMap<>();
            current.edited().forEach((k, v) -> edited.put(k, new TreeMap<>(v)));
            edited.computeIfAbsent(kind, k -> new TreeMap<>()).put(lang, text);
            if (ctx.store().replaceScripts(current.version(), edited)) {
                ctx.scripts(next);
                scriptsVersion = current.version() + 1;
                log.info("script {} ({}) changed, scripts v{}", kind, lang, scriptsVersion);
                return next.all();
            }
        }
        throw new IllegalStateException("script texts changed too often to update; retry");
    }

    /** Script texts edited through another node's admin API (a shared store) are picked up here. */
    void followStoredScripts() {
        if (ctx.store().scriptsVersion() <= scriptsVersion) {
            return;
        }
        ChatStore.EditedScripts stored = ctx.store().scripts();
        if (stored.version() > scriptsVersion) {
            ctx.scripts(ScriptLibrary.defaults(ctx.options().defaultLang()).withEdits(stored.edited()));
            scriptsVersion = stored.version();
            log.info("scripts v{} adopted from the shared store", scriptsVersion);
        }
    }
}
