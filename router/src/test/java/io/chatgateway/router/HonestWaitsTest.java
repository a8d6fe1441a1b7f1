package io.chatgateway.router;

import static io.chatgateway.router.RouterFixture.assignedChats;
import static io.chatgateway.router.RouterFixture.chatId;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a waiting shopper is told (place, wait, why nobody comes) and what they may do, in virtual time. */
class HonestWaitsTest {
    private RouterFixture fx = new RouterFixture(RoutingConfig.defaults());

    @AfterEach
    void stop() {
        fx.close();
    }

    private void restart(RoutingConfig c) {
        fx.close();
        fx = new RouterFixture(c);
    }

    private static ServerMessage.Queued queued(RecordingPeer shopper) {
        return shopper.last(ServerMessage.Queued.class);
    }

    @Test
    void aShopperMovedBackByAVipIsToldTheirNewPlace() {
        restart(RouterFixture.config(j -> {
            j.with("capacity").put("senior", 1);
            j.with("overflow").put("enterWaitSeconds", 86_400); // no overflow mode (it re-sends every place itself)
        }));
        fx.agent("a", AgentLevel.SENIOR);
        fx.customer("busy", Tier.REGULAR); // a is full from now on
        RecordingPeer regular = fx.customer("reg", Tier.REGULAR);
        assertThat(queued(regular).position()).isEqualTo(1);
        RecordingPeer vip = fx.customer("vip", Tier.VIP);
        assertThat(queued(vip).position()).as("the VIP goes ahead").isEqualTo(1);
        fx.advance(Duration.ofSeconds(1));
        assertThat(queued(regular).position()).as("told within a second that they moved back").isEqualTo(2);
        int frames = regular.all(ServerMessage.Queued.class).size();
        fx.advance(Duration.ofSeconds(10));
        assertThat(regular.all(ServerMessage.Queued.class)).as("an unchanged place is not re-sent").hasSize(frames);
    }

    @Test
    void oneQuickChatDoesNotTurnAFiveMinuteWaitIntoSeconds() {
        restart(RouterFixture.capacity(1));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer quick = fx.customer("quick", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(1));
        fx.router.agentFrame(a, new ClientMessage.Close(null, chatId(quick))); // handled in 1 s
        fx.time.advanceTime();
        fx.customer("next", Tier.REGULAR); // a is full again
        RecordingPeer waiting = fx.customer("waiting", Tier.REGULAR);
        assertThat(queued(waiting).etaSeconds()).as("one sample is not trusted: the configured 5 minutes").isEqualTo(300);
    }

    @Test
    void theMovingAverageIsUsedOnceEnoughChatsWereMeasured() {
        restart(RouterFixture.capacity(1));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        for (int i = 0; i < 5; i++) {
            RecordingPeer c = fx.customer("c" + i, Tier.REGULAR);
            fx.advance(Duration.ofSeconds(60));
            fx.router.agentFrame(a, new ClientMessage.Close(null, chatId(c)));
            fx.time.advanceTime();
        }
        fx.customer("next", Tier.REGULAR);
        RecordingPeer waiting = fx.customer("waiting", Tier.REGULAR);
        assertThat(queued(waiting).etaSeconds()).as("five chats of a minute each").isEqualTo(60);
    }

    @Test
    void aVipIsNotPromisedAnAgentTheirLadderDoesNotAllowYet() {
        restart(RouterFixture.capacity(2));
        RecordingPeer regular = fx.agent("a", AgentLevel.REGULAR); // a free slot, but not for a VIP's first 20 s
        RecordingPeer vip = fx.customer("vip", Tier.VIP);
        assertThat(assignedChats(regular)).isEmpty();
        assertThat(queued(vip).etaSeconds()).as("the seniors-only step first: no senior online, so at its end").isEqualTo(20);
        assertThat(queued(vip).reason()).isNull();
        fx.advance(Duration.ofSeconds(20));
        assertThat(assignedChats(regular)).containsExactly(chatId(vip));
    }

    @Test
    void nobodyOnlineIsSaidPlainlyAndTheShopperMayLeaveAMessage() {
        RecordingPeer s = fx.customer("s", Tier.REGULAR);
        assertThat(queued(s).reason()).isEqualTo("no_agents");
        assertThat(s.all(ServerMessage.Script.class)).extracting(ServerMessage.Script::kind).containsExactly("greeting", "no_agents");
        assertThat(s.last(ServerMessage.Script.class).text()).contains("No agent").doesNotContain("helping other shoppers");
        fx.router.customerFrame(s, new ClientMessage.LeaveMessage("m1", "Where is my parcel?", "A123", null));
        fx.time.advanceTime();
        assertThat(s.all(ServerMessage.Error.class)).isEmpty();
        assertThat(s.last(ServerMessage.Script.class).kind()).isEqualTo("leave_message_ack");
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        assertThat(assignedChats(a)).as("answered when someone is back").containsExactly(chatId(s));
        assertThat(a.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text)
                .anySatisfy(t -> assertThat(t).contains("Where is my parcel?").contains("A123"));
    }

    @Test
    void outsideBusinessHoursTheShopperHearsWhenWeOpenLeavesAMessageAndUrgentOnesAreAnsweredFirst() {
        // The virtual clock starts at 00:00 UTC; the group opens at 09:00.
        restart(RouterFixture.config(j -> j.putObject("groups").putObject("general")
                .put("open", "09:00").put("close", "18:00").put("zone", "UTC")));
        RecordingPeer plain = fx.customer("plain", Tier.REGULAR);
        ServerMessage.Queued q = queued(plain);
        assertThat(q.reason()).isEqualTo("closed");
        assertThat(q.etaSeconds()).as("at least until 09:00").isGreaterThanOrEqualTo(9 * 3600);
        assertThat(plain.last(ServerMessage.Script.class).kind()).isEqualTo("after_hours");
        assertThat(plain.last(ServerMessage.Script.class).text()).contains("closed").contains("9 hours");
        fx.router.customerFrame(plain, new ClientMessage.LeaveMessage(null, "Can I change my address?", null, null));
        fx.time.advanceTime();
        RecordingPeer urgent = fx.customer("urgent", Tier.REGULAR, "urgent_order");
        fx.router.customerFrame(urgent, new ClientMessage.LeaveMessage(null, "My parcel is stuck", "B9", null));
        fx.time.advanceTime();
        assertThat(plain.last(ServerMessage.Script.class).kind()).isEqualTo("leave_message_ack");
        assertThat(urgent.last(ServerMessage.Script.class).kind()).isEqualTo("leave_message_ack");
        fx.advance(Duration.ofHours(9)); // opening: the shoppers are long gone, their messages kept
        fx.router.customerGone(plain);
        fx.router.customerGone(urgent);
        fx.time.advanceTime();
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR, false, Set.of(), Set.of(), false);
        assertThat(RouterFixture.offeredChats(a)).as("in order, urgent first").containsExactly(chatId(urgent), chatId(plain));
    }

    @Test
    void theWaitPromisedIsComparedWithTheWaitHadPerGroupAndTier() {
        restart(RouterFixture.capacity(1));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer busy = fx.customer("busy", Tier.REGULAR);
        RecordingPeer waiting = fx.customer("waiting", Tier.REGULAR);
        assertThat(queued(waiting).etaSeconds()).isEqualTo(300);
        fx.advance(Duration.ofSeconds(100));
        fx.router.agentFrame(a, new ClientMessage.Close(null, chatId(busy)));
        fx.time.advanceTime();
        assertThat(assignedChats(a)).contains(chatId(waiting)); // after 100 s, promised 300 s
        RouterSnapshot.TierFigures regular = fx.router.snapshot().block(Duration.ofSeconds(1)).groups().get(0).tiers().stream()
                .filter(t -> t.tier().equals("regular")).findFirst().orElseThrow();
        assertThat(regular.etaSamples()).as("only the chat that was promised a wait").isEqualTo(1);
        assertThat(regular.etaErrorP50Seconds()).as("served 200 s sooner than told").isEqualTo(-200);
        assertThat(regular.etaErrorP90Seconds()).isEqualTo(-200);
    }

    @Test
    void pastTheTiersQueueLimitTheShopperIsToldItWillTakeLongAndMayLeaveAMessage() {
        restart(RouterFixture.config(j -> {
            j.with("capacity").put("regular", 1);
            j.putObject("queueLimitSeconds").put("regular", 600);
            j.with("overflow").put("enterWaitSeconds", 86_400); // no overflow mode: the limit alone
        }));
        fx.agent("a", AgentLevel.REGULAR);
        fx.customer("busy", Tier.REGULAR); // a is full
        RecordingPeer first = fx.customer("first", Tier.REGULAR); // 300 s
        fx.customer("second", Tier.REGULAR); // 600 s: at the limit, not past it
        RecordingPeer third = fx.customer("third", Tier.REGULAR); // 900 s
        assertThat(queued(first).reason()).isNull();
        assertThat(queued(third).reason()).isEqualTo("busy");
        assertThat(queued(third).etaSeconds()).isEqualTo(900);
        assertThat(third.last(ServerMessage.Script.class).kind()).isEqualTo("busy");
        fx.router.customerFrame(third, new ClientMessage.LeaveMessage(null, "Call me back", null, null));
        fx.router.customerFrame(first, new ClientMessage.LeaveMessage("lm", "Me too", null, null));
        fx.time.advanceTime();
        assertThat(third.last(ServerMessage.Script.class).kind()).isEqualTo("leave_message_ack");
        assertThat(first.last(ServerMessage.Error.class).code()).as("an agent comes soon enough: stay").isEqualTo("unavailable");
        assertThat(fx.store.chat(chatId(third)).orElseThrow().state()).as("keeps its place").isEqualTo(io.chatgateway.router.store.ChatState.WAITING);
    }
}
