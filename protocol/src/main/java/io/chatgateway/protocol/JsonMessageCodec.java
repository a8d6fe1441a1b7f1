package io.chatgateway.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jackson codec for PROTOCOL.md v1. Decoding reads a tree under {@link StreamReadConstraints}
 * (nesting depth, string length, number length) and then checks each field by hand, so every
 * error message can say which field was wrong and what was expected.
 */
final class JsonMessageCodec implements MessageCodec {

    private static final Set<String> CUSTOMER_TYPES =
            Set.of("hello", "message", "typing", "ack", "leave_message", "csat", "close");
    private static final Set<String> AGENT_TYPES =
            Set.of("hello", "status", "accept", "reject", "message", "typing", "transfer", "ack", "close", "list_chats");

    private final ProtocolLimits limits;
    private final ObjectMapper mapper;

    JsonMessageCodec(ProtocolLimits limits) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(limits.maxNestingDepth())
                        .maxStringLength(limits.maxStringChars())
                        .maxNumberLength(32)
                        .maxNameLength(256)
                        .maxDocumentLength(limits.maxFrameBytes() * 2L)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        this.mapper = JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
    }

    @Override
    public byte[] encode(ServerMessage message) {
        try {
            return mapper.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            // Our own records always serialise; reaching this is a bug, not a client error.
            throw new IllegalStateException("cannot encode " + message.type(), e);
        }
    }

    @Override
    public ServerMessage.ChatEvent decodeEvent(String json) {
        JsonNode n = parse(json);
        String chatId = n.path("chatId").asText();
        long seq = n.path("seq").asLong();
        switch (n.path("type").asText()) {
            case "message":
                return new ServerMessage.ChatText(chatId, seq, n.path("from").asText(), n.path("text").asText(), n.path("ts").asLong());
            case "script":
                return new ServerMessage.Script(chatId, seq, n.path("kind").asText(), n.path("text").asText());
            case "closed":
                return new ServerMessage.Closed(chatId, seq, n.path("reason").asText());
            case "transferred":
                return new ServerMessage.Transferred(chatId, seq, n.path("to").asText(), text(n, "from"), text(n, "note"));
            case "assigned": {
                JsonNode a = n.path("agent");
                JsonNode c = n.path("customer");
                List<String> tags = new ArrayList<>();
                c.path("tags").forEach(t -> tags.add(t.asText()));
                return new ServerMessage.Assigned(chatId, seq,
                        a.isMissingNode() ? null : new ServerMessage.AgentInfo(a.path("id").asText(), text(a, "name")),
                        c.isMissingNode() ? null : new ServerMessage.CustomerInfo(c.path("id").asText(), text(c, "name"), text(c, "tier"), tags,
                                text(c, "group"), text(c, "lang"), c.hasNonNull("firstContact") ? c.get("firstContact").asLong() : null));
            }
            default:
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "not a chat event: type '" + safe(n.path("type").asText()) + "'");
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public ClientMessage decode(Role role, String frame) {
        JsonNode root = parse(frame);
        if (!root.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "expected one JSON object per frame, got " + kind(root));
        }
        String id = readId(root);
        JsonNode typeNode = root.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, id, "field 'type' is required (expected: a string such as \"hello\" or \"message\")");
        }
        String type = typeNode.textValue();
        Set<String> allowed = role == Role.CUSTOMER ? CUSTOMER_TYPES : AGENT_TYPES;
        if (!allowed.contains(type)) {
            Set<String> other = role == Role.CUSTOMER ? AGENT_TYPES : CUSTOMER_TYPES;
            if (other.contains(type)) {
                throw new ProtocolException(ErrorCode.FORBIDDEN, id, "type '" + safe(type) + "' is not allowed on the "
                        + role.name().toLowerCase() + " endpoint (expected one of " + sorted(allowed) + ")");
            }
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, id, "unknown type '" + safe(type) + "' (expected one of " + sorted(allowed) + ")");
        }
        Fields f = new Fields(root, id);
        switch (type) {
            case "hello":
                return new ClientMessage.Hello(id, f.optString("token", limits.maxTokenChars()),
                        f.optLang(), resume(role, root, id), role == Role.AGENT ? f.optBooleanObject("autoAccept") : null);
            case "message":
                return new ClientMessage.SendText(id, chatId(role, f), f.text("text"), f.optBoolean("confirm"));
            case "typing":
                return new ClientMessage.Typing(id, role == Role.AGENT ? f.reqString("chatId", 128) : null);
            case "ack":
                return new ClientMessage.Ack(id, chatId(role, f), f.reqSeq("seq"));
            case "leave_message":
                return new ClientMessage.LeaveMessage(id, f.text("text"), f.optString("orderNo", 64), f.optString("topic", 64));
            case "csat":
                return new ClientMessage.Csat(id, f.reqInt("score", 1, 5), f.optString("comment", limits.maxNoteChars()));
            case "close":
                return new ClientMessage.Close(id, chatId(role, f));
            case "status": {
                String s = f.reqString("status", 16);
                AgentStatus status = AgentStatus.parse(s);
                if (status == null) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, id, "field 'status' is '" + safe(s)
                            + "' (expected: \"online\", \"away\", \"offline\", \"transfers_only\" or \"suspended\")");
                }
                String reason = f.optString("reason", 200);
                if (status == AgentStatus.SUSPENDED && (reason == null || reason.isBlank())) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, id,
                            "field 'reason' is required with status \"suspended\" (expected: why, e.g. \"lunch break\", up to 200 chars)");
                }
                return new ClientMessage.SetStatus(id, status, f.optBooleanObject("autoAccept"), reason);
            }
            case "accept":
                return new ClientMessage.Accept(id, f.reqString("chatId", 128));
            case "reject":
                return new ClientMessage.Reject(id, f.reqString("chatId", 128));
            case "transfer":
                return new ClientMessage.Transfer(id, f.reqString("chatId", 128), f.reqString("to", 128),
                        f.optString("note", limits.maxNoteChars()));
            case "list_chats":
                return new ClientMessage.ListChats(id);
            default:
                throw new IllegalStateException("type table and switch disagree on " + type);
        }
    }

    private JsonNode parse(String frame) {
        try {
            JsonNode node = mapper.readTree(frame);
            if (node == null || node.isMissingNode()) {
                throw new ProtocolException(ErrorCode.BAD_JSON, "empty frame (expected one JSON object)");
            }
            return node;
        } catch (StreamConstraintsException e) {
            throw new ProtocolException(ErrorCode.TOO_LARGE, "frame exceeds a JSON limit (expected: nesting depth <= "
                    + limits.maxNestingDepth() + ", strings <= " + limits.maxStringChars() + " chars)");
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "not valid JSON at line " + e.getLocation().getLineNr()
                    + " column " + e.getLocation().getColumnNr() + " (expected one JSON object per text frame)");
        }
    }

    private String readId(JsonNode root) {
        JsonNode idNode = root.get("id");
        if (idNode == null || idNode.isNull()) {
            return null;
        }
        if (!idNode.isTextual() || idNode.textValue().length() > limits.maxIdChars()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'id' must be a string of at most "
                    + limits.maxIdChars() + " chars");
        }
        return idNode.textValue();
    }

    private static String chatId(Role role, Fields f) {
        // Customers hold one chat per connection; agents name the chat.
        return role == Role.AGENT ? f.reqString("chatId", 128) : f.optString("chatId", 128);
    }

    private List<ClientMessage.ResumePoint> resume(Role role, JsonNode root, String id) {
        JsonNode r = root.get("resume");
        if (r == null || r.isNull()) {
            return List.of();
        }
        List<ClientMessage.ResumePoint> points = new ArrayList<>();
        if (role == Role.CUSTOMER) {
            if (!r.isObject()) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, id, "field 'resume' must be an object {chatId, lastSeq}");
            }
            points.add(resumePoint(r, id, "resume"));
        } else {
            if (!r.isArray()) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, id, "field 'resume' must be an array of {chatId, lastSeq}");
            }
            if (r.size() > limits.maxResumePoints()) {
                throw new ProtocolException(ErrorCode.TOO_LARGE, id, "field 'resume' has " + r.size()
                        + " entries (expected at most " + limits.maxResumePoints() + ")");
            }
            for (int i = 0; i < r.size(); i++) {
                JsonNode p = r.get(i);
                if (!p.isObject()) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, id, "field 'resume[" + i + "]' must be an object {chatId, lastSeq}");
                }
                points.add(resumePoint(p, id, "resume[" + i + "]"));
            }
        }
        return points;
    }

    private ClientMessage.ResumePoint resumePoint(JsonNode node, String id, String where) {
        Fields f = new Fields(node, id, where + ".");
        return new ClientMessage.ResumePoint(f.reqString("chatId", 128), f.reqSeqAllowZero("lastSeq"));
    }

    private static String kind(JsonNode n) {
        return n.isArray() ? "an array" : n.isTextual() ? "a string" : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean" : "null";
    }

    /** Client strings quoted in errors are cut short and stripped of control characters. */
    static String safe(String s) {
        String cut = s.length() > 32 ? s.substring(0, 32) + "…" : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static String sorted(Set<String> s) {
        return new java.util.TreeSet<>(s).toString();
    }

    /** Field readers with errors that name the field and what it must be. */
    private final class Fields {
        private final JsonNode node;
        private final String id;
        private final String prefix;

        Fields(JsonNode node, String id) {
            this(node, id, "");
        }

        Fields(JsonNode node, String id, String prefix) {
            this.node = node;
            this.id = id;
            this.prefix = prefix;
        }

        private ProtocolException invalid(String field, String expected) {
            return new ProtocolException(ErrorCode.INVALID_FIELD, id, "field '" + prefix + field + "' " + expected);
        }

        String reqString(String field, int maxChars) {
            String v = optString(field, maxChars);
            if (v == null || v.isEmpty()) {
                throw invalid(field, "is required (expected: a non-empty string)");
            }
            return v;
        }

        String optString(String field, int maxChars) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw invalid(field, "must be a string");
            }
            String s = v.textValue();
            if (s.length() > maxChars) {
                throw new ProtocolException(ErrorCode.TOO_LARGE, id, "field '" + prefix + field + "' is "
                        + s.length() + " chars (expected at most " + maxChars + ")");
            }
            return s;
        }

        String text(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw invalid(field, "is required (expected: a string of 1.." + limits.maxTextChars() + " chars)");
            }
            if (!v.isTextual()) {
                throw invalid(field, "must be a string of 1.." + limits.maxTextChars() + " chars");
            }
            String s = v.textValue();
            int chars = s.codePointCount(0, s.length());
            if (chars == 0 || s.isBlank()) {
                throw invalid(field, "is empty (expected: 1.." + limits.maxTextChars() + " chars, not only spaces)");
            }
            if (chars > limits.maxTextChars()) {
                throw new ProtocolException(ErrorCode.TOO_LARGE, id, "field '" + prefix + field + "' is " + chars
                        + " chars (expected at most " + limits.maxTextChars() + ")");
            }
            return s;
        }

        boolean optBoolean(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                return false;
            }
            if (!v.isBoolean()) {
                throw invalid(field, "must be true or false");
            }
            return v.booleanValue();
        }

        Boolean optBooleanObject(String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : optBoolean(field);
        }

        long reqSeq(String field) {
            long v = reqSeqAllowZero(field);
            if (v < 1) {
                throw invalid(field, "must be an integer >= 1");
            }
            return v;
        }

        long reqSeqAllowZero(String field) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                throw invalid(field, "is required (expected: an integer >= 0)");
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw invalid(field, "must be an integer >= 0");
            }
            return v.longValue();
        }

        int reqInt(String field, int min, int max) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull() || !v.isIntegralNumber() || !v.canConvertToInt()
                    || v.intValue() < min || v.intValue() > max) {
                throw invalid(field, "must be an integer " + min + ".." + max);
            }
            return v.intValue();
        }

        String optLang() {
            String lang = optString("lang", 16);
            if (lang != null && !Map.of("zh-CN", 1, "en", 1).containsKey(lang)) {
                throw invalid("lang", "is '" + safe(lang) + "' (expected: \"zh-CN\" or \"en\")");
            }
            return lang;
        }
    }
}
