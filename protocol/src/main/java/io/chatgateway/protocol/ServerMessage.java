package io.chatgateway.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * A frame the gateway sends. One record per wire {@code type}; {@code null} fields are left out
 * of the JSON. Chat events ({@link ChatEvent}) carry the chat's gap-free {@code seq}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type"})
public sealed interface ServerMessage {

    /** The wire {@code type}. */
    @JsonProperty("type")
    String type();

    /** A server message that belongs to a chat's ordered log: it has a {@code seq}. */
    sealed interface ChatEvent extends ServerMessage {
        String chatId();

        long seq();

        /** The event as the shopper sees it: agent-only details (transfer notes) removed. */
        default ChatEvent forCustomer() {
            return this;
        }

        /** The same event numbered {@code seq} (a store numbers an event it encoded before knowing its seq). */
        ChatEvent withSeq(long seq);
    }

    /**
     * What an agent sees of a customer: never more than the token said. Additions to v1 (omitted when
     * unknown): {@code group}, the group the chat is served in; {@code lang}, the chat's language; and
     * {@code firstContact}, when the shopper first got in touch about this chat (epoch ms; kept when the
     * chat is handed on).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CustomerInfo(String id, String name, String tier, List<String> tags, String group, String lang, Long firstContact) {
        public CustomerInfo {
            tags = tags == null ? List.of() : List.copyOf(tags);
        }

        public CustomerInfo(String id, String name, String tier, List<String> tags) {
            this(id, name, tier, tags, null, null, null);
        }
    }

    /**
     * One open chat in a supervisor's {@code chats} list (addition to v1): {@code state} is
     * {@code waiting}, {@code offered} or {@code assigned}; {@code agentId} is set unless it waits; the
     * customer card names the group.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ChatSummary(String chatId, String state, CustomerInfo customer, String agentId) {
    }

    /**
     * {@code chats} (addition to v1): every open chat, for supervisors, answering their
     * {@code list_chats}; {@code truncated} when there were more than the list holds.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ChatList(String ref, List<ChatSummary> chats, boolean truncated) implements ServerMessage {
        public ChatList {
            chats = List.copyOf(chats);
        }

        @Override
        public String type() {
            return "chats";
        }
    }

    /** What a customer sees of an agent. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AgentInfo(String id, String name) {
    }

    /** An open chat in an agent's {@code welcome}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OpenChat(String chatId, CustomerInfo customer, long lastSeq) {
    }

    /** One group in an agent's {@code queue} frame. */
    record GroupQueue(String group, int waiting, long oldestWaitSeconds, boolean overflow) {
    }

    /**
     * {@code welcome} to a customer: their chat and its last seq. Addition to v1: {@code token},
     * a gateway-signed token an anonymous shopper presents to resume after a reconnect.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CustomerWelcome(String chatId, long lastSeq, String token) implements ServerMessage {
        @Override
        public String type() {
            return "welcome";
        }
    }

    /** {@code welcome} to an agent: their id and open chats. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AgentWelcome(String agentId, List<OpenChat> chats) implements ServerMessage {
        public AgentWelcome {
            chats = List.copyOf(chats);
        }

        @Override
        public String type() {
            return "welcome";
        }
    }

    /**
     * {@code queued}: the customer's place (1 = next) and an estimated wait; {@code reason}
     * (addition, absent normally): {@code "closed"} outside business hours (the wait counts to the
     * opening), {@code "no_agents"} when no agent who may take the chat is online (a guess).
     */
    record Queued(String chatId, int position, long etaSeconds, String reason) implements ServerMessage {
        public Queued(String chatId, int position, long etaSeconds) {
            this(chatId, position, etaSeconds, null);
        }

        @Override
        public String type() {
            return "queued";
        }
    }

    /** {@code offer}: a chat offered to an agent, to accept or reject. */
    record Offer(String chatId, CustomerInfo customer, String group, long expiresInSeconds) implements ServerMessage {
        @Override
        public String type() {
            return "offer";
        }
    }

    /** {@code assigned}: the chat now has an agent. Both sides get agent and customer. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Assigned(String chatId, long seq, AgentInfo agent, CustomerInfo customer) implements ChatEvent {
        @Override
        public Assigned withSeq(long n) {
            return new Assigned(chatId, n, agent, customer);
        }

        @Override
        public String type() {
            return "assigned";
        }
    }

    /** {@code message}: chat text from {@code customer}, {@code agent} or {@code system}. */
    record ChatText(String chatId, long seq, String from, String text, long ts) implements ChatEvent {
        @Override
        public ChatText withSeq(long n) {
            return new ChatText(chatId, n, from, text, ts);
        }

        @Override
        public String type() {
            return "message";
        }
    }

    /** {@code script}: a system text of a kind (greeting, queued, agent_left, ...). */
    record Script(String chatId, long seq, String kind, String text) implements ChatEvent {
        @Override
        public Script withSeq(long n) {
            return new Script(chatId, n, kind, text);
        }

        @Override
        public String type() {
            return "script";
        }
    }

    /**
     * {@code transferred}: the chat moved to another agent or {@code group:<name>}. Additions:
     * {@code from} (the agent who handed it over) and {@code note}, which only agents see.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Transferred(String chatId, long seq, String to, String from, String note) implements ChatEvent {
        public Transferred(String chatId, long seq, String to) {
            this(chatId, seq, to, null, null);
        }

        @Override
        public Transferred withSeq(long n) {
            return new Transferred(chatId, n, to, from, note);
        }

        @Override
        public String type() {
            return "transferred";
        }

        @Override
        public ChatEvent forCustomer() {
            return note == null && from == null ? this : new Transferred(chatId, seq, to, null, null);
        }
    }

    /** {@code closed}: the chat ended, with why. */
    record Closed(String chatId, long seq, String reason) implements ChatEvent {
        @Override
        public Closed withSeq(long n) {
            return new Closed(chatId, n, reason);
        }

        @Override
        public String type() {
            return "closed";
        }
    }

    /** {@code warning}: an agent message was held, not sent. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Warning(String ref, String code, String message, String suggestion) implements ServerMessage {
        @Override
        public String type() {
            return "warning";
        }
    }

    /** {@code queue}: per-group waiting figures for agents. */
    record QueueStatus(List<GroupQueue> groups) implements ServerMessage {
        public QueueStatus {
            groups = List.copyOf(groups);
        }

        @Override
        public String type() {
            return "queue";
        }
    }

    /**
     * {@code status} to an agent (addition to v1): the gateway changed the agent's status, e.g. to
     * {@code away} after offers expired, and says why.
     */
    record StatusChanged(String status, String reason) implements ServerMessage {
        @Override
        public String type() {
            return "status";
        }
    }

    /** {@code offer_withdrawn} to an agent (addition to v1): an offer is no longer open, and why. */
    record OfferWithdrawn(String chatId, String reason) implements ServerMessage {
        @Override
        public String type() {
            return "offer_withdrawn";
        }
    }

    /**
     * {@code nudge} to an agent (addition to v1): a shopper has waited {@code waitingSeconds} for
     * their reply in this chat; the chat goes to another agent if it stays unanswered.
     */
    record Nudge(String chatId, long waitingSeconds) implements ServerMessage {
        @Override
        public String type() {
            return "nudge";
        }
    }

    /** One surge FAQ entry. */
    record FaqEntry(String question, String answer) {
    }

    /**
     * {@code faq} (addition to v1): short answers to the most frequent surge questions, pushed to a
     * group's agents and offered to its waiting shoppers when overflow mode starts.
     */
    record Faq(String group, List<FaqEntry> entries) implements ServerMessage {
        public Faq {
            entries = List.copyOf(entries);
        }

        @Override
        public String type() {
            return "faq";
        }
    }

    /** {@code typing} (addition to v1): the other side of the chat is typing; not logged, no seq. */
    record TypingNotice(String chatId, String from) implements ServerMessage {
        @Override
        public String type() {
            return "typing";
        }
    }

    /** {@code error}: what was wrong and what was expected. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(String ref, String code, String message) implements ServerMessage {
        @Override
        public String type() {
            return "error";
        }
    }
}
