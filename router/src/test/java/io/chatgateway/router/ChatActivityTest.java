package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The activity listener hears a chat's life in counts and durations, in virtual time, with no id or text. */
class ChatActivityTest {
    private final List<String> heard = new CopyOnWriteArrayList<>();

    private final ChatActivity recorder = new ChatActivity() {
        @Override
        public void started(String group, String tier, List<String> tags) {
            heard.add("started " + group + " " + tier + " " + tags);
        }

        @Override
        public void assigned(String group, String tier, long waitedMillis) {
            heard.add("assigned " + group + " " + tier + " after " + waitedMillis);
        }

        @Override
        public void message(boolean fromCustomer) {
            heard.add("message from " + (fromCustomer ? "customer" : "agent"));
        }

        @Override
        public void handled(String group, long handledMillis) {
            heard.add("handled " + group + " for " + handledMillis);
        }

        @Override
        public void greeted(long millis) {
            heard.add("greeted after " + millis);
        }

        @Override
        public void firstReply(long millis) {
            heard.add("first reply after " + millis);
        }
    };

    @Test
    void aChatsLifeIsHeardAsCountsAndDurations() {
        try (RouterFixture f = new RouterFixture(RoutingConfig.defaults(), RouterOptions.builder().activity(recorder).build())) {
            RecordingPeer lee = f.customer("lee", Tier.VIP, "urgent_order");
            f.advance(Duration.ofSeconds(7));
            RecordingPeer ann = f.agent("ann", AgentLevel.SENIOR);
            String chatId = RouterFixture.chatId(lee);
            f.router.customerFrame(lee, new ClientMessage.SendText("m1", null, "where is my parcel?", false));
            f.advance(Duration.ofSeconds(3));
            f.router.agentFrame(ann, new ClientMessage.SendText("a1", chatId, "It ships today.", false));
            f.time.advanceTime();
            f.advance(Duration.ofMinutes(5));
            f.router.agentFrame(ann, new ClientMessage.Close("c1", chatId));
            f.time.advanceTime();

            assertThat(heard).containsExactly(
                    "started general vip [urgent_order]",
                    "greeted after 0",
                    "assigned general vip after 7000",
                    "message from customer",
                    "message from agent",
                    "first reply after 10000",
                    "handled general for 303000");
            assertThat(String.join(" ", heard)).doesNotContain("lee", "ann", chatId, "parcel", "ships");
        }
    }
}
