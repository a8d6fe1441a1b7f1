package io.chatgateway.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The route table and the published OpenAPI document describe the same routes, the same open ones. */
class AdminRouteTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    private static JsonNode openApi() throws Exception {
        return new ObjectMapper().readTree(Files.readString(Path.of("..", "docs", "openapi.json")));
    }

    @Test
    void everyServedRouteIsDocumentedAndEveryDocumentedRouteIsServed() throws Exception {
        Set<String> documented = new TreeSet<>();
        Set<String> documentedOpen = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : openApi().get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (METHODS.contains(op.getKey())) {
                    String route = op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                    documented.add(route);
                    JsonNode security = op.getValue().get("security");
                    if (security != null && security.isEmpty()) {
                        documentedOpen.add(route);
                    }
                }
            }
        }
        Set<String> served = Arrays.stream(AdminRoute.values()).map(r -> r.method + " " + r.path).collect(Collectors.toSet());
        Set<String> servedOpen = Arrays.stream(AdminRoute.values()).filter(r -> r.open).map(r -> r.method + " " + r.path).collect(Collectors.toSet());
        assertThat(served).containsExactlyInAnyOrderElementsOf(documented);
        assertThat(servedOpen).containsExactlyInAnyOrderElementsOf(documentedOpen);
    }

    @Test
    void pathTemplatesMatchOneNonEmptySegmentEach() {
        assertThat(AdminRoute.find("PUT", "/admin/scripts/greeting/en")).contains(AdminRoute.PUT_SCRIPT);
        assertThat(AdminRoute.PUT_SCRIPT.match("/admin/scripts/greeting/zh-CN")).containsExactly("greeting", "zh-CN");
        assertThat(AdminRoute.find("PUT", "/admin/scripts/greeting")).isEmpty();
        assertThat(AdminRoute.find("PUT", "/admin/scripts/greeting/en/x")).isEmpty();
        assertThat(AdminRoute.find("PUT", "/admin/scripts//en")).isEmpty();
        assertThat(AdminRoute.methodsAt("/admin/config")).containsExactly("GET", "PUT");
        assertThat(AdminRoute.methodsAt("/admin/nothing")).isEmpty();
        assertThat(AdminRoute.catalogue()).startsWith("GET /healthz, GET /readyz, GET /metrics").contains("PUT /admin/scripts/{kind}/{lang}");
    }
}
