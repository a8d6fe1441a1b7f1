package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;
import io.chatgateway.router.store.MemoryChatStore;

/** Every router rule of the walking skeleton, in virtual time (no sleeps). */
class DefaultRouterTest {

    private RouterFixture fx = new RouterFixture(RouterFixture.capacity(1));
    private MemoryChatStore store = fx.store;
    private Router router = fx.router;
    private VirtualTimeScheduler time = fx.time;

    private void restart(io.chatgateway.router.config.RoutingConfig config) {
        fx.close();
        fx = new RouterFixture(config);
        store = fx.store;
        router = fx.router;
        time = fx.time;
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private RecordingPeer customer(String id, Tier tier) {
        return fx.customer(id, tier);
    }

    private RecordingPeer agent(String id, AgentLevel level) {
        return fx.agent(id, level);
    }

    private static String chatId(RecordingPeer customer) {
        return RouterFixture.chatId(customer);
    }

    private static Set<String> assignedChats(RecordingPeer agent) {
        return RouterFixture.assignedChats(agent);
    }

    @Test
    void newChatIsGreetedAtOnceAndQueuedWithPositionWhenNoAgentIsFree() {
        restart(RouterFixture.capacity(1));
        agent("a", AgentLevel.REGULAR);
        customer("u0", Tier.REGULAR); // a is full from now on
        RecordingPeer c = customer("u1", Tier.REGULAR);
        assertThat(c.received.get(0)).isInstanceOf(ServerMessage.CustomerWelcome.class);
        ServerMessage.Script greeting = (ServerMessage.Script) c.received.get(1);
        assertThat(greeting.kind()).isEqualTo("greeting");
        assertThat(greeting.seq()).isEqualTo(1);
        assertThat(greeting.text()).contains("our shop");
        assertThat(c.last(ServerMessage.Queued.class).position()).isEqualTo(1);
        assertThat(c.all(ServerMessage.Script.class)).extracting(ServerMessage.Script::kind).containsExactly("greeting", "queued");
        RecordingPeer c2 = customer("u2", Tier.REGULAR);
        assertThat(c2.last(ServerMessage.Queued.class).position()).isEqualTo(2);
    }

    @Test
    void aShopperWhoLeftBeforeTheirHelloWasReachedGetsNoChat() {
        RecordingPeer left = new RecordingPeer();
        left.gone = true; // closed while its hello waited behind a surge
        fx.router.customerHello(left, new CustomerIdentity("u-left", null, Tier.REGULAR, List.of(), null, "en", false, null), null);
        fx.router.customerGone(left);
        fx.time.advanceTime();
        assertThat(left.received).as("nothing sent to a closed connection").isEmpty();
        assertThat(fx.store.openChatOf("u-left")).as("no chat queued for a shopper who is gone").isEmpty();
        RecordingPeer next = customer("u-next", Tier.REGULAR);
        assertThat(next.received.get(0)).isInstanceOf(ServerMessage.CustomerWelcome.class);
    }

    @Test
    void greetingFollowsTheShoppersLanguage() {
        RecordingPeer p = new RecordingPeer();
        router.customerHello(p, new CustomerIdentity("u", "小王", Tier.NEW, List.of(), null, "zh-CN", false, null), null);
        time.advanceTime();
        assertThat(p.last(ServerMessage.Script.class).text()).isNotEmpty();
        assertThat(p.all(ServerMessage.Script.class).get(0).text()).contains("您好").contains("小王");
    }

    @Test
    void vipCustomerGoesToSeniorAgentBeforeAnEarlierRegular() {
        RecordingPeer regular = customer("r", Tier.REGULAR);
        time.advanceTimeBy(Duration.ofSeconds(30));
        RecordingPeer vip = customer("v", Tier.VIP);
        assertThat(vip.last(ServerMessage.Queued.class).position()).as("VIP is ahead of the earlier regular").isEqualTo(1);
        RecordingPeer senior = agent("s", AgentLevel.SENIOR);
        assertThat(assignedChats(senior)).containsExactly(chatId(vip));
        assertThat(regular.last(ServerMessage.Queued.class).position()).isEqualTo(1);
    }

    @Test
    void vipPrefersASeniorAgentEvenWhenARegularAgentIsLessLoaded() {
        restart(RouterFixture.capacity(5));
        RecordingPeer senior = agent("s", AgentLevel.SENIOR);
        RecordingPeer reg = agent("r", AgentLevel.REGULAR);
        customer("c1", Tier.REGULAR); // goes to one of them
        customer("c2", Tier.REGULAR);
        RecordingPeer vip = customer("v", Tier.VIP);
        assertThat(assignedChats(senior)).contains(chatId(vip));
        assertThat(reg.all(ServerMessage.Assigned.class)).isNotEmpty();
    }

    @Test
    void vipFallsBackToAnyLevelWhenNoSeniorHasRoomAfterTheFirstEscalationStep() {
        RecordingPeer trainee = agent("t", AgentLevel.TRAINEE);
        RecordingPeer vip = customer("v", Tier.VIP);
        time.advanceTimeBy(Duration.ofSeconds(19));
        assertThat(assignedChats(trainee)).as("the first 20 s are for senior agents").isEmpty();
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(assignedChats(trainee)).containsExactly(chatId(vip));
    }

    @Test
    void capacityIsNeverExceededAndFreedCapacityTakesTheNextInLine() {
        restart(RouterFixture.capacity(2));
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        List<RecordingPeer> shoppers = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            shoppers.add(customer("u" + i, Tier.REGULAR));
        }
        assertThat(assignedChats(a)).as("an agent of capacity 2 holds 2 chats").hasSize(2);
        assertThat(store.agent("a").orElseThrow().load()).isEqualTo(2);
        assertThat(shoppers.get(2).last(ServerMessage.Queued.class).position()).isEqualTo(1);
        router.agentFrame(a, new ClientMessage.Close(null, chatId(shoppers.get(0))));
        time.advanceTime();
        assertThat(assignedChats(a)).hasSize(3).contains(chatId(shoppers.get(2)));
        assertThat(store.agent("a").orElseThrow().load()).isEqualTo(2);
        time.advanceTimeBy(Duration.ofSeconds(1)); // places are re-sent at most once a second
        assertThat(shoppers.get(3).last(ServerMessage.Queued.class).position()).as("the queue moved up").isEqualTo(1);
    }

    @Test
    void chatBothWaysWithGaplessSeqOnBothSides() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer c = customer("u", Tier.REGULAR);
        String chat = chatId(c);
        router.customerFrame(c, new ClientMessage.SendText("m1", null, "where is my parcel?", false));
        router.agentFrame(a, new ClientMessage.SendText("a1", chat, "let me check", false));
        time.advanceTime();
        List<ServerMessage.ChatEvent> seen = c.all(ServerMessage.ChatEvent.class);
        assertThat(seen).extracting(ServerMessage.ChatEvent::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(c.last(ServerMessage.ChatText.class).text()).isEqualTo("let me check");
        assertThat(a.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::from).containsExactly("customer", "agent");
        assertThat(a.all(ServerMessage.ChatEvent.class)).as("the agent gets the chat so far, in order")
                .extracting(ServerMessage.ChatEvent::seq).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void messagesWrittenWhileWaitingReachTheAgentOnAssignment() {
        RecordingPeer c = customer("u", Tier.NEW);
        router.customerFrame(c, new ClientMessage.SendText(null, null, "hello?", false));
        time.advanceTime();
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        assertThat(a.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text).containsExactly("hello?");
    }

    @Test
    void resentFrameWithSameIdIsNotDuplicated() {
        RecordingPeer c = customer("u", Tier.NEW);
        router.customerFrame(c, new ClientMessage.SendText("m1", null, "hi", false));
        router.customerFrame(c, new ClientMessage.SendText("m1", null, "hi", false));
        time.advanceTime();
        assertThat(c.all(ServerMessage.ChatText.class)).hasSize(1);
    }

    @Test
    void returningShopperGoesToTheOwnerWhileTheOwnerHasRoom() {
        restart(RouterFixture.capacity(5));
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer b = agent("b", AgentLevel.REGULAR);
        RecordingPeer first = customer("loyal", Tier.REGULAR);
        String chat = chatId(first);
        RecordingPeer owner = assignedChats(a).contains(chat) ? a : b;
        RecordingPeer other = owner == a ? b : a;
        router.agentFrame(owner, new ClientMessage.SendText(null, chat, "hi, I'm here", false));
        router.customerFrame(first, new ClientMessage.Close(null, null));
        time.advanceTime();
        // Load the other agent less than the owner so "least loaded" alone would pick them.
        customer("x1", Tier.REGULAR);
        customer("x2", Tier.REGULAR);
        RecordingPeer ownerLoad = customer("x3", Tier.REGULAR);
        router.customerFrame(ownerLoad, new ClientMessage.Close(null, null));
        time.advanceTime();
        RecordingPeer back = customer("loyal", Tier.REGULAR);
        assertThat(assignedChats(owner)).contains(chatId(back));
        assertThat(assignedChats(other)).doesNotContain(chatId(back));
    }

    @Test
    void ownerWithoutRoomDoesNotHoldTheShopperBack() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer first = customer("loyal", Tier.REGULAR);
        router.agentFrame(a, new ClientMessage.SendText(null, chatId(first), "hi", false));
        router.customerFrame(first, new ClientMessage.Close(null, null));
        time.advanceTime();
        customer("busy", Tier.REGULAR); // fills a (capacity 1)
        RecordingPeer b = agent("b", AgentLevel.REGULAR);
        RecordingPeer back = customer("loyal", Tier.REGULAR);
        assertThat(assignedChats(b)).contains(chatId(back));
    }

    @Test
    void agentDropPutsChatsBackAtTheirOriginalPlaceAfterTheGracePeriod() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer first = customer("first", Tier.REGULAR); // assigned to a
        time.advanceTimeBy(Duration.ofSeconds(5));
        RecordingPeer second = customer("second", Tier.REGULAR); // waits at 1
        time.advanceTimeBy(Duration.ofSeconds(5));
        RecordingPeer third = customer("third", Tier.REGULAR); // waits at 2
        assertThat(assignedChats(a)).containsExactly(chatId(first));
        router.agentGone(a);
        time.advanceTimeBy(RouterOptions.DEFAULT_AGENT_RECONNECT_GRACE.minusSeconds(1));
        assertThat(first.all(ServerMessage.Script.class)).extracting(ServerMessage.Script::kind).doesNotContain("agent_left");
        time.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(first.last(ServerMessage.Script.class).kind()).isEqualTo("agent_left");
        assertThat(first.last(ServerMessage.Queued.class).position()).as("back at its original place").isEqualTo(1);
        assertThat(second.last(ServerMessage.Queued.class).position()).isEqualTo(2);
        assertThat(third.last(ServerMessage.Queued.class).position()).isEqualTo(3);
        assertThat(store.agent("a").orElseThrow().load()).isZero();
        RecordingPeer b = agent("b", AgentLevel.REGULAR);
        assertThat(assignedChats(b)).containsExactly(chatId(first));
    }

    @Test
    void agentWhoReconnectsWithinGraceKeepsChatsAndResumes() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer c = customer("u", Tier.REGULAR);
        String chat = chatId(c);
        router.agentGone(a);
        time.advanceTimeBy(Duration.ofSeconds(3));
        router.customerFrame(c, new ClientMessage.SendText(null, null, "still there?", false));
        time.advanceTime();
        RecordingPeer again = new RecordingPeer();
        router.agentHello(again, new AgentIdentity("a", "A", AgentLevel.REGULAR, Set.of(), false),
                List.of(new ClientMessage.ResumePoint(chat, 2)), null);
        time.advanceTimeBy(Duration.ofMinutes(1));
        ServerMessage.AgentWelcome w = again.last(ServerMessage.AgentWelcome.class);
        assertThat(w.chats()).extracting(ServerMessage.OpenChat::chatId).containsExactly(chat);
        assertThat(again.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text).containsExactly("still there?");
        assertThat(c.all(ServerMessage.Script.class)).extracting(ServerMessage.Script::kind).doesNotContain("agent_left");
    }

    @Test
    void agentGoingOfflineHandsEveryChatBackAtOnceAndIsTold() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer c = customer("u", Tier.REGULAR);
        router.agentFrame(a, new ClientMessage.SetStatus(null, AgentStatus.OFFLINE));
        time.advanceTime();
        assertThat(c.last(ServerMessage.Script.class).kind()).isEqualTo("agent_left");
        assertThat(a.last(ServerMessage.Script.class).kind()).isEqualTo("agent_left");
        assertThat(c.last(ServerMessage.Queued.class).position()).isEqualTo(1);
    }

    @Test
    void awayAgentGetsNoNewChatsUntilOnlineAgain() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        router.agentFrame(a, new ClientMessage.SetStatus(null, AgentStatus.AWAY));
        time.advanceTime();
        RecordingPeer c = customer("u", Tier.REGULAR);
        assertThat(assignedChats(a)).isEmpty();
        router.agentFrame(a, new ClientMessage.SetStatus(null, AgentStatus.ONLINE));
        time.advanceTime();
        assertThat(assignedChats(a)).containsExactly(chatId(c));
    }

    @Test
    void agentWritingToAChatThatIsNotTheirsIsForbidden() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer b = agent("b", AgentLevel.REGULAR);
        RecordingPeer c = customer("u", Tier.REGULAR);
        String chat = chatId(c);
        RecordingPeer stranger = assignedChats(a).contains(chat) ? b : a;
        router.agentFrame(stranger, new ClientMessage.SendText("x", chat, "hello", false));
        router.agentFrame(stranger, new ClientMessage.SendText("y", "nope", "hello", false));
        time.advanceTime();
        List<ServerMessage.Error> errors = stranger.all(ServerMessage.Error.class);
        assertThat(errors).extracting(ServerMessage.Error::code).containsExactly("forbidden", "not_found");
        assertThat(errors.get(0).ref()).isEqualTo("x");
        assertThat(c.all(ServerMessage.ChatText.class)).as("nothing reached the shopper").isEmpty();
    }

    @Test
    void customerResumesAndGetsExactlyWhatWasMissed() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer c = customer("u", Tier.REGULAR);
        String chat = chatId(c);
        long held = c.last(ServerMessage.ChatEvent.class).seq();
        router.customerGone(c);
        router.agentFrame(a, new ClientMessage.SendText(null, chat, "one", false));
        router.agentFrame(a, new ClientMessage.SendText(null, chat, "two", false));
        time.advanceTime();
        RecordingPeer back = new RecordingPeer();
        router.customerHello(back, new CustomerIdentity("u", null, Tier.REGULAR, List.of(), null, "en", false, null),
                new ClientMessage.ResumePoint(chat, held));
        time.advanceTime();
        assertThat(back.last(ServerMessage.CustomerWelcome.class).lastSeq()).isEqualTo(held + 2);
        assertThat(back.all(ServerMessage.ChatEvent.class)).extracting(ServerMessage.ChatEvent::seq).containsExactly(held + 1, held + 2);
        assertThat(back.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text).containsExactly("one", "two");
    }

    @Test
    void resumeAheadOfTheLogGetsAClearErrorAndAFullResync() {
        RecordingPeer c = customer("u", Tier.REGULAR);
        String chat = chatId(c);
        RecordingPeer back = new RecordingPeer();
        router.customerHello(back, new CustomerIdentity("u", null, Tier.REGULAR, List.of(), null, "en", false, null),
                new ClientMessage.ResumePoint(chat, 99));
        time.advanceTime();
        assertThat(back.last(ServerMessage.Error.class).code()).isEqualTo("conflict");
        assertThat(back.all(ServerMessage.ChatEvent.class)).extracting(ServerMessage.ChatEvent::seq).containsExactly(1L, 2L);
    }

    @Test
    void resumingSomeoneElsesChatStartsANewChat() {
        RecordingPeer c = customer("u", Tier.REGULAR);
        RecordingPeer thief = new RecordingPeer();
        router.customerHello(thief, new CustomerIdentity("other", null, Tier.NEW, List.of(), null, "en", false, null),
                new ClientMessage.ResumePoint(chatId(c), 0));
        time.advanceTime();
        assertThat(thief.last(ServerMessage.Error.class).code()).isEqualTo("not_found");
        assertThat(chatId(thief)).isNotEqualTo(chatId(c));
        assertThat(thief.all(ServerMessage.ChatText.class)).isEmpty();
    }

    @Test
    void closeByEitherSideTellsBothAndInvitesRating() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer c = customer("u", Tier.REGULAR);
        router.agentFrame(a, new ClientMessage.Close(null, chatId(c)));
        time.advanceTime();
        assertThat(c.last(ServerMessage.Closed.class).reason()).isEqualTo("agent");
        assertThat(a.last(ServerMessage.Closed.class).reason()).isEqualTo("agent");
        assertThat(c.all(ServerMessage.Script.class)).extracting(ServerMessage.Script::kind).endsWith("closing", "csat_invite");
        router.customerFrame(c, new ClientMessage.Csat(null, 5, "great"));
        router.customerFrame(c, new ClientMessage.SendText("late", null, "one more thing", false));
        time.advanceTime();
        assertThat(store.csat(chatId(c)).orElseThrow().score()).isEqualTo(5);
        assertThat(c.last(ServerMessage.Error.class).code()).isEqualTo("conflict");
    }

    @Test
    void waitingShopperWhoNeverReturnsLeavesTheQueue() {
        RecordingPeer c = customer("u", Tier.REGULAR);
        RecordingPeer d = customer("d", Tier.REGULAR);
        router.customerGone(c);
        time.advanceTimeBy(RouterOptions.DEFAULT_ABANDON_AFTER);
        assertThat(store.chat(chatId(c)).orElseThrow().state()).isEqualTo(io.chatgateway.router.store.ChatState.CLOSED);
        assertThat(d.last(ServerMessage.Queued.class).position()).isEqualTo(1);
    }

    @Test
    void secondConnectionOfTheSameAgentReplacesTheFirst() {
        RecordingPeer a = agent("a", AgentLevel.REGULAR);
        RecordingPeer a2 = agent("a", AgentLevel.REGULAR);
        assertThat(a.closedWith).isEqualTo(1000);
        router.agentGone(a); // the old connection's close must not sign the agent out
        time.advanceTimeBy(Duration.ofMinutes(1));
        RecordingPeer c = customer("u", Tier.REGULAR);
        assertThat(assignedChats(a2)).containsExactly(chatId(c));
    }

    @Test
    void snapshotCountsWaitingPerTier() {
        customer("v", Tier.VIP);
        customer("r", Tier.REGULAR);
        time.advanceTimeBy(Duration.ofSeconds(40));
        RouterSnapshot s = router.snapshot().block(Duration.ofSeconds(1));
        assertThat(s.groups()).singleElement().satisfies(g -> {
            assertThat(g.waiting()).isEqualTo(2);
            assertThat(g.tiers()).filteredOn(t -> t.tier().equals("vip")).singleElement()
                    .satisfies(t -> assertThat(t.waiting()).isEqualTo(1));
            assertThat(g.oldestWaitSeconds()).isEqualTo(40);
        });
    }
}
