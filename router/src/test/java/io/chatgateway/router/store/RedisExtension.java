package io.chatgateway.router.store;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis for one test class: a standalone {@code redis-server} or a three-master Cluster on
 * free ports, started before the class and stopped after it.
 * <pre>
 * &#64;RegisterExtension
 * static final RedisExtension REDIS = RedisExtension.standalone();
 * </pre>
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback {
    private final boolean cluster;
    private RedisServer server;
    private RedisServer.Cluster nodes;

    private RedisExtension(boolean cluster) {
        this.cluster = cluster;
    }

    public static RedisExtension standalone() {
        return new RedisExtension(false);
    }

    public static RedisExtension cluster() {
        return new RedisExtension(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (cluster) {
            nodes = RedisServer.startCluster();
        } else {
            server = RedisServer.start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (nodes != null) {
            nodes.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** {@code redis://…} or {@code redis-cluster://…}. */
    public String uri() {
        return cluster ? nodes.uri() : server.uri();
    }

    /** The standalone server (to stop and restart it). */
    public RedisServer server() {
        if (server == null) {
            throw new IllegalStateException("a cluster has no single server");
        }
        return server;
    }
}
