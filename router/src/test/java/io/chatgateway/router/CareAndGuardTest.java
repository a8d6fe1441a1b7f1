package io.chatgateway.router;

import static io.chatgateway.router.RouterFixture.chatId;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.store.ChatState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Silence care, reply care, the agent language guard and QA sampling, in virtual time. */
class CareAndGuardTest {
    private RouterFixture fx = new RouterFixture(RoutingConfig.defaults());
    private RecordingPeer agent;
    private RecordingPeer shopper;
    private String chat;

    @AfterEach
    void stop() {
        fx.close();
    }

    private void chatting() {
        agent = fx.agent("a", AgentLevel.REGULAR);
        shopper = fx.customer("u", Tier.REGULAR);
        chat = chatId(shopper);
        agentSays("Hello, how can I help?");
    }

    private void agentSays(String text) {
        fx.router.agentFrame(agent, new ClientMessage.SendText(null, chat, text, false));
        fx.time.advanceTime();
    }

    private void shopperSays(String text) {
        fx.router.customerFrame(shopper, new ClientMessage.SendText(null, null, text, false));
        fx.time.advanceTime();
    }

    private long scripts(RecordingPeer p, String kind) {
        return p.all(ServerMessage.Script.class).stream().filter(s -> s.kind().equals(kind)).count();
    }

    // ---------------------------------------------------------------- idle chats free capacity

    @Test
    void aQuietShoppersChatFreesTheAgentsSlotUntilTheyWriteAgain() {
        fx.close();
        fx = new RouterFixture(RouterFixture.capacity(1));
        chatting(); // a's one slot: u, and a spoke last
        RecordingPeer next = fx.customer("next", Tier.REGULAR);
        assertThat(next.all(ServerMessage.Assigned.class)).as("a is full").isEmpty();
        fx.advance(Duration.ofMinutes(5).minusSeconds(2));
        assertThat(next.all(ServerMessage.Assigned.class)).as("not before 5 minutes of quiet").isEmpty();
        fx.advance(Duration.ofSeconds(3));
        assertThat(next.last(ServerMessage.Assigned.class).agent().id()).as("u's quiet chat no longer holds the slot").isEqualTo("a");
        assertThat(fx.store.agent("a").orElseThrow().load()).isEqualTo(1);
        assertThat(fx.store.chat(chat).orElseThrow().agentId()).as("a keeps the quiet chat").isEqualTo("a");
        shopperSays("back, I paid");
        fx.advance(Duration.ofSeconds(1)); // the wake runs on a lane
        assertThat(agent.last(ServerMessage.ChatText.class).text()).isEqualTo("back, I paid");
        assertThat(fx.store.agent("a").orElseThrow().load()).as("counts again, over capacity: a keeps both").isEqualTo(2);
        RecordingPeer third = fx.customer("third", Tier.REGULAR);
        assertThat(third.all(ServerMessage.Assigned.class)).isEmpty();
        fx.router.agentFrame(agent, new ClientMessage.Close(null, chat));
        fx.time.advanceTime();
        assertThat(fx.store.agent("a").orElseThrow().load()).as("released once").isEqualTo(1);
        assertThat(third.all(ServerMessage.Assigned.class)).as("still full with next").isEmpty();
    }

    @Test
    void idleChatsCanBeTurnedOff() {
        fx.close();
        fx = new RouterFixture(RouterFixture.config(j -> {
            j.with("capacity").put("regular", 1);
            j.with("care").put("idleSeconds", 0);
        }));
        chatting();
        RecordingPeer next = fx.customer("next", Tier.REGULAR);
        fx.advance(Duration.ofMinutes(10));
        assertThat(next.all(ServerMessage.Assigned.class)).isEmpty();
    }

    // ---------------------------------------------------------------- silence care

    @Test
    void aSilentShopperIsPromptedAtFifteenMinutesAndNotBefore() {
        chatting();
        fx.advance(Duration.ofMinutes(15).minusSeconds(1));
        assertThat(scripts(shopper, "silence_care")).isZero();
        fx.advance(Duration.ofSeconds(2));
        assertThat(scripts(shopper, "silence_care")).isEqualTo(1);
        assertThat(scripts(agent, "silence_care")).as("the agent sees it too").isEqualTo(1);
        assertThat(shopper.last(ServerMessage.Script.class).text()).contains("still there");
    }

    @Test
    void anyShopperMessageResetsTheClock() {
        chatting();
        fx.advance(Duration.ofMinutes(10));
        shopperSays("sorry, I was away");
        fx.advance(Duration.ofSeconds(10));
        agentSays("no problem!");
        fx.advance(Duration.ofMinutes(14)); // 24:10 since the start, 14 min since the agent spoke
        assertThat(scripts(shopper, "silence_care")).isZero();
        fx.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertThat(scripts(shopper, "silence_care")).isEqualTo(1);
    }

    @Test
    void stillSilentAfterTheSecondPeriodTheChatClosesPolitelyExactlyOnce() {
        chatting();
        fx.advance(Duration.ofMinutes(15).plusSeconds(1));
        assertThat(scripts(shopper, "silence_care")).isEqualTo(1);
        fx.advance(Duration.ofMinutes(14));
        assertThat(shopper.all(ServerMessage.Closed.class)).isEmpty();
        fx.advance(Duration.ofMinutes(1).plusSeconds(1));
        assertThat(shopper.all(ServerMessage.Closed.class)).singleElement()
                .satisfies(c -> assertThat(c.reason()).isEqualTo("silence"));
        assertThat(shopper.all(ServerMessage.Script.class)).extracting(ServerMessage.Script::kind)
                .endsWith("silence_care", "closing", "csat_invite");
        fx.advance(Duration.ofHours(2));
        assertThat(shopper.all(ServerMessage.Closed.class)).hasSize(1);
        assertThat(scripts(shopper, "silence_care")).isEqualTo(1);
        assertThat(fx.store.agent("a").orElseThrow().load()).isZero();
        fx.router.customerFrame(shopper, new ClientMessage.Csat(null, 4, "fine"));
        fx.time.advanceTime();
        assertThat(fx.store.csat(chat).orElseThrow().score()).isEqualTo(4);
    }

    @Test
    void aShopperAnsweringThePromptKeepsTheChatOpen() {
        chatting();
        fx.advance(Duration.ofMinutes(15).plusSeconds(1));
        shopperSays("yes, still here");
        agentSays("great");
        fx.advance(Duration.ofMinutes(20));
        assertThat(shopper.all(ServerMessage.Closed.class)).isEmpty();
    }

    // ---------------------------------------------------------------- reply care

    @Test
    void anUnansweredShopperNudgesTheAgentThenGoesToAnotherAgent() {
        chatting();
        shopperSays("where is my parcel?");
        fx.advance(Duration.ofSeconds(59));
        assertThat(agent.all(ServerMessage.Nudge.class)).isEmpty();
        fx.advance(Duration.ofSeconds(2));
        assertThat(agent.last(ServerMessage.Nudge.class).chatId()).isEqualTo(chat);
        RecordingPeer other = fx.agent("b", AgentLevel.REGULAR);
        assertThat(RouterFixture.assignedChats(other)).as("not before the re-offer time").isEmpty();
        fx.advance(Duration.ofMinutes(2));
        assertThat(RouterFixture.assignedChats(other)).containsExactly(chat);
        assertThat(agent.last(ServerMessage.Transferred.class).note()).contains("re-offered");
        assertThat(other.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text).contains("where is my parcel?");
    }

    // ---------------------------------------------------------------- language guard

    @Test
    void aBannedPhraseIsHeldWithASuggestionAndConfirmSendsIt() {
        chatting();
        fx.router.agentFrame(agent, new ClientMessage.SendText("m1", chat, "Sorry, I don't know.", false));
        fx.time.advanceTime();
        ServerMessage.Warning w = agent.last(ServerMessage.Warning.class);
        assertThat(w.ref()).isEqualTo("m1");
        assertThat(w.code()).isEqualTo("banned_phrase");
        assertThat(w.suggestion()).isEqualTo("Let me find that out for you right away.");
        assertThat(shopper.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text).doesNotContain("Sorry, I don't know.");
        fx.router.agentFrame(agent, new ClientMessage.SendText("m2", chat, "Sorry, I don't know.", true));
        fx.time.advanceTime();
        assertThat(shopper.last(ServerMessage.ChatText.class).text()).isEqualTo("Sorry, I don't know.");
    }

    @Test
    void chineseBannedPhrasesAreHeldToo() {
        chatting();
        fx.router.agentFrame(agent, new ClientMessage.SendText("z", chat, "这个我不知道", false));
        fx.time.advanceTime();
        assertThat(agent.last(ServerMessage.Warning.class).suggestion()).contains("查一下");
    }

    @Test
    void askingForAPaymentPasswordOrAFullCardNumberIsAlwaysBlocked() {
        chatting();
        for (String text : List.of("Please tell me your payment password", "What is your card PIN?",
                "Could you send the full card number?", "请提供您的支付密码", "请把完整卡号发给我", "and the CVV please")) {
            fx.router.agentFrame(agent, new ClientMessage.SendText("s", chat, text, true));
            fx.time.advanceTime();
            assertThat(agent.last(ServerMessage.Warning.class).code()).as(text).isEqualTo("sensitive_request");
        }
        assertThat(shopper.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text)
                .as("only the agent's hello reached the shopper").containsExactly("Hello, how can I help?");
    }

    // ---------------------------------------------------------------- QA sampling

    @Test
    void closedChatsAreSampledForReviewWithMaskedTranscriptAndRating() {
        fx.close();
        fx = new RouterFixture(RouterFixture.config(j -> j.put("qaSampleRate", 1.0)));
        chatting();
        shopperSays("my card is 4111 1111 1111 1111 and phone 13812345678");
        fx.router.agentFrame(agent, new ClientMessage.Close(null, chat));
        fx.router.customerFrame(shopper, new ClientMessage.Csat(null, 5, "quick"));
        fx.time.advanceTime();
        List<QaReview> qa = fx.router.qa(10).block(Duration.ofSeconds(1));
        assertThat(qa).singleElement().satisfies(r -> {
            assertThat(r.sample().chatId()).isEqualTo(chat);
            assertThat(r.sample().agentId()).isEqualTo("a");
            assertThat(r.csat().score()).isEqualTo(5);
            assertThat(r.sample().transcript()).extracting(io.chatgateway.router.QaReview.QaSample.Line::text)
                    .contains("my card is **** **** **** 1111 and phone 138****5678");
        });
    }

    @Test
    void aboutTheConfiguredShareOfChatsIsSampled() {
        fx.close();
        fx = new RouterFixture(RouterFixture.config(j -> j.put("qaSampleRate", 0.2)));
        agent = fx.agent("a", AgentLevel.REGULAR);
        for (int i = 0; i < 500; i++) {
            RecordingPeer s = fx.customer("u" + i, Tier.REGULAR);
            fx.router.agentFrame(agent, new ClientMessage.Close(null, chatId(s)));
            fx.time.advanceTime();
        }
        int sampled = fx.router.qa(1000).block(Duration.ofSeconds(1)).size();
        assertThat(sampled).as("20 %% of 500, give or take").isBetween(70, 130);
    }

}
