package io.chatgateway.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The published contracts in {@code docs/} (JSON Schema 2020-12 for frames, OpenAPI 3.1 for the ops
 * API), read from the repository itself so a test validates real traffic against the very files
 * users read.
 */
final class Contracts {
    static final Path DOCS = Path.of("..", "docs");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final ConcurrentHashMap<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    static {
        // The OpenAPI document's own keys (openapi, paths, ...) are not schema keywords; the validator need not warn about each.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("com.networknt.schema"))
                .setLevel(ch.qos.logback.classic.Level.ERROR);
    }

    private Contracts() {
    }

    private static final ConcurrentHashMap<String, JsonNode> DOCUMENTS = new ConcurrentHashMap<>();

    /** A document of docs/, read once (callers must not change it: deepCopy first). */
    static JsonNode read(String relative) {
        return DOCUMENTS.computeIfAbsent(relative, r -> {
            try {
                return JSON.readTree(Files.readString(DOCS.resolve(r)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Problems of one frame against {@code docs/schema/<file>} (empty when it conforms). */
    static List<String> frameProblems(String file, JsonNode frame) {
        Schema s = SCHEMAS.computeIfAbsent("schema/" + file, f -> REGISTRY.getSchema(read(f)));
        return messages(s.validate(frame));
    }

    /**
     * Problems of an ops answer against what {@code docs/openapi.json} documents for that route and
     * status (a status the document does not list is a problem too).
     */
    static List<String> apiProblems(String method, String pathTemplate, int status, JsonNode body) {
        JsonNode doc = read("openapi.json");
        String pointer = "/paths/" + escape(pathTemplate) + "/" + method.toLowerCase(java.util.Locale.ROOT) + "/responses/" + status;
        JsonNode response = doc.at(pointer);
        if (response.isMissingNode()) {
            return List.of(method + " " + pathTemplate + " answered " + status + ", which docs/openapi.json does not list");
        }
        if (response.has("$ref")) {
            pointer = response.get("$ref").asText().substring(1);
        }
        String schemaPointer = pointer + "/content/application~1json/schema";
        if (doc.at(schemaPointer).isMissingNode()) {
            return List.of(method + " " + pathTemplate + " " + status + " has no JSON schema in docs/openapi.json");
        }
        Schema s = SCHEMAS.computeIfAbsent("openapi:" + schemaPointer, c -> {
            // The OpenAPI document itself is the schema resource, so its internal $refs resolve as written.
            ObjectNode root = (ObjectNode) read("openapi.json").deepCopy();
            root.put("$ref", "#" + schemaPointer.replace("{", "%7B").replace("}", "%7D")); // a URI fragment
            return REGISTRY.getSchema(root);
        });
        return messages(s.validate(body));
    }

    private static String escape(String pathTemplate) {
        return pathTemplate.replace("~", "~0").replace("/", "~1");
    }

    private static List<String> messages(List<Error> errors) {
        return errors.stream().map(Error::toString).toList();
    }
}
