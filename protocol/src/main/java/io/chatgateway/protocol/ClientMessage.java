package io.chatgateway.protocol;

import java.util.List;

/**
 * A frame a widget or agent desktop sends, after validation. One record per wire {@code type};
 * the codec has already checked every field against PROTOCOL.md, so handlers can trust them.
 */
public sealed interface ClientMessage {

    /** The client's optional frame id, echoed as {@code ref} in replies; may be {@code null}. */
    String id();

    /** The wire {@code type}. */
    String type();

    /** Where a reconnecting client left off in one chat. */
    record ResumePoint(String chatId, long lastSeq) {
    }

    /**
     * {@code hello}: authenticates the connection; customers send one resume point, agents a list.
     * Agents may add {@code autoAccept: true} (addition to v1) to take offers without answering them.
     */
    record Hello(String id, String token, String lang, List<ResumePoint> resume, Boolean autoAccept) implements ClientMessage {
        public Hello(String id, String token, String lang, List<ResumePoint> resume) {
            this(id, token, lang, resume, null);
        }

        public Hello {
            resume = resume == null ? List.of() : List.copyOf(resume);
        }

        @Override
        public String type() {
            return "hello";
        }
    }

    /** {@code message}: chat text. Customers leave {@code chatId} out (their connection is one chat). */
    record SendText(String id, String chatId, String text, boolean confirm) implements ClientMessage {
        @Override
        public String type() {
            return "message";
        }
    }

    /** {@code typing}: the sender is typing. */
    record Typing(String id, String chatId) implements ClientMessage {
        @Override
        public String type() {
            return "typing";
        }
    }

    /** {@code ack}: the highest seq the client holds in a chat. */
    record Ack(String id, String chatId, long seq) implements ClientMessage {
        @Override
        public String type() {
            return "ack";
        }
    }

    /** {@code leave_message}: the overflow intake (customers). */
    record LeaveMessage(String id, String text, String orderNo, String topic) implements ClientMessage {
        @Override
        public String type() {
            return "leave_message";
        }
    }

    /** {@code csat}: satisfaction score 1..5 and an optional comment (customers). */
    record Csat(String id, int score, String comment) implements ClientMessage {
        @Override
        public String type() {
            return "csat";
        }
    }

    /** {@code close}: ends the chat ({@code chatId} required from agents). */
    record Close(String id, String chatId) implements ClientMessage {
        @Override
        public String type() {
            return "close";
        }
    }

    /** {@code status}: an agent goes online, away or offline; {@code autoAccept} (addition) may change with it. */
    record SetStatus(String id, AgentStatus status, Boolean autoAccept, String reason) implements ClientMessage {
        public SetStatus(String id, AgentStatus status) {
            this(id, status, null, null);
        }

        public SetStatus(String id, AgentStatus status, Boolean autoAccept) {
            this(id, status, autoAccept, null);
        }

        @Override
        public String type() {
            return "status";
        }
    }

    /** {@code accept}: an agent takes an offered chat. */
    record Accept(String id, String chatId) implements ClientMessage {
        @Override
        public String type() {
            return "accept";
        }
    }

    /** {@code reject}: an agent declines an offered chat. */
    record Reject(String id, String chatId) implements ClientMessage {
        @Override
        public String type() {
            return "reject";
        }
    }

    /** {@code transfer}: hands a chat to an agent id or {@code group:<name>}, with an optional note. */
    record Transfer(String id, String chatId, String to, String note) implements ClientMessage {
        @Override
        public String type() {
            return "transfer";
        }
    }

    /** {@code list_chats} (addition to v1, supervisors only): asks for every open chat, answered by {@code chats}. */
    record ListChats(String id) implements ClientMessage {
        @Override
        public String type() {
            return "list_chats";
        }
    }
}
