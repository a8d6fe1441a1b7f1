package io.chatgateway.router.config;

/** A routing configuration and its version (1, 2, 3 … each accepted change adds one). */
public record VersionedConfig(long version, RoutingConfig config) {
}
