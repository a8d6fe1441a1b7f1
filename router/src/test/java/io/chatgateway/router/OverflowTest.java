package io.chatgateway.router;

import static io.chatgateway.router.RouterFixture.assignedChats;
import static io.chatgateway.router.RouterFixture.chatId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Big-sale overflow mode, the leave-a-message intake and the script library, in virtual time. */
class OverflowTest {
    /** Enter at 5 waiting, leave below 2 (without online agents only the depth counts). */
    private static final RoutingConfig SMALL = RouterFixture.config(j -> {
        j.with("overflow").put("enterDepth", 5).put("exitDepth", 2).put("enterWaitSeconds", 2000).put("exitWaitSeconds", 1999);
        j.with("capacity").put("senior", 5).put("regular", 1).put("trainee", 1);
    });
    private RouterFixture fx = new RouterFixture(SMALL);

    @AfterEach
    void stop() {
        fx.close();
    }

    private boolean overflow() {
        return fx.router.snapshot().block(Duration.ofSeconds(1)).groups().get(0).overflow();
    }

    private List<RecordingPeer> shoppers(int n, String prefix, Tier tier, String... tags) {
        List<RecordingPeer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(fx.customer(prefix + i, tier, tags));
        }
        return out;
    }

    @Test
    void overflowSwitchesOnAtTheThresholdAndOffOnlyBelowTheExitThreshold() {
        RecordingPeer agentDesk = fx.agent("watcher", AgentLevel.TRAINEE, false, Set.of("general"), Set.of(), false);
        fx.router.agentFrame(agentDesk, new ClientMessage.SetStatus(null, io.chatgateway.protocol.AgentStatus.AWAY));
        List<RecordingPeer> s = shoppers(4, "s", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(2));
        assertThat(overflow()).isFalse();
        s.add(fx.customer("s4", Tier.REGULAR));
        fx.advance(Duration.ofSeconds(1));
        assertThat(overflow()).isTrue();
        // each shopper's projected wait picks the script: 5 × 300 s is long (overflow, with leave-a-message), 300 s is not
        assertThat(s.get(4).last(ServerMessage.Script.class).kind()).isEqualTo("overflow");
        assertThat(s.get(4).last(ServerMessage.Script.class).text()).contains("leave us a message");
        assertThat(s.get(0).last(ServerMessage.Script.class).kind()).isEqualTo("queued");
        assertThat(s.get(0).last(ServerMessage.Faq.class).entries()).isNotEmpty();
        assertThat(agentDesk.last(ServerMessage.Faq.class).group()).isEqualTo("general");
        // down to 2 waiting: still on (hysteresis), below 2: off
        for (int i = 0; i < 3; i++) {
            fx.router.customerFrame(s.get(i), new ClientMessage.Close(null, null));
        }
        fx.advance(Duration.ofSeconds(2));
        assertThat(overflow()).as("2 waiting is not below the exit threshold").isTrue();
        fx.router.customerFrame(s.get(3), new ClientMessage.Close(null, null));
        fx.advance(Duration.ofSeconds(2));
        assertThat(overflow()).isFalse();
    }

    @Test
    void opsCanForceOverflowOnAndOffAndBackToAutomatic() {
        fx.customer("one", Tier.REGULAR);
        assertThat(fx.router.forceOverflow("general", true).block(Duration.ofSeconds(1))).isTrue();
        assertThat(fx.router.snapshot().block(Duration.ofSeconds(1)).groups().get(0).overflowMode()).isEqualTo("on");
        fx.advance(Duration.ofSeconds(5));
        assertThat(overflow()).isTrue();
        assertThat(fx.router.forceOverflow("general", null).block(Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void duringOverflowPositionUpdatesComeAtMostEveryThirtySeconds() {
        RecordingPeer agent = fx.agent("a", AgentLevel.TRAINEE); // one slot
        List<RecordingPeer> s = shoppers(8, "s", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(1));
        assertThat(overflow()).isTrue();
        RecordingPeer last = s.get(7);
        int before = last.all(ServerMessage.Queued.class).size();
        // the agent finishes a chat every 2 s: the queue moves constantly
        for (int i = 0; i < 30; i++) {
            ServerMessage.Assigned current = agent.last(ServerMessage.Assigned.class);
            fx.router.agentFrame(agent, new ClientMessage.Close(null, current.chatId()));
            fx.advance(Duration.ofSeconds(2));
            if (agent.all(ServerMessage.Assigned.class).size() >= 8) {
                break;
            }
        }
        int updates = last.all(ServerMessage.Queued.class).size() - before;
        assertThat(updates).as("about 12 s of movement: at most one update per 30 s").isBetween(0, 1);
    }

    @Test
    void aLeftMessageIsAcknowledgedKeptAndServedInUrgencyOrder() {
        fx.router.forceOverflow("general", true).block(Duration.ofSeconds(1));
        RecordingPeer plain = fx.customer("plain", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(30));
        RecordingPeer urgent = fx.customer("urgent", Tier.REGULAR, "urgent_order");
        fx.router.customerFrame(plain, new ClientMessage.LeaveMessage("l1", "Where is my refund?", "A-100", "refund"));
        fx.router.customerFrame(urgent, new ClientMessage.LeaveMessage("l2", "Parcel not shipped, sale ends!", "A-200", "shipping"));
        fx.time.advanceTime();
        ServerMessage.Script ack = plain.last(ServerMessage.Script.class);
        assertThat(ack.kind()).isEqualTo("leave_message_ack");
        assertThat(ack.text()).contains(chatId(plain));
        fx.router.customerGone(plain);
        fx.router.customerGone(urgent);
        fx.advance(Duration.ofMinutes(30)); // long past the abandon time: left messages are not abandoned
        RecordingPeer agent = fx.agent("a", AgentLevel.TRAINEE);
        List<ServerMessage.Assigned> got = agent.all(ServerMessage.Assigned.class);
        assertThat(got.get(0).chatId()).as("urgent orders first").isEqualTo(chatId(urgent));
        assertThat(agent.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text)
                .anySatisfy(t -> assertThat(t).contains("Parcel not shipped").contains("A-200"));
        fx.router.agentFrame(agent, new ClientMessage.Close(null, chatId(urgent)));
        fx.time.advanceTime();
        assertThat(RouterFixture.assignedChats(agent)).as("the plain one next, nothing lost").contains(chatId(plain));
    }

    @Test
    void leaveMessageOutsideOverflowIsRefusedWithAReasonWhileAnAgentCanTakeTheChat() {
        RecordingPeer agent = fx.agent("a", AgentLevel.REGULAR, false, Set.of(), Set.of(), false); // online: the chat is offered
        RecordingPeer s = fx.customer("s", Tier.REGULAR);
        fx.router.agentFrame(agent, new ClientMessage.Reject(null, RouterFixture.chatId(s))); // waiting again, agent online
        fx.router.customerFrame(s, new ClientMessage.LeaveMessage("x", "hello", null, null));
        fx.time.advanceTime();
        assertThat(s.last(ServerMessage.Error.class).code()).isEqualTo("unavailable");
    }

    @Test
    void duringOverflowPartOfSeniorCapacityIsKeptForVips() {
        fx.router.forceOverflow("general", true).block(Duration.ofSeconds(1));
        shoppers(6, "r", Tier.REGULAR);
        RecordingPeer senior = fx.agent("sen", AgentLevel.SENIOR); // capacity 5, 20 % = 1 slot for VIPs
        assertThat(assignedChats(senior)).hasSize(4);
        RecordingPeer vip = fx.customer("vip", Tier.VIP);
        assertThat(assignedChats(senior)).hasSize(5).contains(chatId(vip));
    }

    @Test
    void scriptsAreEditableLiveWithValidation() {
        assertThatThrownBy(() -> fx.router.updateScript("greeting", "en", "Hello {customer}!").block(Duration.ofSeconds(1)))
                .hasMessageContaining("unknown placeholder {customer}").hasMessageContaining("name");
        assertThatThrownBy(() -> fx.router.updateScript("farewell", "en", "Bye").block(Duration.ofSeconds(1)))
                .hasMessageContaining("unknown script kind");
        assertThatThrownBy(() -> fx.router.updateScript("greeting", "fr", "Bonjour").block(Duration.ofSeconds(1)))
                .hasMessageContaining("en or zh-CN");
        fx.router.updateScript("greeting", "zh-CN", "欢迎光临{shop}{name}！").block(Duration.ofSeconds(1));
        RecordingPeer p = new RecordingPeer();
        fx.router.customerHello(p, new CustomerIdentity("z", "小李", Tier.NEW, List.of(), null, "zh-CN", false, null), null);
        fx.time.advanceTime();
        assertThat(p.all(ServerMessage.Script.class).get(0).text()).isEqualTo("欢迎光临our shop，小李！");
        RecordingPeer en = fx.customer("e", Tier.NEW);
        assertThat(en.all(ServerMessage.Script.class).get(0).text()).startsWith("Hi");
        assertThat(fx.router.scripts().block(Duration.ofSeconds(1)).get("greeting").get("zh-CN")).isEqualTo("欢迎光临{shop}{name}！");
    }
}
