package io.chatgateway.gateway.admin;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Every route of the admin port, once: the handler dispatches on it, the 404 and 405 answers list
 * it, and {@code AdminContractTest} holds it equal to {@code docs/openapi.json} (so a route cannot be
 * served without being documented, nor documented without being served).
 */
enum AdminRoute {
    HEALTHZ("GET", "/healthz", true),
    READYZ("GET", "/readyz", true),
    METRICS("GET", "/metrics", false),
    OPS_PAGE("GET", "/ops", true),
    OPS_SCRIPT("GET", "/ops/ops.js", true),
    OPS_STYLE("GET", "/ops/ops.css", true),
    OPENAPI("GET", "/admin/openapi.json", false),
    CONFIG("GET", "/admin/config", false),
    PUT_CONFIG("PUT", "/admin/config", false),
    DRY_RUN("POST", "/admin/config/dry-run", false),
    AUDIT("GET", "/admin/audit", false),
    QA("GET", "/admin/qa", false),
    OVERFLOW("POST", "/admin/overflow", false),
    SCRIPTS("GET", "/admin/scripts", false),
    PUT_SCRIPT("PUT", "/admin/scripts/{kind}/{lang}", false),
    QUEUES("GET", "/admin/queues", false),
    AGENTS("GET", "/admin/agents", false),
    AGENT_WEIGHT("PUT", "/admin/agents/{agentId}/weight", false),
    TRACE("GET", "/admin/trace", false);

    final String method;
    /** The path; a {@code {name}} segment stands for one non-empty segment. */
    final String path;
    /** Served without the bearer token (load balancers probe these). */
    final boolean open;
    private final String[] segments;

    AdminRoute(String method, String path, boolean open) {
        this.method = method;
        this.path = path;
        this.open = open;
        this.segments = path.substring(1).split("/");
    }

    /** The values of this route's {@code {name}} segments in {@code requestPath}, or null when it does not match. */
    String[] match(String requestPath) {
        if (!requestPath.startsWith("/")) {
            return null;
        }
        String[] given = requestPath.substring(1).split("/", -1);
        if (given.length != segments.length) {
            return null;
        }
        String[] values = new String[given.length];
        int n = 0;
        for (int i = 0; i < given.length; i++) {
            if (segments[i].startsWith("{")) {
                if (given[i].isEmpty()) {
                    return null;
                }
                values[n++] = given[i];
            } else if (!segments[i].equals(given[i])) {
                return null;
            }
        }
        return Arrays.copyOf(values, n);
    }

    static Optional<AdminRoute> find(String method, String requestPath) {
        return Arrays.stream(values()).filter(r -> r.method.equals(method) && r.match(requestPath) != null).findFirst();
    }

    /** The methods served at a path (empty when the path is not served at all). */
    static List<String> methodsAt(String requestPath) {
        return Arrays.stream(values()).filter(r -> r.match(requestPath) != null).map(r -> r.method).distinct().toList();
    }

    /** "GET /healthz, GET /readyz, ...": what a 404 answer lists. */
    static String catalogue() {
        return Arrays.stream(values()).map(r -> r.method + " " + r.path).collect(Collectors.joining(", "));
    }
}
