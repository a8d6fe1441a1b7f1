package io.chatgateway.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatgateway.protocol.MessageCodec;
import io.chatgateway.protocol.ProtocolException;
import io.chatgateway.protocol.ProtocolLimits;
import io.chatgateway.protocol.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The published client-frame schemas ({@code docs/schema/customer-to-server.json},
 * {@code agent-to-server.json}) and the gateway's decoder agree: over a corpus of valid frames and
 * of every kind of mistake, a frame passes the schema exactly when the gateway accepts it. A rule
 * changed on one side only fails here.
 */
class ClientFrameSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MessageCodec CODEC = MessageCodec.json(ProtocolLimits.defaults());
    private static final String LONG_65 = "x".repeat(65);

    private static final List<String> CUSTOMER = List.of(
            "{\"type\":\"hello\"}",
            "{\"type\":\"hello\",\"token\":\"abc\",\"lang\":\"zh-CN\"}",
            "{\"type\":\"hello\",\"lang\":\"fr\"}",
            "{\"type\":\"hello\",\"lang\":\"en\",\"resume\":{\"chatId\":\"c1\",\"lastSeq\":0}}",
            "{\"type\":\"hello\",\"resume\":{\"chatId\":\"c1\"}}",
            "{\"type\":\"hello\",\"resume\":{\"chatId\":\"c1\",\"lastSeq\":-1}}",
            "{\"type\":\"hello\",\"resume\":[{\"chatId\":\"c1\",\"lastSeq\":3}]}",
            "{\"type\":\"hello\",\"resume\":null,\"token\":null}",
            "{\"type\":\"hello\",\"token\":5}",
            "{\"type\":\"message\",\"id\":\"m1\",\"text\":\"hi\"}",
            "{\"type\":\"message\",\"text\":\"hi\",\"chatId\":\"c1\"}",
            "{\"type\":\"message\",\"text\":\"\"}",
            "{\"type\":\"message\",\"text\":\"   \"}",
            "{\"type\":\"message\",\"text\":\"" + "好".repeat(4000) + "\"}",
            "{\"type\":\"message\",\"text\":\"" + "a".repeat(4001) + "\"}",
            "{\"type\":\"message\"}",
            "{\"type\":\"message\",\"text\":7}",
            "{\"type\":\"message\",\"id\":\"" + LONG_65 + "\",\"text\":\"hi\"}",
            "{\"type\":\"message\",\"id\":42,\"text\":\"hi\"}",
            "{\"type\":\"message\",\"text\":\"hi\",\"extra\":{\"ignored\":true}}",
            "{\"type\":\"typing\"}",
            "{\"type\":\"ack\",\"seq\":3}",
            "{\"type\":\"ack\",\"seq\":0}",
            "{\"type\":\"ack\",\"seq\":\"3\"}",
            "{\"type\":\"ack\"}",
            "{\"type\":\"leave_message\",\"text\":\"order late\",\"orderNo\":\"A-1\",\"topic\":\"delivery\"}",
            "{\"type\":\"leave_message\",\"text\":\"order late\",\"orderNo\":\"" + LONG_65 + "\"}",
            "{\"type\":\"leave_message\",\"orderNo\":\"A-1\"}",
            "{\"type\":\"csat\",\"score\":5,\"comment\":\"great\"}",
            "{\"type\":\"csat\",\"score\":1}",
            "{\"type\":\"csat\",\"score\":0}",
            "{\"type\":\"csat\",\"score\":6}",
            "{\"type\":\"csat\",\"score\":\"5\"}",
            "{\"type\":\"csat\",\"score\":4,\"comment\":\"" + "c".repeat(1001) + "\"}",
            "{\"type\":\"close\"}",
            "{\"type\":\"accept\",\"chatId\":\"c1\"}",
            "{\"type\":\"status\",\"status\":\"online\"}",
            "{\"type\":\"nonsense\"}",
            "{\"type\":7}",
            "{\"text\":\"no type\"}");

    private static final List<String> AGENT = List.of(
            "{\"type\":\"hello\",\"token\":\"t\"}",
            "{\"type\":\"hello\",\"token\":\"t\",\"autoAccept\":true,\"resume\":[{\"chatId\":\"c1\",\"lastSeq\":2},{\"chatId\":\"c2\",\"lastSeq\":0}]}",
            "{\"type\":\"hello\",\"token\":\"t\",\"resume\":{\"chatId\":\"c1\",\"lastSeq\":2}}",
            "{\"type\":\"hello\",\"token\":\"t\",\"resume\":[{\"chatId\":\"\",\"lastSeq\":2}]}",
            "{\"type\":\"hello\",\"token\":\"t\",\"resume\":[7]}",
            "{\"type\":\"hello\",\"token\":\"t\",\"autoAccept\":\"yes\"}",
            "{\"type\":\"status\",\"status\":\"away\"}",
            "{\"type\":\"status\",\"status\":\"offline\",\"autoAccept\":false}",
            "{\"type\":\"status\",\"status\":\"busy\"}",
            "{\"type\":\"status\",\"status\":\"transfers_only\"}",
            "{\"type\":\"status\",\"status\":\"suspended\",\"reason\":\"lunch\"}",
            "{\"type\":\"status\",\"status\":\"suspended\"}",
            "{\"type\":\"status\",\"status\":\"suspended\",\"reason\":\"  \"}",
            "{\"type\":\"status\",\"status\":\"away\",\"reason\":7}",
            "{\"type\":\"status\"}",
            "{\"type\":\"accept\",\"chatId\":\"c1\"}",
            "{\"type\":\"accept\"}",
            "{\"type\":\"accept\",\"chatId\":\"\"}",
            "{\"type\":\"reject\",\"chatId\":\"c1\"}",
            "{\"type\":\"reject\",\"chatId\":\"" + "c".repeat(129) + "\"}",
            "{\"type\":\"message\",\"chatId\":\"c1\",\"text\":\"hello\",\"confirm\":true}",
            "{\"type\":\"message\",\"text\":\"hello\"}",
            "{\"type\":\"message\",\"chatId\":\"c1\",\"text\":\"hello\",\"confirm\":\"yes\"}",
            "{\"type\":\"typing\",\"chatId\":\"c1\"}",
            "{\"type\":\"typing\"}",
            "{\"type\":\"transfer\",\"chatId\":\"c1\",\"to\":\"group:after-sales\",\"note\":\"refund\"}",
            "{\"type\":\"transfer\",\"chatId\":\"c1\"}",
            "{\"type\":\"transfer\",\"chatId\":\"c1\",\"to\":\"a2\",\"note\":\"" + "n".repeat(1001) + "\"}",
            "{\"type\":\"list_chats\",\"id\":\"l1\"}",
            "{\"type\":\"list_chats\"}",
            "{\"type\":\"list_chats\",\"id\":\"" + "i".repeat(65) + "\"}",
            "{\"type\":\"ack\",\"chatId\":\"c1\",\"seq\":9}",
            "{\"type\":\"ack\",\"seq\":9}",
            "{\"type\":\"ack\",\"chatId\":\"c1\",\"seq\":1.5}",
            "{\"type\":\"close\",\"chatId\":\"c1\"}",
            "{\"type\":\"close\"}",
            "{\"type\":\"csat\",\"score\":5}",
            "{\"type\":\"leave_message\",\"text\":\"x\"}");

    @Test
    void theCustomerSchemaAcceptsExactlyWhatTheGatewayAccepts() throws Exception {
        assertAgreement(Role.CUSTOMER, "customer-to-server.json", CUSTOMER);
    }

    @Test
    void theAgentSchemaAcceptsExactlyWhatTheGatewayAccepts() throws Exception {
        assertAgreement(Role.AGENT, "agent-to-server.json", AGENT);
    }

    private static void assertAgreement(Role role, String schema, List<String> corpus) throws Exception {
        List<String> disagreements = new ArrayList<>();
        int accepted = 0;
        for (String frame : corpus) {
            JsonNode node = JSON.readTree(frame);
            List<String> problems = Contracts.frameProblems(schema, node);
            String refusal = null;
            try {
                CODEC.decode(role, frame);
                accepted++;
            } catch (ProtocolException e) {
                refusal = e.getMessage();
            }
            if (problems.isEmpty() != (refusal == null)) {
                disagreements.add(cut(frame) + ": schema " + (problems.isEmpty() ? "accepts" : "refuses " + problems)
                        + ", gateway " + (refusal == null ? "accepts" : "refuses (" + refusal + ")"));
            }
        }
        assertThat(disagreements).as(schema).isEmpty();
        // The corpus holds both kinds, so neither side can pass by accepting or refusing everything.
        assertThat(accepted).isBetween(5, corpus.size() - 5);
    }

    private static String cut(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }
}
