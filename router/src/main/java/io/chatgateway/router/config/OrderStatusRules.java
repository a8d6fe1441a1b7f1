package io.chatgateway.router.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routing by the order a shopper asks about (精准分流): the shop's token says the order's status
 * ({@code orderStatus} claim: unpaid, paid, shipped, refunding), the gateway keeps it on the chat
 * as the tag {@code order_<status>} (agents see it on the customer card), and the routing document
 * maps each status to a group (the chat is served there, whatever group the widget asked for) and
 * a boost added to the queue score, like the urgent-order boost. Statuses without a rule route as
 * usual. Example: {@code "orderStatus": {"refunding": {"group": "after-sales", "boost": 100}}}.
 */
public record OrderStatusRules(Map<String, Rule> rules) {
    /** The statuses a token may name, in an order's life. */
    public static final List<String> STATUSES = List.of("unpaid", "paid", "shipped", "refunding");
    /** The chat's tag for a status: {@code order_refunding}. */
    public static final String TAG_PREFIX = "order_";
    public static final OrderStatusRules NONE = new OrderStatusRules(Map.of());
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Where chats about orders of one status go ({@code group} null: where they would anyway) and their boost. */
    public record Rule(String group, double boost) {
    }

    public OrderStatusRules {
        rules = Map.copyOf(rules);
    }

    /** The rule for the order status among a chat's tags, if any. */
    public Optional<Rule> of(List<String> tags) {
        if (rules.isEmpty()) {
            return Optional.empty();
        }
        for (String t : tags) {
            if (t.startsWith(TAG_PREFIX)) {
                Rule r = rules.get(t.substring(TAG_PREFIX.length()));
                if (r != null) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    /** The boost of a chat's order status (0 without a rule). */
    public double boost(List<String> tags) {
        return of(tags).map(Rule::boost).orElse(0.0);
    }

    ObjectNode toJson() {
        ObjectNode o = MAPPER.createObjectNode();
        rules.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode r = o.putObject(e.getKey());
            if (e.getValue().group() == null) {
                r.putNull("group");
            } else {
                r.put("group", e.getValue().group());
            }
            r.put("boost", e.getValue().boost());
        });
        return o;
    }

    /** Parses the document's {@code orderStatus} object (absent: no rules), adding one problem per bad field. */
    static OrderStatusRules fromJson(JsonNode o, List<String> problems) {
        if (o == null || o.isNull()) {
            return NONE;
        }
        if (!o.isObject()) {
            problems.add("orderStatus (expected: an object of status -> {group, boost}, statuses " + STATUSES + ")");
            return NONE;
        }
        Map<String, Rule> rules = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = "orderStatus." + e.getKey();
            if (!STATUSES.contains(e.getKey())) {
                problems.add(where + " (expected: one of " + STATUSES + ")");
                continue;
            }
            JsonNode g = e.getValue().get("group");
            JsonNode b = e.getValue().get("boost");
            String group = null;
            if (g != null && !g.isNull()) {
                if (!g.isTextual() || !g.asText().matches("[A-Za-z0-9_-]{1,64}")) {
                    problems.add(where + ".group (expected: a group name of 1..64 letters, digits, - or _, or null)");
                    continue;
                }
                group = g.asText();
            }
            double boost = 0;
            if (b != null && !b.isNull()) {
                if (!b.isNumber() || b.asDouble() < -1_000_000 || b.asDouble() > 1_000_000) {
                    problems.add(where + ".boost (expected: a number -1000000..1000000)");
                    continue;
                }
                boost = b.asDouble();
            }
            rules.put(e.getKey(), new Rule(group, boost));
        }
        return new OrderStatusRules(rules);
    }
}
