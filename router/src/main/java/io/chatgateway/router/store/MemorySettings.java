package io.chatgateway.router.store;

import io.chatgateway.router.QaReview.QaSample;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the memory store keeps beside chats and agents: the routing configuration with its audit
 * trail, the edited script texts, forced overflow modes, QA samples and ETA errors, under a lock of their own.
 */
final class MemorySettings {
    private static final int MAX_AUDIT = 1000;
    private static final int MAX_QA = 10_000;
    private final ArrayDeque<QaSample> qa = new ArrayDeque<>();
    private final ArrayDeque<AuditEntry> audit = new ArrayDeque<>();
    private final Map<String, Boolean> forcedOverflow = new TreeMap<>();
    private final Map<String, ArrayDeque<Long>> etaErrors = new java.util.HashMap<>(); // "tier|group" (a tier never holds the separator)
    private VersionedConfig config;

    MemorySettings(RoutingConfig initialConfig) {
        this.config = new VersionedConfig(1, initialConfig);
    }

    synchronized void addQaSample(QaSample sample) {
        qa.addFirst(sample);
        while (qa.size() > MAX_QA) {
            qa.removeLast();
        }
    }

    synchronized void noteEtaError(String group, String tier, long errorSeconds) {
        ArrayDeque<Long> kept = etaErrors.computeIfAbsent(tier + "|" + group, k -> new ArrayDeque<>());
        kept.addFirst(errorSeconds);
        while (kept.size() > ChatStore.ETA_ERRORS_KEPT) {
            kept.removeLast();
        }
    }

    synchronized List<Long> etaErrors(String group, String tier) {
        return List.copyOf(etaErrors.getOrDefault(tier + "|" + group, new ArrayDeque<>()));
    }

    synchronized List<QaSample> qaSamples(int limit) {
        List<QaSample> out = new ArrayList<>();
        for (QaSample q : qa) {
            if (out.size() >= limit) {
                break;
            }
            out.add(q);
        }
        return out;
    }


    synchronized VersionedConfig config() {
        return config;
    }

    synchronized Optional<VersionedConfig> replaceConfig(long expectedVersion, RoutingConfig next, AuditEntry entry) {
        if (config.version() != expectedVersion) {
            return Optional.empty();
        }
        config = new VersionedConfig(expectedVersion + 1, next);
        audit.addFirst(entry);
        while (audit.size() > MAX_AUDIT) {
            audit.removeLast();
        }
        return Optional.of(config);
    }

    private ChatStore.EditedScripts scripts = new ChatStore.EditedScripts(0, Map.of());

    synchronized ChatStore.EditedScripts scripts() {
        return scripts;
    }

    synchronized boolean replaceScripts(long expectedVersion, Map<String, Map<String, String>> edited) {
        if (scripts.version() != expectedVersion) {
            return false;
        }
        scripts = new ChatStore.EditedScripts(expectedVersion + 1, Map.copyOf(edited));
        return true;
    }

    synchronized List<AuditEntry> audit(int limit) {
        List<AuditEntry> out = new ArrayList<>();
        for (AuditEntry e : audit) {
            if (out.size() >= limit) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    synchronized Map<String, Boolean> forcedOverflow() {
        return Map.copyOf(forcedOverflow);
    }

    synchronized void forceOverflow(String group, Boolean on) {
        if (on == null) {
            forcedOverflow.remove(group);
        } else {
            forcedOverflow.put(group, on);
        }
    }
}
