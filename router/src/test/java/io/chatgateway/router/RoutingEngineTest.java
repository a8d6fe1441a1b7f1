package io.chatgateway.router;

import io.chatgateway.router.engine.Routers;
import static io.chatgateway.router.RouterFixture.assignedChats;
import static io.chatgateway.router.RouterFixture.chatId;
import static io.chatgateway.router.RouterFixture.offeredChats;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.store.ChatState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The routing-engine rules (offers, escalation, ageing, transfers, handover, live config) in virtual time. */
class RoutingEngineTest {
    private RouterFixture fx = new RouterFixture(RoutingConfig.defaults());

    @AfterEach
    void stop() {
        fx.close();
    }

    private void restart(RoutingConfig c) {
        fx.close();
        fx = new RouterFixture(c);
    }

    private RecordingPeer manualAgent(String id, AgentLevel level) {
        return fx.agent(id, level, false, Set.of(), Set.of(), false);
    }

    private void send(RecordingPeer agent, ClientMessage m) {
        fx.router.agentFrame(agent, m);
        fx.time.advanceTime();
    }

    // ---------------------------------------------------------------- offers

    @Test
    void anOfferIsAssignedOnlyWhenAccepted() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer c = fx.customer("u", Tier.REGULAR);
        ServerMessage.Offer offer = a.last(ServerMessage.Offer.class);
        assertThat(offer.chatId()).isEqualTo(chatId(c));
        assertThat(offer.expiresInSeconds()).isEqualTo(15);
        assertThat(offer.customer().tier()).isEqualTo("regular");
        assertThat(c.all(ServerMessage.Assigned.class)).isEmpty();
        assertThat(fx.store.agent("a").orElseThrow().load()).as("an open offer reserves a slot").isEqualTo(1);
        send(a, new ClientMessage.Accept(null, chatId(c)));
        assertThat(c.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("a");
        assertThat(assignedChats(a)).containsExactly(chatId(c));
    }

    @Test
    void aRejectedOfferGoesToTheNextAgentAndTheChatKeepsItsPlace() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer first = fx.customer("first", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(1));
        RecordingPeer b = manualAgent("b", AgentLevel.REGULAR); // takes nothing yet: first is on offer to a
        fx.advance(Duration.ofSeconds(1));
        RecordingPeer second = fx.customer("second", Tier.REGULAR); // offered to b
        assertThat(offeredChats(b)).containsExactly(chatId(second));
        send(b, new ClientMessage.Reject(null, chatId(second)));
        send(a, new ClientMessage.Reject(null, chatId(first)));
        assertThat(offeredChats(b)).as("b now gets first, which kept its place ahead of second")
                .containsExactly(chatId(second), chatId(first));
        assertThat(offeredChats(a)).containsExactly(chatId(first), chatId(second));
    }

    @Test
    void anOfferNotAnsweredInTimeGoesToTheNextAgent() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer c = fx.customer("u", Tier.REGULAR);
        RecordingPeer b = manualAgent("b", AgentLevel.REGULAR);
        assertThat(offeredChats(b)).isEmpty();
        fx.advance(Duration.ofSeconds(14));
        assertThat(offeredChats(b)).as("not before the 15 s accept timeout").isEmpty();
        fx.advance(Duration.ofSeconds(1));
        assertThat(a.last(ServerMessage.OfferWithdrawn.class).reason()).contains("expired");
        assertThat(offeredChats(b)).containsExactly(chatId(c));
        send(a, new ClientMessage.Accept("late", chatId(c)));
        assertThat(a.last(ServerMessage.Error.class).code()).isEqualTo("not_found");
        send(b, new ClientMessage.Accept(null, chatId(c)));
        assertThat(c.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("b");
    }

    @Test
    void anAgentWhoLetsOffersExpireRepeatedlyIsSetAwayAndToldWhy() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer c1 = fx.customer("u1", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(15)); // first lapse
        assertThat(fx.store.agent("a").orElseThrow().status()).isEqualTo(AgentStatus.ONLINE);
        RecordingPeer c2 = fx.customer("u2", Tier.REGULAR);
        assertThat(offeredChats(a)).contains(chatId(c2));
        fx.advance(Duration.ofSeconds(15)); // second lapse in a row
        assertThat(fx.store.agent("a").orElseThrow().status()).isEqualTo(AgentStatus.AWAY);
        ServerMessage.StatusChanged why = a.last(ServerMessage.StatusChanged.class);
        assertThat(why.status()).isEqualTo("away");
        assertThat(why.reason()).contains("2 offers");
        int offers = offeredChats(a).size();
        fx.advance(Duration.ofMinutes(5));
        assertThat(offeredChats(a)).as("an away agent gets no offers").hasSize(offers);
        assertThat(fx.store.chat(chatId(c1)).orElseThrow().state()).isEqualTo(ChatState.WAITING);
    }

    @Test
    void answeringAnOfferResetsTheMissedCount() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer c1 = fx.customer("u1", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(15)); // u1 lapses once (and is offered to a again: nobody else may take it)
        assertThat(fx.store.agent("a").orElseThrow().missedOffers()).isEqualTo(1);
        RecordingPeer c2 = fx.customer("u2", Tier.REGULAR);
        send(a, new ClientMessage.Accept(null, chatId(c2)));
        assertThat(fx.store.agent("a").orElseThrow().missedOffers()).isZero();
        fx.advance(Duration.ofSeconds(15)); // u1 lapses again: one in a row, not two
        assertThat(fx.store.agent("a").orElseThrow().missedOffers()).isEqualTo(1);
        assertThat(fx.store.agent("a").orElseThrow().status()).isEqualTo(AgentStatus.ONLINE);
        assertThat(offeredChats(a)).as("offered again after each lapse").containsExactly(chatId(c1), chatId(c1), chatId(c2), chatId(c1));
    }

    @Test
    void anAgentWhoseOfferLapsedIsOfferedTheNextWaitingChatAtOnce() {
        restart(RouterFixture.capacity(1));
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer c1 = fx.customer("u1", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(1));
        RecordingPeer c2 = fx.customer("u2", Tier.REGULAR); // waits: a's one slot is reserved by the offer of u1
        assertThat(offeredChats(a)).containsExactly(chatId(c1));
        fx.advance(Duration.ofSeconds(14)); // u1's offer lapses
        assertThat(offeredChats(a)).as("the freed slot takes the next shopper at once, not after u1's escalation step")
                .containsExactly(chatId(c1), chatId(c2));
        send(a, new ClientMessage.Accept(null, chatId(c2)));
        assertThat(c2.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("a");
        assertThat(fx.store.chat(chatId(c1)).orElseThrow().state()).isEqualTo(ChatState.WAITING);
    }

    @Test
    void aLapsedChatIsOfferedAgainWhenNobodyElseMayTakeIt() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer c = fx.customer("u", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(15));
        assertThat(a.last(ServerMessage.OfferWithdrawn.class).reason()).contains("expired");
        assertThat(offeredChats(a)).as("the only agent with room is offered it again at once, not after 120 s")
                .containsExactly(chatId(c), chatId(c));
        send(a, new ClientMessage.Accept(null, chatId(c)));
        assertThat(c.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("a");
    }

    @Test
    void aReturningShoppersOwnerHasAShortWindowThenAFreeColleagueGetsThem() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer first = fx.customer("u", Tier.REGULAR);
        send(a, new ClientMessage.Accept(null, chatId(first)));
        send(a, new ClientMessage.SendText(null, chatId(first), "hello, how can I help?", false)); // a owns u now
        send(a, new ClientMessage.Close(null, chatId(first)));
        RecordingPeer b = manualAgent("b", AgentLevel.REGULAR);
        RecordingPeer back = fx.customer("u", Tier.REGULAR);
        ServerMessage.Offer toOwner = a.last(ServerMessage.Offer.class);
        assertThat(toOwner.chatId()).isEqualTo(chatId(back));
        assertThat(toOwner.expiresInSeconds()).as("the owner window, not the 15 s offer").isEqualTo(5);
        assertThat(offeredChats(b)).isEmpty();
        fx.advance(Duration.ofSeconds(5));
        assertThat(a.last(ServerMessage.OfferWithdrawn.class).reason()).contains("colleague");
        assertThat(offeredChats(b)).containsExactly(chatId(back));
        assertThat(fx.store.agent("a").orElseThrow().missedOffers()).as("passing on a window is not a missed offer").isZero();
        send(b, new ClientMessage.Accept(null, chatId(back)));
        assertThat(back.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("b");
    }

    @Test
    void anAutoAcceptingOwnerGetsTheReturningShopperAtOnceAndOwnershipEndsAfterItsRetention() {
        restart(RouterFixture.config(j -> j.putObject("ownership").put("windowSeconds", 5).put("retentionHours", 1)));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer b = fx.agent("b", AgentLevel.REGULAR);
        RecordingPeer first = fx.customer("u", Tier.REGULAR); // a tie: a by id
        assertThat(first.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("a");
        send(a, new ClientMessage.SendText(null, chatId(first), "hello", false));
        send(a, new ClientMessage.Close(null, chatId(first)));
        RecordingPeer back = fx.customer("u", Tier.REGULAR); // b would be next: idle longest
        assertThat(back.last(ServerMessage.Assigned.class).agent().id()).as("the owner, though b would be next").isEqualTo("a");
        long now = fx.time.now(java.util.concurrent.TimeUnit.MILLISECONDS);
        assertThat(fx.store.ownerOf("u", now)).contains("a");
        assertThat(fx.store.ownerOf("u", now + Duration.ofHours(1).plusSeconds(1).toMillis())).as("retention: 1 h").isEmpty();
        assertThat(b.all(ServerMessage.Assigned.class)).isEmpty();
    }

    // ---------------------------------------------------------------- saturation routing

    private RecordingPeer weightedAgent(String id, Integer weight) {
        RecordingPeer p = new RecordingPeer();
        fx.router.agentHello(p, new AgentIdentity(id, "Agent " + id, AgentLevel.REGULAR, Set.of(), Set.of(), false, weight), List.of(), true);
        fx.time.advanceTime();
        return p;
    }

    @Test
    void weightsShareNewChatsInProportion() {
        restart(RouterFixture.capacity(30));
        RecordingPeer heavy = weightedAgent("a", 200); // from the token
        RecordingPeer plain = weightedAgent("b", null); // the default 100
        for (int i = 0; i < 30; i++) {
            fx.customer("u" + i, Tier.REGULAR);
        }
        assertThat(assignedChats(heavy)).as("twice the share").hasSize(20);
        assertThat(assignedChats(plain)).hasSize(10);
    }

    @Test
    void opsChangeAWeightLiveAndItOutlastsAReconnect() {
        restart(RouterFixture.capacity(30));
        RecordingPeer a = weightedAgent("a", null);
        RecordingPeer b = weightedAgent("b", null);
        assertThat(fx.router.setWeight("b", 200).block(Duration.ofSeconds(1))).isTrue();
        assertThat(fx.router.setWeight("nobody", 150).block(Duration.ofSeconds(1))).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> fx.router.setWeight("a", 5).block(Duration.ofSeconds(1)))
                .hasMessageContaining("10..200");
        fx.router.agentGone(b);
        fx.time.advanceTime();
        RecordingPeer b2 = weightedAgent("b", null); // back within the grace period: the weight ops set stays
        for (int i = 0; i < 15; i++) {
            fx.customer("u" + i, Tier.REGULAR);
        }
        assertThat(assignedChats(b2)).hasSize(10);
        assertThat(assignedChats(a)).hasSize(5);
        assertThat(fx.router.snapshot().block(Duration.ofSeconds(1)).agents())
                .extracting(RouterSnapshot.AgentFigures::agentId, RouterSnapshot.AgentFigures::weight)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("a", 100), org.assertj.core.groups.Tuple.tuple("b", 200));
    }

    @Test
    void amongEquallyLoadedAgentsTheLongestIdleGetsTheNextChat() {
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer b = fx.agent("b", AgentLevel.REGULAR);
        RecordingPeer first = fx.customer("u1", Tier.REGULAR); // a tie, nobody served yet: a by id
        assertThat(assignedChats(a)).containsExactly(chatId(first));
        send(a, new ClientMessage.Close(null, chatId(first))); // both idle again, a served last
        RecordingPeer second = fx.customer("u2", Tier.REGULAR);
        assertThat(assignedChats(b)).as("b has waited longest").containsExactly(chatId(second));
    }

    // ---------------------------------------------------------------- order-status routing

    @Test
    void anOrderStatusRuleSendsTheChatToItsGroupAndBoostsIt() {
        restart(RouterFixture.config(j -> {
            j.with("capacity").put("regular", 1);
            j.putObject("orderStatus").putObject("refunding").put("group", "after-sales").put("boost", 400);
        }));
        RecordingPeer afterSales = fx.agent("as", AgentLevel.REGULAR, true, Set.of("after-sales"), Set.of(), false);
        RecordingPeer busy = fx.customerIn("after-sales", "busy", Tier.REGULAR); // the after-sales agent is full
        RecordingPeer vip = fx.customerIn("after-sales", "vip", Tier.VIP);
        RecordingPeer refund = fx.customerIn("pre-sales", "refund", Tier.REGULAR, "order_refunding"); // asked on a product page
        assertThat(fx.store.chat(chatId(refund)).orElseThrow().group()).as("served by after-sales").isEqualTo("after-sales");
        assertThat(refund.last(ServerMessage.Queued.class).position()).as("boosted past the VIP (300 < 100 + 400)").isEqualTo(1);
        send(afterSales, new ClientMessage.Close(null, chatId(busy)));
        assertThat(assignedChats(afterSales)).contains(chatId(refund)).doesNotContain(chatId(vip));
        assertThat(afterSales.last(ServerMessage.Assigned.class).customer().tags()).as("on the agent's card").contains("order_refunding");
        RecordingPeer shipped = fx.customerIn("pre-sales", "shipped", Tier.REGULAR, "order_shipped"); // no rule: as asked
        assertThat(fx.store.chat(chatId(shipped)).orElseThrow().group()).isEqualTo("pre-sales");
    }

    @Test
    void autoAcceptCanBeSwitchedOnWithStatus() {
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        send(a, new ClientMessage.SetStatus(null, AgentStatus.ONLINE, true));
        RecordingPeer c = fx.customer("u", Tier.REGULAR);
        assertThat(offeredChats(a)).isEmpty();
        assertThat(assignedChats(a)).containsExactly(chatId(c));
    }

    // ---------------------------------------------------------------- escalation and ageing

    @Test
    void vipEscalationLadderWidensThePoolStepByStep() {
        RecordingPeer trainee = fx.agent("t", AgentLevel.TRAINEE);
        RecordingPeer overflow = fx.agent("o", AgentLevel.SENIOR, true, Set.of("overflow"), Set.of(), false);
        fx.agent("busy", AgentLevel.TRAINEE).clear();
        // fill the trainee so that only the overflow agent can help after step 2
        for (int i = 0; i < 20; i++) {
            fx.customer("filler" + i, Tier.NEW);
        }
        RecordingPeer vip = fx.customer("v", Tier.VIP);
        assertThat(assignedChats(overflow)).as("step 1: senior agents of the group only").doesNotContain(chatId(vip));
        fx.advance(Duration.ofSeconds(20));
        assertThat(assignedChats(trainee)).as("step 2: any level, but the group's agents are full").doesNotContain(chatId(vip));
        fx.advance(Duration.ofSeconds(39));
        assertThat(assignedChats(overflow)).as("not before step 3 starts at 60 s").doesNotContain(chatId(vip));
        fx.advance(Duration.ofSeconds(1));
        assertThat(assignedChats(overflow)).as("step 3: the overflow group").contains(chatId(vip));
    }

    @Test
    void aRegularShopperIsServedWithinTheAgeingBoundDespiteASteadyStreamOfVips() {
        // One agent with one slot; a VIP arrives every 5 s for 30 minutes; the agent finishes a chat every 30 s.
        restart(RouterFixture.capacity(1));
        RecordingPeer agent = fx.agent("a", AgentLevel.SENIOR);
        fx.customer("warmup", Tier.VIP); // occupies the agent
        RecordingPeer regular = fx.customer("patient", Tier.REGULAR);
        List<RecordingPeer> vips = new ArrayList<>();
        long servedAt = -1;
        for (int second = 1; second <= 1800 && servedAt < 0; second++) {
            fx.advance(Duration.ofSeconds(1));
            if (second % 5 == 0) {
                vips.add(fx.customer("vip" + second, Tier.VIP));
            }
            if (second % 30 == 0) {
                ServerMessage.Assigned current = agent.last(ServerMessage.Assigned.class);
                send(agent, new ClientMessage.Close(null, current.chatId()));
            }
            if (!regular.all(ServerMessage.Assigned.class).isEmpty()) {
                servedAt = second;
            }
        }
        RoutingConfig c = RoutingConfig.defaults();
        double wStar = (c.tierWeights().get(Tier.VIP) - c.tierWeights().get(Tier.REGULAR)) / c.ageingPerSecond();
        int vipsAheadAtWStar = (int) (wStar / 5);
        long bound = (long) wStar + (vipsAheadAtWStar + 1) * 30L;
        assertThat(servedAt).as("served at all, and within w* + (VIPs ahead at w*) × handling time = %d s", bound)
                .isPositive().isLessThanOrEqualTo(bound);
        assertThat(vips.get(vips.size() - 1).all(ServerMessage.Assigned.class)).as("later VIPs wait behind the aged regular").isEmpty();
    }

    @Test
    void urgentOrdersJumpAheadOfTheirTier() {
        RecordingPeer plain = fx.customer("plain", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(30));
        RecordingPeer urgent = fx.customer("urgent", Tier.REGULAR, "urgent_order");
        assertThat(urgent.last(ServerMessage.Queued.class).position()).isEqualTo(1);
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        assertThat(a.all(ServerMessage.Assigned.class).get(0).chatId()).isEqualTo(chatId(urgent));
        assertThat(assignedChats(a)).contains(chatId(plain));
    }

    // ---------------------------------------------------------------- skills, supervisors

    @Test
    void complaintProneShoppersGoToAgentsWithTheComplaintsSkill() {
        fx.agent("plain", AgentLevel.SENIOR, true, Set.of(), Set.of(), false);
        RecordingPeer soother = fx.agent("soother", AgentLevel.TRAINEE, true, Set.of(), Set.of("complaints"), false);
        RecordingPeer c = fx.customer("angry", Tier.REGULAR, "complaint_prone");
        assertThat(assignedChats(soother)).containsExactly(chatId(c));
    }

    @Test
    void majorComplaintsGoToSupervisorsOnly() {
        RecordingPeer agent = fx.agent("a", AgentLevel.SENIOR);
        RecordingPeer c = fx.customer("hurt", Tier.REGULAR, "major_complaint");
        fx.advance(Duration.ofMinutes(5));
        assertThat(assignedChats(agent)).isEmpty();
        RecordingPeer sup = fx.agent("sup", AgentLevel.SENIOR, true, Set.of("complaints"), Set.of(), true);
        assertThat(assignedChats(sup)).containsExactly(chatId(c));
    }

    @Test
    void aSupervisorCanTakeOverAnyChat() {
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer c = fx.customer("u", Tier.REGULAR);
        RecordingPeer sup = fx.agent("sup", AgentLevel.SENIOR, false, Set.of("elsewhere"), Set.of(), true);
        send(sup, new ClientMessage.Transfer(null, chatId(c), "sup", "taking over"));
        assertThat(assignedChats(sup)).containsExactly(chatId(c));
        assertThat(c.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("sup");
        assertThat(a.last(ServerMessage.Transferred.class).to()).isEqualTo("sup");
        assertThat(fx.store.agent("a").orElseThrow().load()).isZero();
        send(a, new ClientMessage.SendText("x", chatId(c), "hello?", false));
        assertThat(a.last(ServerMessage.Error.class).code()).isEqualTo("forbidden");
    }

    @Test
    void aSupervisorSeesEveryOpenChatAndOthersMayNot() {
        restart(RouterFixture.capacity(1));
        RecordingPeer sup = fx.agent("sup", AgentLevel.SENIOR, false, Set.of("elsewhere"), Set.of(), true);
        send(sup, new ClientMessage.SetStatus(null, AgentStatus.AWAY)); // looks on, takes no chat
        RecordingPeer gone = fx.customer("gone", Tier.NEW);
        fx.router.customerGone(gone);
        fx.advance(Duration.ofMinutes(3)); // the shopper who left is closed as abandoned
        assertThat(fx.store.chat(chatId(gone)).orElseThrow().state()).isEqualTo(ChatState.CLOSED);
        RecordingPeer a = manualAgent("a", AgentLevel.REGULAR);
        RecordingPeer b = fx.agent("b", AgentLevel.SENIOR);
        RecordingPeer held = fx.customer("held", Tier.VIP, "urgent_order"); // seniors first: b takes it at once
        RecordingPeer offered = fx.customer("offered", Tier.REGULAR); // only a has room: offered
        RecordingPeer waiting = fx.customer("waiting", Tier.NEW); // nobody has room
        assertThat(assignedChats(b)).containsExactly(chatId(held));
        assertThat(offeredChats(a)).containsExactly(chatId(offered));

        send(sup, new ClientMessage.ListChats("l1"));
        ServerMessage.ChatList list = sup.last(ServerMessage.ChatList.class);
        assertThat(list.ref()).isEqualTo("l1");
        assertThat(list.truncated()).isFalse();
        assertThat(list.chats()).extracting(ServerMessage.ChatSummary::chatId)
                .as("waiting first, then by first contact; closed chats not listed")
                .containsExactly(chatId(waiting), chatId(held), chatId(offered));
        assertThat(list.chats()).extracting(ServerMessage.ChatSummary::state).containsExactly("waiting", "assigned", "offered");
        assertThat(list.chats()).extracting(ServerMessage.ChatSummary::agentId).containsExactly(null, "b", "a");
        ServerMessage.CustomerInfo card = list.chats().get(1).customer();
        assertThat(card.id()).isEqualTo("held");
        assertThat(card.tier()).isEqualTo("vip");
        assertThat(card.tags()).containsExactly("urgent_order");
        assertThat(card.lang()).isEqualTo("en");
        assertThat(card.group()).isEqualTo(fx.store.chat(chatId(held)).orElseThrow().group()).isNotBlank();
        assertThat(card.firstContact()).isEqualTo(fx.store.chat(chatId(held)).orElseThrow().queuedAt());

        send(b, new ClientMessage.ListChats("l2"));
        assertThat(b.last(ServerMessage.Error.class).code()).isEqualTo("forbidden");
        assertThat(b.last(ServerMessage.Error.class).ref()).isEqualTo("l2");
        assertThat(b.all(ServerMessage.ChatList.class)).isEmpty();
    }

    // ---------------------------------------------------------------- transfers and handover

    @Test
    void aTransferToAnAgentCarriesANoteOnlyAgentsSee() {
        restart(RouterFixture.capacity(1));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer c = fx.customer("u", Tier.REGULAR);
        RecordingPeer b = fx.agent("b", AgentLevel.SENIOR);
        send(a, new ClientMessage.Transfer(null, chatId(c), "b", "wants a refund for order 77"));
        ServerMessage.Transferred atB = b.last(ServerMessage.Transferred.class);
        assertThat(atB.note()).isEqualTo("wants a refund for order 77");
        assertThat(atB.from()).isEqualTo("a");
        assertThat(assignedChats(b)).containsExactly(chatId(c));
        ServerMessage.Transferred atCustomer = c.last(ServerMessage.Transferred.class);
        assertThat(atCustomer.note()).as("the shopper never sees agents' notes").isNull();
        assertThat(c.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("b");
        assertThat(c.last(ServerMessage.Script.class).kind()).isEqualTo("transfer");
        assertThat(fx.store.agent("a").orElseThrow().load()).isZero();
        assertThat(fx.store.agent("b").orElseThrow().load()).isEqualTo(1);
    }

    @Test
    void aTransferToAnAgentPastCapacityPlusTheAllowanceIsRefusedAndNothingChanges() {
        restart(RouterFixture.config(j -> {
            j.with("capacity").put("regular", 1);
            j.put("transferAllowance", 1);
        }));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer c1 = fx.customer("u1", Tier.REGULAR);
        fx.agent("b", AgentLevel.REGULAR);
        fx.customer("other", Tier.REGULAR); // fills b
        send(a, new ClientMessage.Transfer("t1", chatId(c1), "b", null));
        assertThat(fx.store.chat(chatId(c1)).orElseThrow().agentId()).as("one over capacity: within the allowance").isEqualTo("b");
        RecordingPeer c2 = fx.customer("u2", Tier.REGULAR); // a has room again
        send(a, new ClientMessage.Transfer("t2", chatId(c2), "b", null));
        assertThat(a.last(ServerMessage.Error.class).code()).isEqualTo("conflict");
        assertThat(a.last(ServerMessage.Error.class).message()).contains("capacity + 1");
        assertThat(fx.store.chat(chatId(c2)).orElseThrow().agentId()).isEqualTo("a");
        assertThat(fx.store.agent("b").orElseThrow().load()).isEqualTo(2);
    }

    @Test
    void anAgentTakingTransfersOnlyGetsTransfersButNoNewChatsAndASuspensionKeepsItsReason() {
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer b = fx.agent("b", AgentLevel.REGULAR);
        RecordingPeer c = fx.agent("c", AgentLevel.REGULAR);
        send(b, new ClientMessage.SetStatus(null, AgentStatus.TRANSFERS_ONLY, null, null));
        send(c, new ClientMessage.SetStatus(null, AgentStatus.SUSPENDED, null, "team meeting"));
        RecordingPeer u1 = fx.customer("u1", Tier.REGULAR);
        RecordingPeer u2 = fx.customer("u2", Tier.REGULAR);
        assertThat(assignedChats(a)).as("only the online agent gets new chats").containsExactlyInAnyOrder(chatId(u1), chatId(u2));
        send(a, new ClientMessage.Transfer(null, chatId(u1), "b", "needs a refund"));
        assertThat(assignedChats(b)).containsExactly(chatId(u1));
        send(a, new ClientMessage.Transfer("t", chatId(u2), "c", null));
        assertThat(a.last(ServerMessage.Error.class).code()).as("a suspended agent takes no transfers").isEqualTo("conflict");
        assertThat(fx.router.snapshot().block(Duration.ofSeconds(1)).agents()).filteredOn(x -> x.agentId().equals("c"))
                .singleElement().satisfies(x -> {
                    assertThat(x.status()).isEqualTo("suspended");
                    assertThat(x.statusReason()).isEqualTo("team meeting");
                });
        send(c, new ClientMessage.SetStatus(null, AgentStatus.ONLINE));
        RecordingPeer u3 = fx.customer("u3", Tier.REGULAR);
        assertThat(assignedChats(c)).as("back online: c is least loaded").containsExactly(chatId(u3));
    }

    @Test
    void aTransferToAGroupQueuesTheChatThereAtItsPlace() {
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer c = fx.customer("u", Tier.REGULAR);
        RecordingPeer after = fx.agent("after", AgentLevel.REGULAR, false, Set.of("after-sales"), Set.of(), false);
        send(a, new ClientMessage.Transfer(null, chatId(c), "group:after-sales", "parcel damaged"));
        assertThat(offeredChats(after)).containsExactly(chatId(c));
        send(after, new ClientMessage.Accept(null, chatId(c)));
        assertThat(after.all(ServerMessage.Transferred.class)).extracting(ServerMessage.Transferred::note)
                .as("the receiving agent sees the note in the history").containsExactly("parcel damaged");
        send(a, new ClientMessage.Transfer("bad", chatId(c), "group:nowhere", null));
        assertThat(a.last(ServerMessage.Error.class).code()).isIn("forbidden", "invalid_field");
    }

    @Test
    void signingOffHandsOverEveryChatAndNoneIsDropped() {
        restart(RouterFixture.capacity(5));
        RecordingPeer leaving = fx.agent("day", AgentLevel.REGULAR);
        List<RecordingPeer> shoppers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            shoppers.add(fx.customer("s" + i, Tier.REGULAR));
        }
        assertThat(assignedChats(leaving)).hasSize(5);
        RecordingPeer night = fx.agent("night", AgentLevel.REGULAR);
        send(leaving, new ClientMessage.SetStatus(null, AgentStatus.OFFLINE));
        for (RecordingPeer s : shoppers) {
            assertThat(s.last(ServerMessage.Assigned.class).agent().id()).isEqualTo("night");
            assertThat(s.all(ServerMessage.Closed.class)).isEmpty();
        }
        assertThat(night.all(ServerMessage.Transferred.class)).hasSize(5)
                .allSatisfy(t -> assertThat(t.note()).contains("handed over"));
        assertThat(fx.store.agent("day").orElseThrow().load()).isZero();
    }

    // ---------------------------------------------------------------- capacity under concurrency

    @Test
    void capacityIsNeverExceededUnderConcurrentEvents() throws Exception {
        fx.close();
        var store = new io.chatgateway.router.store.MemoryChatStore(RouterFixture.capacity(3));
        var scheduler = reactor.core.scheduler.Schedulers.newSingle("router-test");
        Router router = Routers.create(RouterOptions.defaults(), store, scheduler);
        try {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int base = t;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 50; i++) {
                        RecordingPeer p = new RecordingPeer();
                        router.customerHello(p, new CustomerIdentity("t" + base + "-" + i, null, Tier.REGULAR, List.of(), null, null, false, null), null);
                        if (i % 10 == 0) {
                            router.agentHello(new RecordingPeer(), new AgentIdentity("agent" + base + "-" + i, "A",
                                    AgentLevel.REGULAR, Set.of(), false), List.of(), true);
                        }
                        if (i % 7 == 0) {
                            router.customerGone(p);
                        }
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            RouterSnapshot s = router.snapshot().block(Duration.ofSeconds(10));
            assertThat(s.agents()).hasSize(20).allSatisfy(a -> assertThat(a.load()).as("agent %s", a.agentId()).isLessThanOrEqualTo(3));
            int assigned = s.agents().stream().mapToInt(RouterSnapshot.AgentFigures::load).sum();
            assertThat(assigned).as("every slot is used while shoppers wait").isEqualTo(60);
            assertThat(s.groups().get(0).waiting()).isEqualTo(200 - 60);
        } finally {
            router.close();
            scheduler.dispose();
        }
    }

    // ---------------------------------------------------------------- live configuration

    @Test
    void aStaleConfigVersionIsRefusedAndAnAcceptedOneIsAudited() {
        RoutingConfig next = RouterFixture.config(j -> j.with("tierWeights").put("new", 120));
        ConfigUpdate ok = fx.router.updateConfig(1, next, "ops-alice").block(Duration.ofSeconds(1));
        assertThat(ok.applied()).isTrue();
        assertThat(ok.current().version()).isEqualTo(2);
        ConfigUpdate stale = fx.router.updateConfig(1, RoutingConfig.defaults(), "ops-bob").block(Duration.ofSeconds(1));
        assertThat(stale.applied()).isFalse();
        assertThat(stale.current().version()).isEqualTo(2);
        var audit = fx.router.audit(10).block(Duration.ofSeconds(1));
        assertThat(audit).singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo("ops-alice");
            assertThat(e.fromVersion()).isEqualTo(1);
            assertThat(e.toVersion()).isEqualTo(2);
            assertThat(e.changes()).singleElement().asString().contains("tierWeights").contains("80.0").contains("120.0");
        });
    }

    @Test
    void aWeightChangeReordersTheWaitingQueueLiveWithoutTouchingAssignedChats() {
        restart(RouterFixture.capacity(1));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        RecordingPeer assigned = fx.customer("first", Tier.REGULAR);
        RecordingPeer reg = fx.customer("reg", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(1));
        RecordingPeer newbie = fx.customer("newbie", Tier.NEW);
        assertThat(newbie.last(ServerMessage.Queued.class).position()).isEqualTo(2);
        RoutingConfig favourNew = RouterFixture.config(j -> {
            j.with("tierWeights").put("new", 500);
            j.with("capacity").put("regular", 1); // keep the capacity: only the order may change
        });
        assertThat(fx.router.updateConfig(1, favourNew, "ops").block(Duration.ofSeconds(1)).applied()).isTrue();
        fx.advance(Duration.ofSeconds(1)); // places are re-sent at most once a second
        assertThat(newbie.last(ServerMessage.Queued.class).position()).isEqualTo(1);
        assertThat(reg.last(ServerMessage.Queued.class).position()).isEqualTo(2);
        assertThat(fx.store.chat(chatId(assigned)).orElseThrow().agentId()).isEqualTo("a");
        send(a, new ClientMessage.Close(null, chatId(assigned)));
        assertThat(a.all(ServerMessage.Assigned.class).get(1).chatId()).as("served in the new order").isEqualTo(chatId(newbie));
    }

    @Test
    void aCapacityChangeAppliesToConnectedAgentsAtOnce() {
        restart(RouterFixture.capacity(1));
        RecordingPeer a = fx.agent("a", AgentLevel.REGULAR);
        fx.customer("u1", Tier.REGULAR);
        fx.customer("u2", Tier.REGULAR);
        assertThat(assignedChats(a)).hasSize(1);
        fx.router.updateConfig(1, RouterFixture.capacity(2), "ops").block(Duration.ofSeconds(1));
        fx.time.advanceTime();
        assertThat(assignedChats(a)).hasSize(2);
    }

    @Test
    void aDryRunShowsTheNewOrderAndChangesNothing() {
        fx.customer("reg", Tier.REGULAR);
        fx.advance(Duration.ofSeconds(1));
        RecordingPeer newbie = fx.customer("newbie", Tier.NEW);
        RouterSnapshot before = fx.router.snapshot().block(Duration.ofSeconds(1));
        RoutingConfig favourNew = RouterFixture.config(j -> j.with("tierWeights").put("new", 500));
        DryRunResult dry = fx.router.dryRun(favourNew).block(Duration.ofSeconds(1));
        assertThat(dry.order()).extracting(DryRunResult.Entry::chatId).first().isEqualTo(chatId(newbie));
        assertThat(dry.order().get(0).currentPosition()).isEqualTo(2);
        assertThat(dry.order().get(0).proposedPosition()).isEqualTo(1);
        assertThat(dry.proposed()).filteredOn(t -> t.tier().equals("new")).singleElement()
                .satisfies(t -> assertThat(t.waiting()).isEqualTo(1));
        RouterSnapshot after = fx.router.snapshot().block(Duration.ofSeconds(1));
        assertThat(after).isEqualTo(before);
        assertThat(fx.store.position(chatId(newbie))).isEqualTo(2);
        assertThat(fx.router.config().block(Duration.ofSeconds(1)).version()).isEqualTo(1);
    }
}
