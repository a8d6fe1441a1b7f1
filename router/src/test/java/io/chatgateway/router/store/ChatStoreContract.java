package io.chatgateway.router.store;

import io.chatgateway.router.QaReview;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What every {@link ChatStore} must do; run against the memory store and against a real Redis. */
abstract class ChatStoreContract {

    abstract ChatStore store();

    static ChatRecord waiting(String id, String customer, Tier tier, long queuedAt, double rank) {
        return new ChatRecord(id, customer, null, tier, List.of(), "general", "en", queuedAt, rank, ChatState.WAITING, null, null);
    }

    static AgentRecord agent(String id, int capacity) {
        return new AgentRecord(id, "Agent " + id, AgentLevel.REGULAR, Set.of("general"), Set.of(), false, AgentStatus.ONLINE,
                true, false, capacity, 0, 0);
    }

    @Test
    void stepsNotWaitedForDoWhatTheBlockingOnesDo() {
        ChatStore store = store();
        assertThat(store.openChatOfAsync("u1").toCompletableFuture().join()).isEmpty();
        store.createWaitingChatAsync(waiting("c1", "u1", Tier.REGULAR, 1, 1)).toCompletableFuture().join();
        assertThat(store.openChatOfAsync("u1").toCompletableFuture().join()).map(ChatRecord::chatId).contains("c1");
        assertThat(store.waiting("general", Tier.REGULAR, 10)).extracting(ChatRecord::chatId).containsExactly("c1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.createWaitingChatAsync(waiting("c1", "u1", Tier.REGULAR, 1, 1))
                .toCompletableFuture().join()).hasCauseInstanceOf(IllegalArgumentException.class);

        List<Long> inLogOrder = new java.util.concurrent.CopyOnWriteArrayList<>();
        ServerMessage.Script greeting = store.appendAsync("c1", seq -> new ServerMessage.Script("c1", seq, "greeting", "Hello"),
                (e, json, agentId) -> inLogOrder.add(e.seq())).toCompletableFuture().join();
        assertThat(greeting.seq()).isEqualTo(1);
        assertThat(inLogOrder).as("the event was handed over in log order before the step completed").containsExactly(1L);
        assertThat(store.eventsAfter("c1", 0)).containsExactly(greeting);
    }

    @Test
    void queuesOrderByRankThenAge() {
        ChatStore s = store();
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1000, 100));
        s.createWaitingChat(waiting("c2", "u2", Tier.VIP, 2000, 300));
        s.createWaitingChat(waiting("c3", "u3", Tier.REGULAR, 3000, 100));
        assertThat(s.waiting("general", 10)).extracting(ChatRecord::chatId).containsExactly("c2", "c1", "c3");
        assertThat(s.position("c3")).isEqualTo(3);
        assertThat(s.position("c2")).isEqualTo(1);
        assertThat(s.queueDepths().get("general").get(Tier.REGULAR)).isEqualTo(2);
        assertThat(s.openChatOf("u3").orElseThrow().chatId()).isEqualTo("c3");
    }

    @Test
    void agentsReadByIdAreThoseThatExistAsTheyAreNow() {
        ChatStore store = store();
        store.upsertAgent(agent("a", 2));
        store.upsertAgent(agent("b", 3));
        store.upsertAgent(agent("c", 4));
        store.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 1));
        assertThat(store.tryAssign("c1", "c")).isEqualTo(AssignOutcome.DONE);
        assertThat(store.agents(List.of("c", "a", "nobody"))).containsExactlyInAnyOrder(store.agent("a").orElseThrow(), store.agent("c").orElseThrow())
                .anySatisfy(r -> assertThat(r.load()).isEqualTo(1));
        assertThat(store.agents(List.of())).isEmpty();
    }

    @Test
    void everyAgentIsReadHoweverManyThereAre() {
        ChatStore store = store();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 250; i++) { // a shared store reads them in parts
            ids.add(String.format("a%03d", i));
            store.upsertAgent(agent(ids.get(i), 1 + i % 5));
        }
        assertThat(store.agents()).extracting(AgentRecord::agentId).containsExactlyElementsOf(ids);
        assertThat(store.agents(ids.subList(90, 210))).extracting(AgentRecord::capacity).hasSize(120).contains(1, 5);
        store.updateAgent("a007", r -> r.withStatus(AgentStatus.AWAY)); // capacity 3, not counted
        ChatStore.GroupLoad load = store.groupLoad("general");
        assertThat(List.of(load.slots(), load.free(), load.online())).containsExactly(747, 747, 249);
        assertThat(load.of(List.of(AgentLevel.REGULAR))).isEqualTo(new ChatStore.GroupLoad.Load(747, 747, 249));
    }

    @Test
    void agentsWithRoomShowEachAgentAsTheyAreNowAcrossLoadStatusAndGroupChanges() {
        ChatStore s = store();
        s.upsertAgent(new AgentRecord("a", "Ann \u00e9 | 李", AgentLevel.SENIOR, Set.of("general", "vip"), Set.of("complaints"), true,
                AgentStatus.ONLINE, true, true, 2, 0, 0));
        for (int i = 1; i <= 3; i++) {
            s.createWaitingChat(waiting("c" + i, "u" + i, Tier.REGULAR, i, 10 - i));
        }
        assertThat(s.agentsWithRoom("general")).singleElement().isEqualTo(s.agent("a").orElseThrow())
                .satisfies(a -> assertThat(a.name()).isEqualTo("Ann \u00e9 | 李"))
                .satisfies(a -> assertThat(a.skills()).containsExactly("complaints"));
        assertThat(s.tryAssign("c1", "a")).isEqualTo(AssignOutcome.DONE);
        assertThat(s.agentsWithRoom("vip")).as("the load a decision reads is the load now")
                .singleElement().satisfies(a -> assertThat(a.load()).isEqualTo(1));
        assertThat(s.tryAssign("c2", "a")).isEqualTo(AssignOutcome.DONE);
        assertThat(s.agentsWithRoom("general")).as("full").isEmpty();
        s.close("c1", "agent");
        assertThat(s.agentsWithRoom("general")).as("room again after a close").singleElement()
                .satisfies(a -> assertThat(a.load()).isEqualTo(1));
        s.updateAgent("a", r -> r.withStatus(AgentStatus.AWAY));
        assertThat(s.agentsWithRoom("general")).as("away").isEmpty();
        s.updateAgent("a", r -> r.withStatus(AgentStatus.ONLINE));
        s.upsertAgent(new AgentRecord("a", "Ann", AgentLevel.SENIOR, Set.of("aftersales"), Set.of(), false,
                AgentStatus.ONLINE, true, true, 2, 0, 0));
        assertThat(s.agentsWithRoom("general")).as("left the group").isEmpty();
        assertThat(s.agentsWithRoom("vip")).as("left the group").isEmpty();
        assertThat(s.agentsWithRoom("aftersales")).singleElement().satisfies(a -> assertThat(a.load()).as("load kept").isEqualTo(1));
    }

    @Test
    void waitingIdsComeInTheQueuesOrderWithoutReadingRecords() {
        ChatStore s = store();
        // ids sort by creation, as the gateway makes them; equal ranks across tiers tie on age
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 5));
        s.createWaitingChat(waiting("c2", "u2", Tier.VIP, 2, 9));
        s.createWaitingChat(waiting("c3", "u3", Tier.NEW, 3, 5));
        s.createWaitingChat(waiting("c4", "u4", Tier.VIP, 4, 5));
        s.createWaitingChat(waiting("c5", "u5", Tier.REGULAR, 5, 7));
        List<String> byRecords = s.waiting("general", 10).stream().map(ChatRecord::chatId).toList();
        assertThat(byRecords).containsExactly("c2", "c5", "c1", "c3", "c4");
        assertThat(s.waitingIds("general", 10)).isEqualTo(byRecords);
        assertThat(s.waitingIds("general", 3)).containsExactly("c2", "c5", "c1");
        assertThat(s.waitingIds("nobody-here", 3)).isEmpty();
    }

    @Test
    void weightsAreKeptAndEachOfferMarksWhenTheAgentWasLastGivenAChat() {
        ChatStore s = store();
        s.upsertAgent(agent("a", 5).withWeight(150));
        s.upsertAgent(agent("b", 5));
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        s.createWaitingChat(waiting("c2", "u2", Tier.REGULAR, 2, 9));
        assertThat(s.agent("a").orElseThrow().weight()).isEqualTo(150);
        assertThat(s.agent("a").orElseThrow().lastTaken()).as("never given a chat").isZero();
        assertThat(s.tryOffer("c1", "b")).isEqualTo(AssignOutcome.DONE);
        assertThat(s.tryAssign("c2", "a")).isEqualTo(AssignOutcome.DONE);
        long b = s.agent("b").orElseThrow().lastTaken();
        long a = s.agent("a").orElseThrow().lastTaken();
        assertThat(b).isPositive();
        assertThat(a).as("given a chat after b").isGreaterThan(b);
        s.upsertAgent(agent("a", 5)); // signs in again: the store's order of service stays
        assertThat(s.agent("a").orElseThrow().lastTaken()).isEqualTo(a);
        assertThat(s.updateAgent("b", r -> r.withWeight(40)).orElseThrow().weight()).isEqualTo(40);
        assertThat(s.agentsWithRoom("general")).extracting(AgentRecord::agentId, AgentRecord::weight)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("a", 100), org.assertj.core.groups.Tuple.tuple("b", 40));
    }

    @Test
    void theFirstPromisedWaitIsKeptWithTheChat() {
        ChatStore s = store();
        s.upsertAgent(agent("a", 1));
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        assertThat(s.chat("c1").orElseThrow().promisedEtaSeconds()).as("none yet").isEqualTo(-1);
        s.notePromise("c1", 120);
        s.notePromise("c1", 30); // a later estimate is not the promise
        assertThat(s.chat("c1").orElseThrow().promisedEtaSeconds()).isEqualTo(120);
        assertThat(s.tryOffer("c1", "a")).isEqualTo(AssignOutcome.DONE);
        assertThat(s.acceptOffer("c1", "a").orElseThrow().promisedEtaSeconds()).as("kept through the assignment").isEqualTo(120);
        s.notePromise("gone", 10);
        assertThat(s.chat("gone")).as("no record made up for an unknown chat").isEmpty();
    }

    @Test
    void etaErrorsAreKeptPerGroupAndTierNewestFirstUpToTheWindow() {
        ChatStore s = store();
        assertThat(s.etaErrors("general", "regular")).isEmpty();
        for (int i = 1; i <= ChatStore.ETA_ERRORS_KEPT + 5; i++) {
            s.noteEtaError("general", "regular", i - 200);
        }
        s.noteEtaError("general", "vip", 42);
        s.noteEtaError("after-sales|x", "regular", -7); // a group name with the separator in it stays its own
        List<Long> regular = s.etaErrors("general", "regular");
        assertThat(regular).as("the oldest go first").hasSize(ChatStore.ETA_ERRORS_KEPT);
        assertThat(regular.get(0)).as("newest first").isEqualTo(ChatStore.ETA_ERRORS_KEPT + 5 - 200L);
        assertThat(regular.get(regular.size() - 1)).isEqualTo(6 - 200L);
        assertThat(s.etaErrors("general", "vip")).containsExactly(42L);
        assertThat(s.etaErrors("after-sales|x", "regular")).containsExactly(-7L);
        assertThat(s.etaErrors("after-sales", "regular")).isEmpty();
    }

    @Test
    void offersReserveCapacityAndNeverExceedIt() {
        ChatStore s = store();
        s.upsertAgent(agent("a", 1));
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        s.createWaitingChat(waiting("c2", "u2", Tier.REGULAR, 2, 9));
        assertThat(s.agentsWithRoom("general")).extracting(AgentRecord::agentId).containsExactly("a");
        assertThat(s.tryOffer("c1", "a")).isEqualTo(AssignOutcome.DONE);
        assertThat(s.tryOffer("c2", "a")).isEqualTo(AssignOutcome.AGENT_FULL);
        assertThat(s.tryOffer("c1", "a")).isEqualTo(AssignOutcome.CHAT_NOT_WAITING);
        assertThat(s.agentsWithRoom("general")).isEmpty();
        ChatStore.GroupLoad load = s.groupLoad("general");
        assertThat(List.of(load.slots(), load.free(), load.online())).containsExactly(1, 0, 1);
        assertThat(load.of(List.of(AgentLevel.REGULAR))).isEqualTo(new ChatStore.GroupLoad.Load(1, 0, 1));
        assertThat(load.of(List.of(AgentLevel.SENIOR, AgentLevel.TRAINEE))).as("no senior or trainee online").isEqualTo(ChatStore.GroupLoad.Load.NONE);
        assertThat(s.acceptOffer("c1", "someone-else")).isEmpty();
        assertThat(s.acceptOffer("c1", "a").orElseThrow().state()).isEqualTo(ChatState.ASSIGNED);
        assertThat(s.chatsOf("a")).extracting(ChatRecord::chatId).containsExactly("c1");
        assertThat(s.agent("a").orElseThrow().load()).isEqualTo(1);
    }

    @Test
    void aWithdrawnOfferGoesBackToItsPlace() {
        ChatStore s = store();
        s.upsertAgent(agent("a", 2));
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        s.createWaitingChat(waiting("c2", "u2", Tier.REGULAR, 2, 9));
        s.tryOffer("c1", "a");
        assertThat(s.withdrawOffer("c1", "a").orElseThrow().state()).isEqualTo(ChatState.WAITING);
        assertThat(s.position("c1")).isEqualTo(1);
        assertThat(s.agent("a").orElseThrow().load()).isZero();
        assertThat(s.withdrawOffer("c1", "a")).isEmpty();
    }

    @Test
    void transfersReachAgentsTakingTransfersOnlyAndStopAtCapacityPlusTheAllowance() {
        ChatStore s = store();
        s.upsertAgent(agent("a", 5));
        s.upsertAgent(agent("b", 1).withStatus(AgentStatus.TRANSFERS_ONLY));
        s.upsertAgent(agent("c", 5).withStatus(AgentStatus.SUSPENDED, "lunch"));
        for (int i = 1; i <= 4; i++) {
            s.createWaitingChat(waiting("c" + i, "u" + i, Tier.REGULAR, i, 10 - i));
            assertThat(s.tryAssign("c" + i, "a")).isEqualTo(AssignOutcome.DONE);
        }
        assertThat(s.agentsWithRoom("general")).as("taking transfers only: no new chats").extracting(AgentRecord::agentId)
                .containsExactly("a");
        assertThat(s.transfer("c1", "a", "c", false, 2)).as("suspended: no transfers").isEmpty();
        assertThat(s.agent("c").orElseThrow().statusReason()).isEqualTo("lunch");
        assertThat(s.transfer("c1", "a", "b", false, 2)).isPresent();
        assertThat(s.transfer("c2", "a", "b", false, 2)).as("one over capacity").isPresent();
        assertThat(s.transfer("c3", "a", "b", false, 2)).as("two over").isPresent();
        assertThat(s.transfer("c4", "a", "b", false, 2)).as("past the allowance").isEmpty();
        assertThat(s.agent("b").orElseThrow().load()).isEqualTo(3);
        assertThat(s.agent("a").orElseThrow().load()).isEqualTo(1);
    }

    @Test
    void requeueTransferAndCloseKeepLoadsExact() {
        ChatStore s = store();
        s.upsertAgent(agent("a", 2));
        s.upsertAgent(agent("b", 1));
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        s.createWaitingChat(waiting("c2", "u2", Tier.REGULAR, 2, 9));
        s.tryAssign("c1", "a");
        s.tryAssign("c2", "a");
        assertThat(s.transfer("c1", "a", "b", false, 0)).isPresent();
        assertThat(s.transfer("c2", "a", "b", false, 0)).as("b is full").isEmpty();
        assertThat(s.transfer("c2", "a", "b", true, 1)).as("a take-over within the allowance above capacity").isPresent();
        assertThat(s.agent("a").orElseThrow().load()).isZero();
        assertThat(s.agent("b").orElseThrow().load()).isEqualTo(2);
        assertThat(s.requeue("c1", "after-sales").orElseThrow().group()).isEqualTo("after-sales");
        assertThat(s.waiting("after-sales", 5)).extracting(ChatRecord::chatId).containsExactly("c1");
        ChatStore.Closed closed = s.close("c2", "agent").orElseThrow();
        assertThat(closed.was()).isEqualTo(ChatState.ASSIGNED);
        assertThat(closed.chat()).isEqualTo(s.chat("c2").orElseThrow()).satisfies(c -> {
            assertThat(c.state()).isEqualTo(ChatState.CLOSED);
            assertThat(c.closeReason()).isEqualTo("agent");
            assertThat(c.agentId()).as("its agent stays on the record").isEqualTo("b");
        });
        assertThat(s.close("c2", "agent")).as("a close happens once").isEmpty();
        assertThat(s.agent("b").orElseThrow().load()).isZero();
        assertThat(s.openChatOf("u2")).isEmpty();
        assertThat(s.close("c1", "customer").orElseThrow().was()).isEqualTo(ChatState.WAITING);
        assertThat(s.waiting("after-sales", 5)).isEmpty();
        s.createWaitingChat(waiting("c3", "u3", Tier.REGULAR, 3, 8));
        assertThat(s.tryOffer("c3", "a")).isEqualTo(AssignOutcome.DONE);
        assertThat(s.close("c3", "customer").orElseThrow()).satisfies(c -> {
            assertThat(c.was()).isEqualTo(ChatState.OFFERED);
            assertThat(c.chat().agentId()).isEqualTo("a");
        });
        assertThat(s.agent("a").orElseThrow().load()).as("the offer's reserved slot is free again").isZero();
        assertThat(s.close("nope", "agent")).isEmpty();
    }

    @Test
    void agentUpdatesKeepLoadAndFixTheRoomIndex() {
        ChatStore s = store();
        s.upsertAgent(agent("a", 1));
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        s.tryAssign("c1", "a");
        assertThat(s.updateAgent("a", r -> r.withCapacity(3)).orElseThrow().load()).isEqualTo(1);
        assertThat(s.agentsWithRoom("general")).extracting(AgentRecord::agentId).containsExactly("a");
        s.updateAgent("a", r -> r.withStatus(AgentStatus.AWAY));
        assertThat(s.agentsWithRoom("general")).isEmpty();
        assertThat(s.upsertAgent(agent("a", 3)).load()).as("a reconnect keeps the load").isEqualTo(1);
        assertThat(s.updateAgent("nobody", r -> r)).isEmpty();
    }

    @Test
    void theLogNumbersEventsWithoutGaps() {
        ChatStore s = store();
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        for (int i = 0; i < 5; i++) {
            int n = i;
            s.append("c1", seq -> new ServerMessage.ChatText("c1", seq, "customer", "m" + n, 1L));
        }
        assertThat(s.lastSeq("c1")).isEqualTo(5);
        assertThat(s.eventsAfter("c1", 3)).extracting(ServerMessage.ChatEvent::seq).containsExactly(4L, 5L);
        assertThat(((ServerMessage.ChatText) s.eventsAfter("c1", 4).get(0)).text()).isEqualTo("m4");
    }

    @Test
    void editedScriptsAreVersioned() {
        ChatStore s = store();
        assertThat(s.scripts().version()).isZero();
        assertThat(s.replaceScripts(0, java.util.Map.of("greeting", java.util.Map.of("en", "Hi from {shop}")))).isTrue();
        assertThat(s.replaceScripts(0, java.util.Map.of())).as("stale").isFalse();
        assertThat(s.scripts().version()).isEqualTo(1);
        assertThat(s.scripts().edited().get("greeting").get("en")).isEqualTo("Hi from {shop}");
    }

    @Test
    void ownershipConfigAuditCsatAndQa() {
        ChatStore s = store();
        s.claimOwnership("u1", "a", System.currentTimeMillis() + 60_000);
        s.claimOwnership("u1", "b", System.currentTimeMillis() + 60_000);
        assertThat(s.ownerOf("u1", System.currentTimeMillis())).contains("a");
        long v = s.config().version();
        RoutingConfig next = RoutingConfig.fromJson(RoutingConfig.defaults().toJson().put("qaSampleRate", 0.5));
        AuditEntry entry = new AuditEntry("alice", 1L, v, v + 1, List.of("qaSampleRate: 0.2 -> 0.5"));
        assertThat(s.replaceConfig(v, next, entry)).isPresent();
        assertThat(s.replaceConfig(v, next, entry)).as("stale").isEmpty();
        assertThat(s.config().config().qaSampleRate()).isEqualTo(0.5);
        assertThat(s.audit(5)).containsExactly(entry);
        s.createWaitingChat(waiting("c9", "u9", Tier.NEW, 1, 1));
        s.saveCsat("c9", 4, "ok");
        assertThat(s.csat("c9").orElseThrow().score()).isEqualTo(4);
        QaReview.QaSample q = new QaReview.QaSample("c9", "a", "new", "general", 5L, "agent",
                List.of(new QaReview.QaSample.Line("customer", 1L, "hi")));
        s.addQaSample(q);
        assertThat(s.qaSamples(5)).containsExactly(q);
    }

    @Test
    void aResentClientFrameIsAppendedOnce() {
        ChatStore s = store();
        s.createWaitingChat(waiting("c1", "u1", Tier.NEW, 1, 1));
        s.createWaitingChat(waiting("c2", "u2", Tier.NEW, 1, 1));
        java.util.function.LongFunction<ServerMessage.ChatText> hi = seq -> new ServerMessage.ChatText("c1", seq, "customer", "hi", 5);
        assertThat(s.appendOnce("c1", "c:m1", hi)).contains(new ServerMessage.ChatText("c1", 1, "customer", "hi", 5));
        assertThat(s.appendOnce("c1", "c:m1", hi)).as("a resend").isEmpty();
        assertThat(s.appendOnce("c2", "c:m1", seq -> new ServerMessage.ChatText("c2", seq, "customer", "hi", 5))).as("another chat")
                .isPresent();
        for (int i = 0; i < 64; i++) {
            s.appendOnce("c1", "c:x" + i, hi);
        }
        assertThat(s.lastSeq("c1")).isEqualTo(65);
        assertThat(s.appendOnce("c1", "c:m1", hi)).as("only the last 64 keys are kept").isPresent();
    }

    @Test
    void timersKeepTheEarlierDeadlineAndAreClaimedOnce() {
        ChatStore s = store();
        s.armTimer("care|c1", 5_000);
        s.armTimer("care|c1", 9_000); // later: the earlier stays
        s.armTimer("esc|c2", 3_000);
        s.armTimer("offer|c3|a", 7_000);
        s.armTimer("offer|c3|a", 4_000); // earlier: moves
        s.armTimer("grace|a", 20_000);
        s.disarmTimer("grace|a");
        s.armTimer("esc|c4", 1_000);
        s.disarmTimer("esc|c4"); // a step re-armed later (Escalation): the disarm lands before the new deadline
        s.armTimer("esc|c4", 50_000);
        assertThat(s.claimDueTimers(2_000, 10)).isEmpty();
        assertThat(s.claimDueTimers(5_000, 10)).containsExactly("esc|c2", "offer|c3|a", "care|c1");
        assertThat(s.claimDueTimers(60_000, 10)).as("claimed deadlines are gone; the disarmed one never fires").containsExactly("esc|c4");
    }

    @Test
    void careStateIsReplacedOnlyFromTheVersionRead() {
        ChatStore s = store();
        long none = ChatStore.Care.NONE;
        s.putCare("c1", new ChatStore.Care(0, 100, 100, false, none, false));
        ChatStore.Care read = s.care("c1").orElseThrow();
        assertThat(read).isEqualTo(new ChatStore.Care(0, 100, 100, false, none, false));
        assertThat(s.replaceCare("c1", 0, new ChatStore.Care(0, 200, none, false, none, true))).isTrue();
        assertThat(s.replaceCare("c1", 0, new ChatStore.Care(0, 300, none, true, none, true))).as("stale version").isFalse();
        assertThat(s.care("c1").orElseThrow()).isEqualTo(new ChatStore.Care(1, 200, none, false, none, true));
        s.dropCare("c1");
        assertThat(s.care("c1")).isEmpty();
        assertThat(s.replaceCare("c1", 1, read)).as("gone").isFalse();
    }

    /** ChatStore.say without waiting: the result as its callback gets it (at once, or on the store's thread). */
    static <E extends ServerMessage.ChatEvent> ChatStore.Spoken<E> say(ChatStore s, String chatId, String byAgent, String clientKey,
                                                                       long now, String timer, long nudgeAfter,
                                                                       java.util.function.LongFunction<E> event) {
        java.util.concurrent.CompletableFuture<ChatStore.Spoken<E>> result = new java.util.concurrent.CompletableFuture<>();
        s.say(chatId, byAgent, clientKey, now, timer, nudgeAfter, event, said -> { }, result::complete);
        return result.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join();
    }

    /**
     * Frames are sent from the in-log-order callbacks, from whichever thread took the step: they
     * must see one chat's events in seq order (1, 2, 3 … once each) while messages from two threads
     * and the worker's appends race; and every appended event is in the log.
     */
    @Test
    void inLogOrderCallbacksSeeEachChatsEventsInSeqOrderWhicheverThreadIssuedThem() throws Exception {
        ChatStore s = store();
        s.createWaitingChat(waiting("c1", "u1", Tier.NEW, 1, 1));
        s.append("c1", seq -> new ServerMessage.Assigned("c1", seq, new ServerMessage.AgentInfo("ann", "Ann"), null));
        java.util.List<Long> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        int perThread = 200;
        java.util.concurrent.CountDownLatch said = new java.util.concurrent.CountDownLatch(2 * perThread);
        Runnable shopper = () -> {
            for (int i = 0; i < perThread; i++) {
                s.say("c1", null, "c:s" + i, 10, null, 60_000, seq -> new ServerMessage.ChatText("c1", seq, "customer", "hi", 10),
                        x -> order.add(x.event().seq()), x -> said.countDown());
            }
        };
        Runnable agent = () -> {
            for (int i = 0; i < perThread; i++) {
                s.say("c1", "ann", "a:s" + i, 10, null, 60_000, seq -> new ServerMessage.ChatText("c1", seq, "agent", "ok", 10),
                        x -> order.add(x.event().seq()), x -> said.countDown());
            }
        };
        Thread a = new Thread(shopper);
        Thread b = new Thread(agent);
        a.start();
        b.start();
        for (int i = 0; i < 50; i++) { // the worker's own appends race with both
            s.append("c1", seq -> new ServerMessage.Script("c1", seq, "note", "n"), (e, json, holder) -> order.add(e.seq()));
        }
        a.join();
        b.join();
        assertThat(said.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("every message answered").isTrue();
        java.util.List<Long> expected = java.util.stream.LongStream.rangeClosed(2, 2 + 2 * perThread + 50 - 1).boxed().toList();
        assertThat(order).as("seen in seq order, each once").containsExactlyElementsOf(expected);
        assertThat(s.lastSeq("c1")).isEqualTo(1 + 2 * perThread + 50);
    }

    @Test
    void anAppendTellsWhichAgentTheChatsLogGivesItToRightAfterTheEvent() {
        ChatStore s = store();
        s.createWaitingChat(waiting("c1", "u1", Tier.NEW, 1, 1));
        java.util.List<String> holders = new java.util.ArrayList<>();
        ChatStore.Appended<ServerMessage.ChatEvent> note = (e, json, agent) -> holders.add(e.seq() + ":" + agent);
        s.append("c1", seq -> new ServerMessage.Script("c1", seq, "greeting", "hello"), note::accept);
        s.append("c1", seq -> new ServerMessage.Assigned("c1", seq, new ServerMessage.AgentInfo("ann", "Ann"), null), note::accept);
        s.append("c1", seq -> new ServerMessage.Script("c1", seq, "queued", "you are next"), note::accept); // another lane, late
        s.append("c1", seq -> new ServerMessage.Transferred("c1", seq, "group:aftersales", "ann", "over to you"), note::accept);
        s.append("c1", seq -> new ServerMessage.Assigned("c1", seq, new ServerMessage.AgentInfo("bob", "Bob"), null), note::accept);
        s.append("c1", seq -> new ServerMessage.Closed("c1", seq, "agent"), note::accept);
        assertThat(holders).as("the agent after each event, in the same step (a late script still reaches the agent who has the chat)")
                .containsExactly("1:null", "2:ann", "3:ann", "4:null", "5:bob", "6:null");
    }

    @Test
    void aChatMessageIsAppendedOnceAndMovesTheCareStateInTheSameStep() {
        ChatStore s = store();
        long none = ChatStore.Care.NONE;
        s.createWaitingChat(waiting("c1", "u1", Tier.NEW, 1, 1));
        java.util.function.LongFunction<ServerMessage.ChatText> hi = seq -> new ServerMessage.ChatText("c1", seq, "customer", "hi", 5);
        var unassigned = say(s, "c1", null, "c:m0", 100, "care|c1", 60_000, hi);
        assertThat(unassigned.outcome()).isEqualTo(ChatStore.Spoken.Outcome.SAID);
        assertThat(unassigned.agentId()).as("nobody reads a waiting chat").isNull();
        assertThat(unassigned.careBefore()).as("no care state before an assignment").isNull();
        assertThat(s.care("c1")).isEmpty();

        s.append("c1", seq -> new ServerMessage.Assigned("c1", seq, new ServerMessage.AgentInfo("ann", "Ann"), null));
        s.putCare("c1", new ChatStore.Care(0, 1_000, none, false, 500_000, false)); // a silence prompt stands
        var said = say(s, "c1", null, "c:m1", 600_000, "care|c1", 60_000, hi);
        assertThat(said.event()).isEqualTo(new ServerMessage.ChatText("c1", 3, "customer", "hi", 5));
        assertThat(said.agentId()).as("the assigned agent reads it").isEqualTo("ann");
        assertThat(said.careBefore()).isEqualTo(new ChatStore.Care(0, 1_000, none, false, 500_000, false));
        assertThat(s.care("c1")).contains(new ChatStore.Care(1, 1_000, 600_000, false, none, false));
        assertThat(say(s, "c1", null, "c:m1", 605_000, "care|c1", 60_000, hi).outcome()).as("a resend changes nothing")
                .isEqualTo(ChatStore.Spoken.Outcome.RESENT);
        say(s, "c1", null, null, 610_000, "care|c1", 60_000, hi); // no client id: appended, already waiting since 600 s
        assertThat(s.care("c1")).contains(new ChatStore.Care(2, 1_000, 600_000, false, none, false));
        assertThat(s.claimDueTimers(659_999, 10)).isEmpty();
        assertThat(s.claimDueTimers(660_000, 10)).as("armed for the nudge").containsExactly("care|c1");

        var answer = say(s, "c1", "ann", "a:r1", 620_000, null, 0,
                seq -> new ServerMessage.ChatText("c1", seq, "agent", "hello", 6));
        assertThat(answer.careBefore().humanReplied()).as("the first human reply").isFalse();
        assertThat(s.care("c1")).contains(new ChatStore.Care(3, 620_000, none, false, none, true));
        assertThat(s.lastSeq("c1")).isEqualTo(5);
        assertThat(s.eventsAfter("c1", 3)).extracting(ServerMessage.ChatEvent::seq).containsExactly(4L, 5L);
    }

    @Test
    void anIdleChatFreesItsSlotOnceTheShoppersMessageReportsItAndItIsReleasedOnlyOnce() {
        ChatStore s = store();
        long none = ChatStore.Care.NONE;
        s.upsertAgent(agent("a", 2));
        s.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 10));
        s.createWaitingChat(waiting("c2", "u2", Tier.REGULAR, 2, 9));
        s.tryAssign("c1", "a");
        s.tryAssign("c2", "a");
        assertThat(s.agentsWithRoom("general")).isEmpty();
        assertThat(s.idle("c1", "someone-else")).isFalse();
        assertThat(s.idle("c1", "a")).isTrue();
        assertThat(s.idle("c1", "a")).as("once").isFalse();
        assertThat(s.agent("a").orElseThrow().load()).isEqualTo(1);
        assertThat(s.agentsWithRoom("general")).as("the slot is free for a new chat").extracting(AgentRecord::agentId).containsExactly("a");
        assertThat(s.wake("c1")).isTrue();
        assertThat(s.wake("c1")).as("once").isFalse();
        assertThat(s.agent("a").orElseThrow().load()).isEqualTo(2);
        assertThat(s.idle("c2", "a")).isTrue();
        assertThat(s.close("c2", "agent")).isPresent();
        assertThat(s.agent("a").orElseThrow().load()).as("an idle chat's close releases nothing more").isEqualTo(1);
        assertThat(s.wake("c2")).as("a closed chat").isFalse();
        assertThat(s.idle("c1", "a")).isTrue();
        assertThat(s.requeue("c1", null)).isPresent();
        assertThat(s.agent("a").orElseThrow().load()).isZero();

        // The care flag the message path reads: the shopper's message reports it and clears it; an agent's keeps it.
        s.createWaitingChat(waiting("c3", "u3", Tier.REGULAR, 3, 8));
        s.tryAssign("c3", "a");
        s.append("c3", seq -> new ServerMessage.Assigned("c3", seq, new ServerMessage.AgentInfo("a", "A"), null));
        s.putCare("c3", new ChatStore.Care(0, 1_000, none, false, none, true, true));
        var agentSaid = say(s, "c3", "a", null, 2_000, null, 0, seq -> new ServerMessage.ChatText("c3", seq, "agent", "still there?", 6));
        assertThat(agentSaid.outcome()).isEqualTo(ChatStore.Spoken.Outcome.SAID);
        assertThat(s.care("c3").orElseThrow().idle()).as("the agent writing does not wake it").isTrue();
        var back = say(s, "c3", null, "c:1", 3_000, "care|c3", 60_000, seq -> new ServerMessage.ChatText("c3", seq, "customer", "hi", 5));
        assertThat(back.careBefore().idle()).isTrue();
        assertThat(s.care("c3").orElseThrow().idle()).isFalse();
    }

    @Test
    void aCareDeadlineIsNeverLaterThanAWaitingShoppersNudge() {
        ChatStore s = store();
        long none = ChatStore.Care.NONE;
        java.util.function.LongFunction<ServerMessage.ChatText> hi = seq -> new ServerMessage.ChatText("c1", seq, "customer", "hi", 5);
        s.createWaitingChat(waiting("c1", "u1", Tier.NEW, 1, 1));
        s.append("c1", seq -> new ServerMessage.Assigned("c1", seq, new ServerMessage.AgentInfo("ann", "Ann"), null));
        s.putCare("c1", new ChatStore.Care(0, 1_000, none, false, none, true)); // the agent spoke last
        assertThat(s.armCare("c1", "care|c1", 901_000, 60_000)).as("nobody waits: the silence deadline").isEqualTo(901_000);

        say(s, "c1", null, "c:1", 100_000, "care|c1", 60_000, hi); // the shopper starts waiting
        assertThat(s.claimDueTimers(159_999, 10)).isEmpty();
        assertThat(s.claimDueTimers(160_000, 10)).as("the nudge, long before the silence deadline").containsExactly("care|c1");
        assertThat(s.armCare("c1", "care|c1", 901_000, 60_000)).as("a later deadline asked for while the shopper waits")
                .isEqualTo(160_000);
        say(s, "c1", null, "c:2", 120_000, "care|c1", 60_000, hi); // still waiting since 100 s
        assertThat(s.claimDueTimers(160_000, 10)).containsExactly("care|c1");
        assertThat(s.claimDueTimers(10_000_000, 10)).as("one deadline at a time").isEmpty();
    }

    @Test
    void whoWritesAndWhoReadsFollowTheChatsLog() {
        ChatStore s = store();
        java.util.function.LongFunction<ServerMessage.ChatText> agentSays = seq -> new ServerMessage.ChatText("c1", seq, "agent", "hi", 5);
        java.util.function.LongFunction<ServerMessage.ChatText> shopperSays = seq -> new ServerMessage.ChatText("c1", seq, "customer", "hi", 5);
        assertThat(say(s, "nope", null, null, 1, null, 0, shopperSays).outcome()).isEqualTo(ChatStore.Spoken.Outcome.UNKNOWN);
        s.createWaitingChat(waiting("c1", "u1", Tier.NEW, 1, 1));
        s.append("c1", seq -> new ServerMessage.Script("c1", seq, "greeting", "hello"));
        assertThat(say(s, "c1", "ann", null, 1, null, 0, agentSays).outcome()).as("nobody's chat yet")
                .isEqualTo(ChatStore.Spoken.Outcome.NOT_YOURS);

        s.append("c1", seq -> new ServerMessage.Assigned("c1", seq, new ServerMessage.AgentInfo("ann", "Ann"), null));
        assertThat(say(s, "c1", "ann", null, 1, null, 0, agentSays).outcome()).isEqualTo(ChatStore.Spoken.Outcome.SAID);
        assertThat(say(s, "c1", "bob", null, 1, null, 0, agentSays).outcome()).isEqualTo(ChatStore.Spoken.Outcome.NOT_YOURS);

        s.append("c1", seq -> new ServerMessage.Transferred("c1", seq, "bob", "ann", "over to you"));
        assertThat(say(s, "c1", null, null, 1, null, 0, shopperSays).agentId()).as("until the next assigned").isEqualTo("ann");
        s.append("c1", seq -> new ServerMessage.Assigned("c1", seq, new ServerMessage.AgentInfo("bob", "Bob"), null));
        assertThat(say(s, "c1", null, null, 1, null, 0, shopperSays).agentId()).isEqualTo("bob");
        assertThat(say(s, "c1", "ann", null, 1, null, 0, agentSays).outcome()).isEqualTo(ChatStore.Spoken.Outcome.NOT_YOURS);

        s.append("c1", seq -> new ServerMessage.Transferred("c1", seq, "group:returns", "bob", null));
        var back = say(s, "c1", null, null, 1, null, 0, shopperSays);
        assertThat(back.outcome()).isEqualTo(ChatStore.Spoken.Outcome.SAID);
        assertThat(back.agentId()).as("back in line: nobody reads").isNull();

        s.append("c1", seq -> new ServerMessage.Closed("c1", seq, "customer"));
        assertThat(say(s, "c1", null, null, 1, null, 0, shopperSays).outcome()).isEqualTo(ChatStore.Spoken.Outcome.CLOSED);
        assertThat(s.eventsAfter("c1", 0)).extracting(ServerMessage.ChatEvent::seq).as("refusals append nothing")
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void forcedOverflowIsKeptPerGroup() {
        ChatStore s = store();
        s.forceOverflow("sales", true);
        s.forceOverflow("returns", false);
        assertThat(s.forcedOverflow()).containsEntry("sales", true).containsEntry("returns", false).hasSize(2);
        s.forceOverflow("sales", null);
        assertThat(s.forcedOverflow()).containsOnlyKeys("returns");
    }
}
