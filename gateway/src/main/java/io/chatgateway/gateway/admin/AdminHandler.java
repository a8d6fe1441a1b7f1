package io.chatgateway.gateway.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.gateway.http.HttpResponses;
import io.chatgateway.gateway.http.StaticAssets;
import io.chatgateway.gateway.trace.Trace;
import io.chatgateway.gateway.trace.TraceRecorder;
import io.chatgateway.gateway.trace.TraceSimulation;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.Router;
import io.chatgateway.router.config.ConfigException;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The ops API on the admin port. {@code /healthz} and {@code /readyz} are open (load balancers
 * probe them); everything else needs {@code Authorization: Bearer <admin token>} (401 without or
 * with a wrong one). Every router call runs on the router's own thread and answers through a
 * Mono, so this handler never blocks its event loop. Bad input gets a 400 naming each problem
 * and what was expected.
 *
 * <p>The routes are {@link AdminRoute}; their bodies and answers are described in
 * {@code docs/openapi.json}, served at {@code GET /admin/openapi.json}.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SIMULATION_TIMEOUT = Duration.ofMinutes(2);
    static final int MAX_SIMULATED_CHATS = 100_000;
    private final java.util.concurrent.atomic.AtomicBoolean simulating = new java.util.concurrent.atomic.AtomicBoolean();

    private final Router router;
    private final byte[] adminToken;
    private final BooleanSupplier ready;
    private final PrometheusMeterRegistry prometheus;

    private final TraceRecorder traceRecorder;

    public AdminHandler(Router router, String adminToken, BooleanSupplier ready, PrometheusMeterRegistry prometheus, TraceRecorder trace) {
        this.traceRecorder = trace;
        this.router = router;
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
        this.ready = ready;
        this.prometheus = prometheus;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String path = uri.path();
        String method = req.method() == HttpMethod.HEAD ? "GET" : req.method().name(); // HEAD: GET's headers, no body
        AdminRoute route = AdminRoute.find(method, path).orElse(null);
        if (route == null && !path.startsWith("/admin/") && AdminRoute.methodsAt(path).isEmpty()) {
            notServed(ctx, req, path);
            return;
        }
        if ((route == null || !route.open) && !authorized(req)) {
            HttpResponses.error(ctx, req, HttpResponseStatus.UNAUTHORIZED,
                    "missing or wrong bearer token (expected: Authorization: Bearer <CHAT_GATEWAY_ADMIN_TOKEN>)");
            return;
        }
        if (route == null) {
            notServed(ctx, req, path);
            return;
        }
        switch (route) {
            case HEALTHZ -> HttpResponses.json(ctx, req, HttpResponseStatus.OK, "{\"status\":\"ok\"}");
            case READYZ -> {
                boolean ok = ready.getAsBoolean();
                HttpResponses.json(ctx, req, ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ok ? "{\"ready\":true}" : "{\"ready\":false}");
            }
            case METRICS -> HttpResponses.send(ctx, req, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(prometheus.scrape(), StandardCharsets.UTF_8), "text/plain; version=0.0.4; charset=utf-8");
            case OPENAPI -> StaticAssets.serve(ctx, req, "/contract/openapi.json", "application/json");
            case OPS_PAGE, OPS_SCRIPT, OPS_STYLE -> StaticAssets.serveAdmin(ctx, req, path);
            case QUEUES -> reply(ctx, req, router.snapshot().map(s -> Map.of("configVersion", s.configVersion(), "groups", s.groups())));
            case AGENTS -> reply(ctx, req, router.snapshot().map(s -> Map.of("agents", s.agents())));
            case CONFIG -> reply(ctx, req, router.config().map(AdminHandler::configBody));
            case AUDIT -> {
                int limit = limit(ctx, req, uri);
                if (limit > 0) {
                    reply(ctx, req, router.audit(limit).map(a -> Map.of("entries", a)));
                }
            }
            case QA -> {
                int limit = limit(ctx, req, uri);
                if (limit > 0) {
                    reply(ctx, req, router.qa(limit).map(q -> Map.of("reviews", q)));
                }
            }
            case PUT_CONFIG -> putConfig(ctx, req);
            case OVERFLOW -> overflow(ctx, req);
            case SCRIPTS -> reply(ctx, req, router.scripts().map(all -> Map.of("scripts", all)));
            case DRY_RUN -> dryRun(ctx, req);
            case TRACE -> {
                int seconds = intParam(uri, "seconds", 3600);
                if (seconds < 1 || seconds > 86_400) {
                    HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "seconds " + seconds + " (expected: 1..86400)");
                    return;
                }
                HttpResponses.send(ctx, req, HttpResponseStatus.OK, Unpooled.copiedBuffer(String.join("\n", traceRecorder.lines(seconds)) + "\n",
                        StandardCharsets.UTF_8), "application/x-ndjson; charset=utf-8");
            }
            case PUT_SCRIPT -> {
                String[] kindAndLang = route.match(path);
                putScript(ctx, req, kindAndLang[0], kindAndLang[1]);
            }
            case AGENT_WEIGHT -> agentWeight(ctx, req, route.match(path)[0]);
        }
    }

    /** 405 with {@code Allow} where the path is served with other methods, else 404; both list what is served. */
    private static void notServed(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        List<String> methods = AdminRoute.methodsAt(path);
        String route = req.method().name() + " " + path;
        if (methods.isEmpty()) {
            HttpResponses.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no such path: " + route
                    + " (expected one of: " + AdminRoute.catalogue() + ")");
            return;
        }
        HttpResponses.error(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, route + " is not served (expected: "
                + String.join(" or ", methods) + " " + path + ")", String.join(", ", methods));
    }

    /** {@code ?limit=N}, 1..1000 (default 50); -1 after answering 400. */
    private static int limit(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri) {
        int limit = intParam(uri, "limit", 50);
        if (limit < 1 || limit > 1000) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "limit " + limit + " (expected: 1..1000)");
            return -1;
        }
        return limit;
    }

    private static Map<String, Object> configBody(VersionedConfig v) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", v.version());
        body.put("config", v.config().toJson());
        return body;
    }

    private void putConfig(ChannelHandlerContext ctx, FullHttpRequest req) {
        JsonNode body = json(ctx, req);
        if (body == null) {
            return;
        }
        JsonNode version = body.get("version");
        if (version == null || !version.canConvertToLong() || !version.isIntegralNumber() || version.asLong() < 1) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST,
                    "field 'version' is missing or invalid (expected: the version this change replaces, from GET /admin/config)");
            return;
        }
        RoutingConfig next = routingConfig(ctx, req, body.get("config"));
        if (next == null) {
            return;
        }
        String actor = req.headers().get("X-Actor", "admin");
        if (!actor.matches("[\\p{L}\\p{N} ._@-]{1,64}")) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "header X-Actor (expected: 1..64 letters, digits, space . _ @ -)");
            return;
        }
        req.retain();
        router.updateConfig(version.asLong(), next, actor).timeout(TIMEOUT).subscribe(u -> {
            try {
                if (!u.applied()) {
                    Map<String, Object> conflict = new LinkedHashMap<>();
                    conflict.put("error", "Conflict");
                    conflict.put("message", "version " + version.asLong() + " is not current; the current version is "
                            + u.current().version() + " (expected: GET /admin/config, apply your change to it, PUT with its version)");
                    conflict.put("currentVersion", u.current().version());
                    HttpResponses.json(ctx, req, HttpResponseStatus.CONFLICT, conflict);
                } else {
                    Map<String, Object> ok = configBody(u.current());
                    ok.put("changes", u.audit().changes());
                    HttpResponses.json(ctx, req, HttpResponseStatus.OK, ok);
                }
            } finally {
                req.release();
            }
        }, e -> unavailable(ctx, req));
    }

    private void dryRun(ChannelHandlerContext ctx, FullHttpRequest req) {
        JsonNode body = json(ctx, req);
        if (body == null) {
            return;
        }
        RoutingConfig proposed = routingConfig(ctx, req, body.has("config") ? body.get("config") : body);
        if (proposed == null) {
            return;
        }
        if (!body.has("trace")) {
            reply(ctx, req, router.dryRun(proposed));
            return;
        }
        JsonNode agentsNode = body.path("agents");
        int agents = agentsNode.isMissingNode() ? 50 : agentsNode.isIntegralNumber() && agentsNode.canConvertToInt() ? agentsNode.intValue() : -1;
        if (agents < 1 || agents > 10_000) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "field 'agents' (expected: how many agents serve the simulated surge, 1..10000)");
            return;
        }
        Trace trace;
        try {
            trace = trace(body);
        } catch (IllegalArgumentException e) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            return;
        }
        if (!simulating.compareAndSet(false, true)) {
            HttpResponses.error(ctx, req, HttpResponseStatus.TOO_MANY_REQUESTS, "a trace simulation is already running (one at a time); retry when it ends");
            return;
        }
        req.retain();
        router.config().timeout(TIMEOUT)
                .flatMap(current -> Mono.fromCallable(() -> TraceSimulation.compare(trace, current.config(), proposed, agents))
                        .subscribeOn(Schedulers.boundedElastic())) // minutes of routing in virtual time: CPU, never on the event loop
                .timeout(SIMULATION_TIMEOUT)
                .doFinally(signal -> simulating.set(false))
                .subscribe(result -> {
                    try {
                        HttpResponses.json(ctx, req, HttpResponseStatus.OK, result);
                    } finally {
                        req.release();
                    }
                }, e -> unavailable(ctx, req));
    }

    /** The dry-run's trace: {@code "recorded"} (this node's own, the last {@code traceSeconds}) or JSON Lines text. */
    private Trace trace(JsonNode body) {
        JsonNode t = body.get("trace");
        if (!t.isTextual()) {
            throw new IllegalArgumentException("field 'trace' (expected: \"recorded\" for this node's own trace, or a trace as JSON Lines text)");
        }
        Trace parsed;
        if ("recorded".equals(t.textValue())) {
            int seconds = body.path("traceSeconds").asInt(3600);
            if (seconds < 1 || seconds > 86_400) {
                throw new IllegalArgumentException("field 'traceSeconds' (expected: 1..86400, how much of this node's trace)");
            }
            parsed = Trace.parse("this node's trace", traceRecorder.lines(seconds));
        } else {
            parsed = Trace.parse("field 'trace'", List.of(t.textValue().split("\n")));
        }
        if (parsed.arrivals() == 0) {
            throw new IllegalArgumentException("the trace has no arrivals (expected: at least one new chat to simulate)");
        }
        if (parsed.arrivals() > MAX_SIMULATED_CHATS) {
            throw new IllegalArgumentException("the trace has " + parsed.arrivals() + " arrivals (expected: at most " + MAX_SIMULATED_CHATS
                    + "; replay bigger ones with chat-loadtest replay)");
        }
        return parsed;
    }

    /** {@code POST /admin/overflow {"group": "general", "mode": "on" | "off" | "auto"}}. */
    private void overflow(ChannelHandlerContext ctx, FullHttpRequest req) {
        JsonNode body = json(ctx, req);
        if (body == null) {
            return;
        }
        String group = body.path("group").asText("");
        String mode = body.path("mode").asText("");
        if (!group.matches("[A-Za-z0-9_-]{1,64}")) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "field 'group' (expected: a group name of 1..64 letters, digits, - or _)");
            return;
        }
        Boolean on = switch (mode) {
            case "on" -> Boolean.TRUE;
            case "off" -> Boolean.FALSE;
            case "auto" -> null;
            default -> {
                HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "field 'mode' is '" + mode + "' (expected: on, off or auto)");
                yield Boolean.FALSE;
            }
        };
        if (!List.of("on", "off", "auto").contains(mode)) {
            return;
        }
        reply(ctx, req, router.forceOverflow(group, on).map(now -> Map.of("group", group, "mode", mode, "overflow", now)));
    }

    /** {@code PUT /admin/agents/{agentId}/weight {"weight": 150}}: an agent's share of new chats, at once. */
    private void agentWeight(ChannelHandlerContext ctx, FullHttpRequest req, String agentId) {
        JsonNode body = json(ctx, req);
        if (body == null) {
            return;
        }
        JsonNode w = body.path("weight");
        if (!w.isIntegralNumber() || w.asInt() < AgentIdentity.MIN_WEIGHT || w.asInt() > AgentIdentity.MAX_WEIGHT) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "field 'weight' (expected: an integer " + AgentIdentity.MIN_WEIGHT
                    + ".." + AgentIdentity.MAX_WEIGHT + ", the agent's share of new chats; 100 is the default)");
            return;
        }
        int weight = w.asInt();
        req.retain();
        router.setWeight(agentId, weight).timeout(TIMEOUT).subscribe(known -> {
            try {
                if (known) {
                    HttpResponses.json(ctx, req, HttpResponseStatus.OK, Map.of("agentId", agentId, "weight", weight));
                } else {
                    HttpResponses.error(ctx, req, HttpResponseStatus.NOT_FOUND, "no agent " + agentId
                            + " (expected: the id of an agent who has signed in, as listed by GET /admin/agents)");
                }
            } finally {
                req.release();
            }
        }, e -> {
            try {
                HttpResponses.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the router did not answer; please retry");
            } finally {
                req.release();
            }
        });
    }

    /** {@code PUT /admin/scripts/{kind}/{lang} {"text": "..."}}: one script text, validated. */
    private void putScript(ChannelHandlerContext ctx, FullHttpRequest req, String kind, String lang) {
        JsonNode body = json(ctx, req);
        if (body == null) {
            return;
        }
        if (!body.path("text").isTextual()) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "field 'text' (expected: the script text, 1..1000 chars)");
            return;
        }
        req.retain();
        router.updateScript(kind, lang, body.get("text").asText()).timeout(TIMEOUT).subscribe(all -> {
            try {
                HttpResponses.json(ctx, req, HttpResponseStatus.OK, Map.of("scripts", all));
            } finally {
                req.release();
            }
        }, e -> {
            try {
                if (e instanceof IllegalArgumentException) {
                    HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, e.getMessage());
                } else {
                    HttpResponses.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the router did not answer in time; retry shortly");
                }
            } finally {
                req.release();
            }
        });
    }

    private static RoutingConfig routingConfig(ChannelHandlerContext ctx, FullHttpRequest req, JsonNode node) {
        if (node == null || !node.isObject()) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST,
                    "field 'config' is missing (expected: the whole routing document, as GET /admin/config returns it)");
            return null;
        }
        try {
            return RoutingConfig.fromJson(node);
        } catch (ConfigException e) {
            Map<String, Object> bad = new LinkedHashMap<>();
            bad.put("error", "Bad Request");
            bad.put("message", "the routing configuration is invalid: " + e.problems().size() + " problem(s)");
            bad.put("problems", e.problems());
            HttpResponses.json(ctx, req, HttpResponseStatus.BAD_REQUEST, bad);
            return null;
        }
    }

    private static JsonNode json(ChannelHandlerContext ctx, FullHttpRequest req) {
        try {
            JsonNode n = HttpResponses.mapper().readTree(req.content().toString(StandardCharsets.UTF_8));
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException();
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Jackson's own words name the problem and where (a key given twice, a missing quote), never the body itself
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "the body is not valid JSON: " + e.getOriginalMessage()
                    + where + " (expected: one JSON object, each key once)");
            return null;
        } catch (RuntimeException e) {
            HttpResponses.error(ctx, req, HttpResponseStatus.BAD_REQUEST, "the body is not a JSON object (expected: Content-Type application/json)");
            return null;
        }
    }

    private <T> void reply(ChannelHandlerContext ctx, FullHttpRequest req, Mono<T> result) {
        req.retain();
        result.timeout(TIMEOUT).subscribe(body -> {
            try {
                HttpResponses.json(ctx, req, HttpResponseStatus.OK, body);
            } finally {
                req.release();
            }
        }, e -> unavailable(ctx, req));
    }

    private static void unavailable(ChannelHandlerContext ctx, FullHttpRequest req) {
        try {
            HttpResponses.error(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "the router did not answer in time; retry shortly");
        } finally {
            req.release();
        }
    }

    private static int intParam(QueryStringDecoder uri, String name, int def) {
        List<String> v = uri.parameters().get(name);
        if (v == null || v.isEmpty()) {
            return def;
        }
        try {
            return Integer.parseInt(v.get(0));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private boolean authorized(FullHttpRequest req) {
        String h = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // Constant-time comparison: the token must not leak through response timing.
        return MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), adminToken);
    }
}
