package io.chatgateway.router;

import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.VersionedConfig;

/**
 * The outcome of a configuration change: applied (with the new version and its audit entry), or
 * refused because the version it meant to replace is no longer current.
 */
public record ConfigUpdate(boolean applied, VersionedConfig current, AuditEntry audit) {
}
