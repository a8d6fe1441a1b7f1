package io.chatgateway.router.store;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.Tier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Chat and agent records as the Redis store keeps them: one hash each, fields as strings. */
final class RedisRecords {
    private RedisRecords() {
    }

    static String[] chatFields(ChatRecord c) {
        List<String> f = new ArrayList<>(List.of("chatId", c.chatId(), "customerId", c.customerId(), "tier", c.tier().name(),
                "tags", String.join(",", c.tags()), "group", c.group(), "lang", c.lang(), "queuedAt", Long.toString(c.queuedAt()),
                "rank", Double.toString(c.rank()), "state", c.state().name()));
        if (c.customerName() != null) {
            f.addAll(List.of("customerName", c.customerName()));
        }
        return f.toArray(String[]::new);
    }

    static ChatRecord chatOf(Map<String, String> h) {
        if (h == null || h.isEmpty()) {
            return null;
        }
        String tags = h.getOrDefault("tags", "");
        return new ChatRecord(h.get("chatId"), h.get("customerId"), h.get("customerName"), Tier.valueOf(h.get("tier")),
                tags.isEmpty() ? List.of() : Arrays.asList(tags.split(",")), h.get("group"), h.get("lang"),
                Long.parseLong(h.get("queuedAt")), Double.parseDouble(h.get("rank")), ChatState.valueOf(h.get("state")),
                h.get("agentId"), h.get("closeReason"), Long.parseLong(h.getOrDefault("eta", "-1")));
    }

    /** The close script's answer: empty (nothing closed), or the state before, then the closed chat's hash as pairs. */
    static java.util.Optional<ChatStore.Closed> closedOf(List<Object> r) {
        if (r == null || r.isEmpty()) {
            return java.util.Optional.empty();
        }
        Map<String, String> h = new java.util.HashMap<>();
        for (int i = 1; i + 1 < r.size(); i += 2) {
            h.put((String) r.get(i), (String) r.get(i + 1));
        }
        return java.util.Optional.of(new ChatStore.Closed(chatOf(h), ChatState.valueOf((String) r.get(0))));
    }

    static String[] agentFields(AgentRecord a) {
        return new String[] {"agentId", a.agentId(), "name", a.name() == null ? "" : a.name(), "level", a.level().name(),
                "groups", String.join(",", a.groups()), "skills", String.join(",", a.skills()),
                "supervisor", a.supervisor() ? "1" : "0", "status", a.status().name(), "connected", a.connected() ? "1" : "0",
                "autoAccept", a.autoAccept() ? "1" : "0", "capacity", Integer.toString(a.capacity()),
                "missedOffers", Integer.toString(a.missedOffers()), "weight", Integer.toString(a.weight()),
                "statusReason", a.statusReason() == null ? "" : a.statusReason()};
    }

    static AgentRecord agentOf(Map<String, String> h) {
        if (h == null || h.isEmpty()) {
            return null;
        }
        return new AgentRecord(h.get("agentId"), h.get("name"), AgentLevel.valueOf(h.get("level")), split(h.get("groups")),
                split(h.get("skills")), "1".equals(h.get("supervisor")), AgentStatus.valueOf(h.get("status")),
                "1".equals(h.get("connected")), "1".equals(h.get("autoAccept")), Integer.parseInt(h.get("capacity")),
                Integer.parseInt(h.getOrDefault("load", "0")), Integer.parseInt(h.getOrDefault("missedOffers", "0")),
                Integer.parseInt(h.getOrDefault("weight", "100")), Long.parseLong(h.getOrDefault("lastTaken", "0")),
                emptyToNull(h.get("statusReason")));
    }

    /**
     * An agent record as the room index keeps it (lua/room-fn.lua, AGENT_ROW there): agentId, level, groups,
     * skills, supervisor, status, connected, autoAccept, capacity, load, missedOffers, weight, lastTaken,
     * statusReason, name, joined by U+001F.
     */
    static AgentRecord agentOfRow(String row) {
        String[] f = row.split("\u001f", 15);
        if (f.length == 12) { // a row written before weights and reasons (a rolling upgrade): defaults
            f = new String[] {f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], "", "", "", f[11]};
        }
        if (f.length != 15) {
            throw new IllegalStateException("agent row with " + f.length + " fields (expected 15)");
        }
        return new AgentRecord(f[0], f[14], AgentLevel.valueOf(f[1]), split(f[2]), split(f[3]), "1".equals(f[4]),
                AgentStatus.valueOf(f[5]), "1".equals(f[6]), "1".equals(f[7]), Integer.parseInt(f[8]),
                f[9].isEmpty() ? 0 : Integer.parseInt(f[9]), f[10].isEmpty() ? 0 : Integer.parseInt(f[10]),
                f[11].isEmpty() ? AgentRecord.DEFAULT_WEIGHT : Integer.parseInt(f[11]), f[12].isEmpty() ? 0 : Long.parseLong(f[12]),
                emptyToNull(f[13]));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static Set<String> split(String s) {
        return s == null || s.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(s.split(",")));
    }

    static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
