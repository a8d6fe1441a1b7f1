package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The pages people work in, in a real browser: Debian's chromium driven by playwright-core
 * ({@code src/test/browser/*.test.mjs}) against a real gateway. The widget runs on a shop page
 * served from another origin with a strict Content-Security-Policy of its own, the gateway allowing
 * only that shop's origin; the agent console on the gateway's own page. Needs {@code node} and
 * {@code chromium} on the PATH ({@code .ci/run} installs both); installs playwright-core from its
 * lock file the first time.
 */
class PagesBrowserIntegrationTest {
    private static final String SECRET = "widget-browser-secret-0123456789-0123456789";
    private static final Path BROWSER_TESTS = Path.of("src", "test", "browser");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theWidgetEmbeddedInAShopOfAnotherOriginChatsResumesAndRatesInARealBrowser() throws Exception {
        npmInstalled();
        AtomicReference<GatewayServer> gateway = new AtomicReference<>();
        HttpServer shop = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String shopOrigin = "http://127.0.0.1:" + shop.getAddress().getPort();
        shop.createContext("/", exchange -> shopPage(exchange, gateway.get()));
        shop.createContext("/chat/token", exchange -> {
            // The shop's backend signs its signed-in shopper's token (tier and tags come only from here).
            String token = gateway.get().tokens().mint("lee", Map.of("role", "customer", "tier", "vip", "name", "Lee"), Duration.ofHours(1));
            reply(exchange, "application/json", "{\"token\":\"" + token + "\"}", Map.of());
        });
        shop.start();
        try (GatewayServer g = GatewayServer.start(GatewayOptions.from(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET, "CHAT_GATEWAY_ADMIN_TOKEN", "ops",
                "CHAT_GATEWAY_ALLOWED_ORIGINS", shopOrigin)))) {
            gateway.set(g);
            String gatewayUrl = "http://127.0.0.1:" + g.port();
            everyChatIsSampled(g);

            String output = runNode("widget.test.mjs", Map.of("SHOP_URL", shopOrigin + "/", "GATEWAY_URL", gatewayUrl, "AGENT_TOKEN",
                    g.tokens().mint("ann", Map.of("role", "agent", "level", "senior", "name", "Ann"), Duration.ofHours(1)),
                    "ADMIN_URL", "http://127.0.0.1:" + g.adminPort(), "ADMIN_TOKEN", "ops",
                    "CONSOLE_AGENT_TOKEN", g.tokens().mint("bo", Map.of("role", "agent", "level", "senior", "name", "Bo"), Duration.ofHours(1))));
            assertThat(output).contains("ok phone: launcher opens a full-screen panel", "ok drop and resume: nothing lost, nothing twice",
                    "ok widget and console together: canned reply, transfer with a note, close, rating",
                    "ok reload: history on return, once", "ok surge: FAQ and leave-a-message form, message left", "ok closed: CSAT stars and comment sent", "ok no page or console errors");

            // The rating the shopper gave in the browser reached the gateway.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(admin(g, "/admin/qa"))
                    .contains("\"score\":4").contains("quick and kind").contains("\"score\":5"));

            // The gateway's own pages allow no inline script and no framing; the embeddable files may be loaded cross-origin.
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(gatewayUrl + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'", "frame-ancestors 'none'");
            assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(page.body()).doesNotContain("<script>").doesNotContain("<style>");
            HttpResponse<String> widget = HTTP.send(HttpRequest.newBuilder(URI.create(gatewayUrl + "/widget.js")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(widget.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
            assertThat(widget.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/javascript");
        } finally {
            shop.stop(0);
        }
    }

    @Test
    void theAgentConsoleTakesAnOfferGuardsLanguageLetsASupervisorTakeOverTransfersClosesAndNoticesASecondSignIn() throws Exception {
        npmInstalled();
        try (GatewayServer g = GatewayServer.start(GatewayOptions.from(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET, "CHAT_GATEWAY_ADMIN_TOKEN", "ops")))) {
            String output = runNode("console.test.mjs", Map.of("GATEWAY_URL", "http://127.0.0.1:" + g.port(),
                    "AGENT_TOKEN", g.tokens().mint("ann", Map.of("role", "agent", "level", "senior", "name", "Ann"), Duration.ofHours(1)),
                    "SHOPPER_TOKEN", g.tokens().mint("lee", Map.of("role", "customer", "tier", "vip", "name", "Lee",
                            "tags", List.of("urgent_order")), Duration.ofHours(1)),
                    "SUPERVISOR_TOKEN", g.tokens().mint("sue", Map.of("role", "supervisor", "level", "senior", "name", "Sue"), Duration.ofHours(1))));
            assertThat(output).contains("ok offer with a live countdown and the tier", "ok banned phrase: warning, suggestion, send anyway; sensitive request: blocked",
                    "ok transfer to a group with a note", "ok signed in elsewhere",
                    "ok supervisor: every open chat, take one over", "ok supervisor hands the chat back", "ok no page or console errors");
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/console")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("script-src 'self'");
        }
    }

    @Test
    void theOpsDashboardShowsLiveFiguresEditsRoutingWithItsVersionSwitchesSurgeEditsScriptsAndListsAuditAndQa() throws Exception {
        npmInstalled();
        try (GatewayServer g = GatewayServer.start(GatewayOptions.from(Map.of("CHAT_GATEWAY_PORT", "0", "CHAT_GATEWAY_ADMIN_PORT", "0",
                "CHAT_GATEWAY_HOST", "127.0.0.1", "CHAT_GATEWAY_JWT_SECRET", SECRET, "CHAT_GATEWAY_ADMIN_TOKEN", "ops-secret-token")))) {
            String output = runNode("ops.test.mjs", Map.of("ADMIN_URL", "http://127.0.0.1:" + g.adminPort(),
                    "GATEWAY_URL", "http://127.0.0.1:" + g.port(), "ADMIN_TOKEN", "ops-secret-token",
                    "AGENT_TOKEN", g.tokens().mint("pat", Map.of("role", "agent", "level", "senior", "name", "Pat",
                            "groups", List.of("pre-sales")), Duration.ofHours(1)),
                    "SHOPPER_TOKEN", g.tokens().mint("lee", Map.of("role", "customer", "tier", "regular"), Duration.ofHours(1)),
                    "SHOPPER2_TOKEN", g.tokens().mint("kim", Map.of("role", "customer", "tier", "vip", "groups", List.of("pre-sales")),
                            Duration.ofHours(1)),
                    "SHOPPER3_TOKEN", g.tokens().mint("noa", Map.of("role", "customer", "tier", "new"), Duration.ofHours(1)),
                    "AGENT2_TOKEN", g.tokens().mint("gus", Map.of("role", "agent", "level", "senior", "name", "Gus",
                            "groups", List.of("general")), Duration.ofHours(1))));
            assertThat(output).contains("ok live queues per group and tier, agents board, SLA panel, chart",
                    "ok routing: inline field error, dry run side by side, apply with the version",
                    "ok the applied weight changes the queue order", "ok a stale version: \"changed by someone else\", reload",
                    "ok audit log and QA review (masked transcript, CSAT)", "ok a token in the address fragment, read once", "ok no page or console errors");
        }
    }

    /** Runs one browser test script; returns its output once it passed (else the test fails with the output). */
    private static String runNode(String script, Map<String, String> env) throws Exception {
        Path log = Files.createTempFile("browser-test", ".log");
        ProcessBuilder pb = new ProcessBuilder("node", script).directory(BROWSER_TESTS.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        // On a failure the script saves what each open page showed here; -DdocsScreenshots=<dir> saves the README's.
        pb.environment().put("FAILURE_SCREENSHOTS", Path.of("target", "browser-failures").toAbsolutePath().toString());
        String docs = System.getProperty("docsScreenshots");
        if (docs != null && !docs.isBlank()) {
            pb.environment().put("DOCS_SCREENSHOTS", Path.of(docs).toAbsolutePath().toString());
        }
        Process node = pb.start();
        boolean finished;
        try {
            finished = node.waitFor(3, TimeUnit.MINUTES);
        } finally {
            node.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        Files.delete(log);
        assertThat(finished).as("%s finished within 3 minutes:%n%s", script, output).isTrue();
        assertThat(node.exitValue()).as("%s output:%n%s", script, output).isZero();
        return output;
    }

    /** The shop's page: the one-line embed, under a strict CSP of the shop's own that names the gateway. */
    private static void shopPage(HttpExchange exchange, GatewayServer g) throws IOException {
        String query = exchange.getRequestURI().getQuery();
        String lang = query != null && query.contains("lang=zh-CN") ? "zh-CN" : "en";
        String gw = "http://127.0.0.1:" + g.port();
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>A shop</title></head><body><h1>A shop</h1>"
                + "<script src=\"" + gw + "/widget.js\" data-token-url=\"/chat/token\" data-lang=\"" + lang + "\" async></script></body></html>";
        reply(exchange, "text/html; charset=utf-8", html, Map.of("Content-Security-Policy", "default-src 'self'; script-src 'self' " + gw
                + "; connect-src 'self' " + gw + " ws://127.0.0.1:" + g.port() + "; style-src 'self'; img-src 'self'"));
    }

    private static void reply(HttpExchange exchange, String type, String body, Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static void everyChatIsSampled(GatewayServer g) throws Exception {
        ObjectMapper json = new ObjectMapper();
        var current = json.readTree(admin(g, "/admin/config"));
        var change = json.createObjectNode().put("version", current.get("version").asLong());
        change.set("config", ((com.fasterxml.jackson.databind.node.ObjectNode) current.get("config")).put("qaSampleRate", 1.0));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + "/admin/config"))
                .header("Authorization", "Bearer ops").PUT(HttpRequest.BodyPublishers.ofString(change.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static String admin(GatewayServer g, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort() + path)).header("Authorization", "Bearer ops").build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** playwright-core from the lock file (no browser download: the test drives Debian's chromium). */
    private static void npmInstalled() throws Exception {
        for (String tool : List.of("node", "chromium")) {
            Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
            assertThat(p.waitFor()).as("%s is needed on the PATH for the browser tests (.ci/run installs chromium; Node.js 20+)", tool).isZero();
        }
        if (Files.isDirectory(BROWSER_TESTS.resolve("node_modules").resolve("playwright-core"))) {
            return;
        }
        Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(BROWSER_TESTS.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(npm.waitFor()).as("npm ci in %s:%n%s", BROWSER_TESTS, out).isZero();
    }
}
