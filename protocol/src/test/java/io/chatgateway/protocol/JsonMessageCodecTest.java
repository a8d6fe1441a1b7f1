package io.chatgateway.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonMessageCodecTest {

    private final MessageCodec codec = MessageCodec.json(ProtocolLimits.defaults());

    private ProtocolException failure(Role role, String frame) {
        try {
            codec.decode(role, frame);
        } catch (ProtocolException e) {
            return e;
        }
        throw new AssertionError("expected a ProtocolException for " + frame);
    }

    @Test
    void decodesCustomerHelloWithResume() {
        ClientMessage m = codec.decode(Role.CUSTOMER,
                "{\"type\":\"hello\",\"token\":\"t\",\"lang\":\"en\",\"resume\":{\"chatId\":\"c1\",\"lastSeq\":4}}");
        assertThat(m).isEqualTo(new ClientMessage.Hello(null, "t", "en", List.of(new ClientMessage.ResumePoint("c1", 4))));
    }

    @Test
    void decodesAgentHelloWithResumeList() {
        ClientMessage m = codec.decode(Role.AGENT,
                "{\"type\":\"hello\",\"token\":\"t\",\"resume\":[{\"chatId\":\"a\",\"lastSeq\":0},{\"chatId\":\"b\",\"lastSeq\":9}]}");
        assertThat(((ClientMessage.Hello) m).resume()).extracting(ClientMessage.ResumePoint::chatId).containsExactly("a", "b");
    }

    @Test
    void decodesAgentMessageWithIdAndConfirm() {
        ClientMessage m = codec.decode(Role.AGENT, "{\"type\":\"message\",\"id\":\"m1\",\"chatId\":\"c\",\"text\":\"hi\",\"confirm\":true}");
        assertThat(m).isEqualTo(new ClientMessage.SendText("m1", "c", "hi", true));
    }

    @Test
    void malformedJsonIsBadJson() {
        ProtocolException e = failure(Role.CUSTOMER, "{\"type\":\"message\",");
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
        assertThat(e.getMessage()).contains("expected one JSON object");
    }

    @Test
    void nonObjectIsBadJson() {
        assertThat(failure(Role.CUSTOMER, "[1,2]").code()).isEqualTo(ErrorCode.BAD_JSON);
        assertThat(failure(Role.CUSTOMER, "").code()).isEqualTo(ErrorCode.BAD_JSON);
    }

    @Test
    void trailingGarbageAndDuplicateKeysAreBadJson() {
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"typing\"} {}").code()).isEqualTo(ErrorCode.BAD_JSON);
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"typing\",\"type\":\"close\"}").code()).isEqualTo(ErrorCode.BAD_JSON);
    }

    @Test
    void unknownTypeNamesWhatIsAllowed() {
        ProtocolException e = failure(Role.CUSTOMER, "{\"type\":\"dance\",\"id\":\"x\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
        assertThat(e.ref()).isEqualTo("x");
        assertThat(e.getMessage()).contains("hello").contains("message");
    }

    @Test
    void customerSendingAgentTypeIsForbidden() {
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"accept\",\"chatId\":\"c\"}").code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"transfer\",\"chatId\":\"c\",\"to\":\"a\"}").code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(failure(Role.AGENT, "{\"type\":\"csat\",\"score\":5}").code()).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void missingOrWrongFieldsAreInvalidField() {
        assertThat(failure(Role.CUSTOMER, "{\"text\":\"no type\"}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
        ProtocolException noText = failure(Role.CUSTOMER, "{\"type\":\"message\",\"id\":\"7\"}");
        assertThat(noText.code()).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(noText.ref()).isEqualTo("7");
        assertThat(noText.getMessage()).contains("'text'").contains("expected");
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"message\",\"text\":42}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"message\",\"text\":\"   \"}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(failure(Role.AGENT, "{\"type\":\"message\",\"text\":\"hi\"}").getMessage()).contains("'chatId'");
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"csat\",\"score\":6}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"ack\",\"seq\":-1}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(failure(Role.AGENT, "{\"type\":\"status\",\"status\":\"asleep\"}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(failure(Role.AGENT, "{\"type\":\"status\",\"status\":\"suspended\"}").getMessage())
                .contains("'reason' is required").contains("suspended");
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"hello\",\"lang\":\"fr\"}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"hello\",\"resume\":[]}").code()).isEqualTo(ErrorCode.INVALID_FIELD);
    }

    @Test
    void overlongIdIsInvalid() {
        assertThat(failure(Role.CUSTOMER, "{\"type\":\"typing\",\"id\":\"" + "x".repeat(65) + "\"}").code())
                .isEqualTo(ErrorCode.INVALID_FIELD);
    }

    @Test
    void textOverTheLimitIsTooLargeButExactlyTheLimitPasses() {
        String ok = "好".repeat(4000);
        assertThat(((ClientMessage.SendText) codec.decode(Role.CUSTOMER, "{\"type\":\"message\",\"text\":\"" + ok + "\"}")).text()).hasSize(4000);
        ProtocolException e = failure(Role.CUSTOMER, "{\"type\":\"message\",\"id\":\"big\",\"text\":\"" + "a".repeat(4001) + "\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE);
        assertThat(e.ref()).isEqualTo("big");
        assertThat(e.getMessage()).contains("4000");
    }

    @Test
    void emojiCountAsOneCharEach() {
        String emoji = "😀".repeat(4000); // 8000 UTF-16 units, 4000 code points
        assertThat(codec.decode(Role.CUSTOMER, "{\"type\":\"message\",\"text\":\"" + emoji + "\"}")).isNotNull();
    }

    @Test
    void deepNestingIsRefusedByStreamConstraints() {
        String deep = "{\"type\":\"typing\",\"x\":" + "[".repeat(50) + "]".repeat(50) + "}";
        assertThat(failure(Role.CUSTOMER, deep).code()).isEqualTo(ErrorCode.TOO_LARGE);
    }

    @Test
    void hugeStringIsRefusedByStreamConstraints() {
        String big = "{\"type\":\"typing\",\"x\":\"" + "a".repeat(20_000) + "\"}";
        assertThat(failure(Role.CUSTOMER, big).code()).isEqualTo(ErrorCode.TOO_LARGE);
    }

    @Test
    void errorMessagesDoNotEchoLongClientText() {
        ProtocolException e = failure(Role.CUSTOMER, "{\"type\":\"" + "secret".repeat(20) + "\"}");
        assertThat(e.getMessage()).doesNotContain("secret".repeat(10));
    }

    @Test
    void encodesChatEventWithTypeFirstAndNoNulls() {
        String json = new String(codec.encode(new ServerMessage.ChatText("c1", 3, "agent", "hello", 1000L)), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"type\":\"message\",\"chatId\":\"c1\",\"seq\":3,\"from\":\"agent\",\"text\":\"hello\",\"ts\":1000}");
        String err = new String(codec.encode(new ServerMessage.Error(null, "bad_json", "m")), StandardCharsets.UTF_8);
        assertThat(err).isEqualTo("{\"type\":\"error\",\"code\":\"bad_json\",\"message\":\"m\"}");
    }

    @Test
    void chatEventsSurviveAnEncodeDecodeRoundTrip() {
        List<ServerMessage.ChatEvent> events = List.of(
                new ServerMessage.ChatText("c", 1, "customer", "hi \"there\" 你好", 5L),
                new ServerMessage.Script("c", 2, "greeting", "Hello"),
                new ServerMessage.Assigned("c", 3, new ServerMessage.AgentInfo("a", "Ann"), new ServerMessage.CustomerInfo("u", null, "vip", List.of("urgent_order"))),
                new ServerMessage.Assigned("c", 3, null, new ServerMessage.CustomerInfo("u", "Lee", "new", List.of(), "after-sales", "zh-CN", 1_765_000_000_000L)),
                new ServerMessage.Transferred("c", 4, "group:x", "a", "note"),
                new ServerMessage.Transferred("c", 5, "b"),
                new ServerMessage.Closed("c", 6, "agent"));
        for (ServerMessage.ChatEvent e : events) {
            assertThat(codec.decodeEvent(new String(codec.encode(e), StandardCharsets.UTF_8))).isEqualTo(e);
        }
        assertThatThrownBy(() -> codec.decodeEvent("{\"type\":\"queued\"}")).isInstanceOf(ProtocolException.class);
    }

    @Test
    void encodesAssignedWithNestedInfo() {
        String json = new String(codec.encode(new ServerMessage.Assigned("c", 2, new ServerMessage.AgentInfo("a1", "Ann"),
                new ServerMessage.CustomerInfo("u1", null, "vip", List.of("urgent_order")))), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"type\":\"assigned\",\"chatId\":\"c\",\"seq\":2,\"agent\":{\"id\":\"a1\",\"name\":\"Ann\"},"
                + "\"customer\":{\"id\":\"u1\",\"tier\":\"vip\",\"tags\":[\"urgent_order\"]}}");
    }

    @Test
    void supervisorsListChatsAndTheAnswerCarriesTheCustomerCard() {
        assertThat(codec.decode(Role.AGENT, "{\"type\":\"list_chats\",\"id\":\"l1\"}")).isEqualTo(new ClientMessage.ListChats("l1"));
        assertThatThrownBy(() -> codec.decode(Role.CUSTOMER, "{\"type\":\"list_chats\"}"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FORBIDDEN));
        String json = new String(codec.encode(new ServerMessage.ChatList("l1", List.of(new ServerMessage.ChatSummary("c", "waiting",
                new ServerMessage.CustomerInfo("u", null, "vip", List.of(), "general", "en", 5L), null)), false)), StandardCharsets.UTF_8);
        assertThat(json).isEqualTo("{\"type\":\"chats\",\"ref\":\"l1\",\"chats\":[{\"chatId\":\"c\",\"state\":\"waiting\","
                + "\"customer\":{\"id\":\"u\",\"tier\":\"vip\",\"tags\":[],\"group\":\"general\",\"lang\":\"en\",\"firstContact\":5}}],\"truncated\":false}");
    }
}
