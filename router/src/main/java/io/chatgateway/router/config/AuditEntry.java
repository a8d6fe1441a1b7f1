package io.chatgateway.router.config;

import java.util.List;

/** One accepted configuration change: who, when (epoch ms), from which version to which, and what changed. */
public record AuditEntry(String actor, long atMillis, long fromVersion, long toVersion, List<String> changes) {
    public AuditEntry {
        changes = List.copyOf(changes);
    }
}
