package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.engine.Routers;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.MemoryChatStore;
import io.chatgateway.router.store.StoreUnavailableException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A router event that waits for the store without holding its lane (a new shopper's hello, whose
 * chat is stored by a network store): everything here runs on ONE lane, so every other
 * participant's event shares it. The store is the memory store, except that storing the chosen
 * shoppers' new chats is answered only when the test says (as a Redis reply still on its way: the
 * chat is stored, the answer has not come back).
 */
class EventsWaitingForTheStoreTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final MemoryChatStore memory = new MemoryChatStore(RouterFixture.capacity(5));
    /** "step:customer id" -> the answer to that step for that shopper's chat, given when the test completes it. */
    private final Map<String, CompletableFuture<Void>> answers = new ConcurrentHashMap<>();
    /** Steps asked for and held back, as "step:customer id". */
    private final Set<String> asked = ConcurrentHashMap.newKeySet();
    private final ChatStore store = (ChatStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ChatStore.class},
            (proxy, method, args) -> {
                Object done;
                try {
                    done = method.invoke(memory, args); // the step is taken now; only its answer may be held back
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
                String key = method.getName() + ":" + customerOf(args);
                CompletableFuture<Void> answer = answers.get(key);
                if (answer == null) {
                    return done;
                }
                asked.add(key);
                return answer.thenCompose(x -> (java.util.concurrent.CompletionStage<?>) done);
            });
    private final Scheduler lane = Schedulers.newParallel("one-lane", 1);
    /** A short abandon wait, so a departed shopper's chat is given up within the test. */
    private final Router router = Routers.create(RouterOptions.builder().workers(1).abandonAfter(Duration.ofMillis(200)).build(),
            store, lane);

    @AfterEach
    void stop() {
        router.close();
        lane.dispose();
    }

    private static org.awaitility.core.ConditionFactory soon(String what) {
        return await(what).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    private static CustomerIdentity shopper(String id) {
        return new CustomerIdentity(id, null, Tier.REGULAR, List.of(), null, "en", false, null);
    }

    /** The shopper a store step is about (a new chat's record, or a chat id first), if any. */
    private String customerOf(Object[] args) {
        if (args == null || args.length == 0) {
            return null;
        }
        if (args[0] instanceof ChatRecord c) {
            return c.customerId();
        }
        return args[0] instanceof String id ? memory.chat(id).map(ChatRecord::customerId).orElse(null) : null;
    }

    /** A shopper whose new chat's storing is answered when the returned future completes. */
    private CompletableFuture<Void> slowStore(String customerId) {
        return holdBack("createWaitingChatAsync", customerId);
    }

    /** The store's answer to {@code step} for the shopper's chat comes when the returned future completes. */
    private CompletableFuture<Void> holdBack(String step, String customerId) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        answers.put(step + ":" + customerId, answer);
        return answer;
    }

    private static boolean welcomed(RecordingPeer p) {
        return !p.all(ServerMessage.CustomerWelcome.class).isEmpty();
    }

    /** Runs on the lane after everything given to it before: the lane is not blocked. */
    private void laneRanEverythingBefore() {
        assertThat(router.snapshot().block(WAIT)).isNotNull();
    }

    @Test
    void aHelloWaitingForTheStoreLeavesTheLaneToOtherShoppers() {
        CompletableFuture<Void> answer = slowStore("slow");
        RecordingPeer slow = new RecordingPeer();
        router.customerHello(slow, shopper("slow"), null);
        RecordingPeer quick = new RecordingPeer();
        router.customerHello(quick, shopper("quick"), null);

        soon("the other shopper on the same lane is greeted").until(() -> !quick.all(ServerMessage.Script.class).isEmpty());
        assertThat(welcomed(slow)).as("welcomed before the store answered").isFalse();

        answer.complete(null);
        soon("the waiting shopper is greeted once the store answers").until(() -> !slow.all(ServerMessage.Script.class).isEmpty());
        soon("no agent: queued").until(() -> !slow.all(ServerMessage.Queued.class).isEmpty());
        assertThat(slow.all(ServerMessage.class).get(0)).isInstanceOf(ServerMessage.CustomerWelcome.class);
    }

    @Test
    void theShoppersOwnFramesWaitForTheirHelloAndKeepTheirOrder() {
        CompletableFuture<Void> answer = slowStore("slow");
        RecordingPeer slow = new RecordingPeer();
        router.customerHello(slow, shopper("slow"), null);
        router.customerFrame(slow, new ClientMessage.SendText("m1", null, "first", false));
        router.customerFrame(slow, new ClientMessage.Typing(null, null));
        router.customerFrame(slow, new ClientMessage.SendText("m2", null, "second", false));
        laneRanEverythingBefore();
        assertThat(slow.all(ServerMessage.class)).as("nothing answered before the hello is done").isEmpty();

        answer.complete(null);
        soon("both messages stored").until(() -> slow.all(ServerMessage.ChatText.class).size() == 2);
        String chat = RouterFixture.chatId(slow);
        List<ServerMessage.ChatEvent> log = memory.eventsAfter(chat, 0);
        assertThat(log.get(0)).as("the greeting opens the chat: %s", log).isInstanceOf(ServerMessage.Script.class);
        assertThat(log.stream().filter(e -> e instanceof ServerMessage.ChatText).map(e -> ((ServerMessage.ChatText) e).text()))
                .as("the messages after it, in the order sent: %s", log).containsExactly("first", "second");
        assertThat(slow.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text).containsExactly("first", "second");
        assertThat(slow.all(ServerMessage.Error.class)).as("no frame refused for coming before the hello finished").isEmpty();
    }

    @Test
    void anAgentOnTheSameLaneWhoTakesTheChatMeanwhileDoesNotOvertakeTheWelcome() {
        CompletableFuture<Void> answer = slowStore("slow");
        RecordingPeer slow = new RecordingPeer();
        router.customerHello(slow, shopper("slow"), null);
        laneRanEverythingBefore(); // the chat is stored and waits; the hello waits for the store's answer
        RecordingPeer agent = new RecordingPeer();
        router.agentHello(agent, new AgentIdentity("a1", "Agent", AgentLevel.REGULAR, Set.of(), Set.of(), false), List.of(), true);
        soon("the agent, on the same lane, takes the waiting chat").until(() -> !agent.all(ServerMessage.Assigned.class).isEmpty());
        assertThat(slow.all(ServerMessage.class)).as("the shopper hears nothing before their welcome").isEmpty();

        answer.complete(null);
        soon("the shopper hears of their agent").until(() -> !slow.all(ServerMessage.Assigned.class).isEmpty()
                && !slow.all(ServerMessage.Script.class).isEmpty());
        List<ServerMessage> seen = slow.all(ServerMessage.class);
        assertThat(seen.get(0)).as("the welcome comes first: %s", seen).isInstanceOf(ServerMessage.CustomerWelcome.class);
        List<Long> seqs = slow.all(ServerMessage.ChatEvent.class).stream().map(ServerMessage.ChatEvent::seq).toList();
        assertThat(seqs).as("each event once, in seq order: %s", seen).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void settlingWaitsForAHelloWaitingForTheStore() {
        CompletableFuture<Void> answer = slowStore("slow");
        RecordingPeer slow = new RecordingPeer();
        router.customerHello(slow, shopper("slow"), null);
        CompletableFuture<Void> settled = router.settle().toFuture();
        laneRanEverythingBefore(); // the settle's mark on the lane has run too
        assertThat(settled).as("settled while a hello still waits for the store").isNotDone();

        answer.complete(null);
        soon("settled once the hello is done").until(settled::isDone);
        assertThat(welcomed(slow)).isTrue();
    }

    @Test
    void aStoreThatFailsTheStepTellsTheShopperAndTheLaneCarriesOn() {
        CompletableFuture<Void> answer = slowStore("slow");
        RecordingPeer slow = new RecordingPeer();
        router.customerHello(slow, shopper("slow"), null);
        answer.completeExceptionally(new StoreUnavailableException("Redis: connection lost", null));
        soon("the shopper is told").until(() -> !slow.all(ServerMessage.Error.class).isEmpty());
        assertThat(slow.last(ServerMessage.Error.class).code()).isEqualTo(ErrorCode.UNAVAILABLE.wire());

        RecordingPeer next = new RecordingPeer();
        router.customerHello(next, shopper("next"), null);
        soon("the next shopper is greeted").until(() -> !next.all(ServerMessage.Script.class).isEmpty());
    }

    @Test
    void aRoutingDecisionWaitingForTheOfferStepLeavesTheLaneToOthers() {
        RecordingPeer agent = new RecordingPeer();
        router.agentHello(agent, new AgentIdentity("a1", "Agent", AgentLevel.REGULAR, Set.of(), Set.of(), false), List.of(), false);
        soon("the agent is in").until(() -> !agent.all(ServerMessage.AgentWelcome.class).isEmpty());
        CompletableFuture<Void> answer = holdBack("tryOfferAsync", "slow");
        RecordingPeer slow = new RecordingPeer();
        router.customerHello(slow, shopper("slow"), null);
        soon("the offer step for the first shopper is taken").until(() -> asked.contains("tryOfferAsync:slow"));
        RecordingPeer quick = new RecordingPeer();
        router.customerHello(quick, shopper("quick"), null);

        soon("the second shopper, on the same lane, is offered meanwhile").until(() -> welcomed(quick)
                && RouterFixture.offeredChats(agent).contains(RouterFixture.chatId(quick)));
        assertThat(RouterFixture.offeredChats(agent)).as("not offered before the store answered").doesNotContain(RouterFixture.chatId(slow));
        assertThat(slow.all(ServerMessage.Script.class)).as("greeted before the decision").isNotEmpty();

        answer.complete(null);
        soon("the first shopper's chat is offered once the store answers").until(() -> RouterFixture.offeredChats(agent)
                .contains(RouterFixture.chatId(slow)));
    }

    @Test
    void anAgentLookingForAChatWaitsForTheAssignmentAndGetsTheWholeChat() {
        RecordingPeer shopper = new RecordingPeer();
        router.customerHello(shopper, shopper("s1"), null);
        soon("queued: nobody is in").until(() -> !shopper.all(ServerMessage.Queued.class).isEmpty());
        CompletableFuture<Void> answer = holdBack("tryAssignAsync", "s1");
        // The agent's hello looks for a chat and waits on its lane for the assignment step (a blocking caller);
        // the hand-over goes on from the store's answer, given here on the test's thread.
        RecordingPeer agent = new RecordingPeer();
        router.agentHello(agent, new AgentIdentity("a1", "Agent", AgentLevel.REGULAR, Set.of(), Set.of(), false), List.of(), true);
        soon("the assignment step is taken").until(() -> asked.contains("tryAssignAsync:s1"));

        answer.complete(null);
        soon("the agent gets the chat").until(() -> !agent.all(ServerMessage.Assigned.class).isEmpty());
        soon("the shopper hears of their agent").until(() -> !shopper.all(ServerMessage.Assigned.class).isEmpty());
        assertThat(agent.all(ServerMessage.Error.class)).isEmpty();
    }

    @Test
    void aShoppersCloseWaitingForTheStoreLeavesTheLaneAndTheirNextFrameWaitsForIt() {
        RecordingPeer shopper = new RecordingPeer();
        router.customerHello(shopper, shopper("s1"), null);
        soon("queued: nobody is in").until(() -> !shopper.all(ServerMessage.Queued.class).isEmpty());
        CompletableFuture<Void> answer = holdBack("closeAsync", "s1");
        router.customerFrame(shopper, new ClientMessage.Close("first", null));
        router.customerFrame(shopper, new ClientMessage.Close("second", null));
        soon("the close step is taken").until(() -> asked.contains("closeAsync:s1"));
        RecordingPeer other = new RecordingPeer();
        router.customerHello(other, shopper("s2"), null);
        soon("another shopper, on the same lane, is greeted meanwhile").until(() -> !other.all(ServerMessage.Script.class).isEmpty());
        assertThat(shopper.all(ServerMessage.Error.class)).as("the second close waits for the first").isEmpty();

        answer.complete(null);
        soon("the second close is answered").until(() -> !shopper.all(ServerMessage.Error.class).isEmpty());
        List<ServerMessage> seen = shopper.all(ServerMessage.class);
        assertThat(shopper.last(ServerMessage.Error.class).ref()).isEqualTo("second");
        assertThat(seen.indexOf(shopper.last(ServerMessage.Closed.class))).as("closed, then told it was closed already: %s", seen)
                .isLessThan(seen.indexOf(shopper.last(ServerMessage.Error.class)));
    }

    @Test
    void aDepartureWaitingForTheStoreLeavesTheLaneAndTheWaitIsStillGivenUp() {
        RecordingPeer shopper = new RecordingPeer();
        router.customerHello(shopper, shopper("s1"), null);
        soon("queued: nobody is in").until(() -> !shopper.all(ServerMessage.Queued.class).isEmpty());
        String chat = RouterFixture.chatId(shopper);
        CompletableFuture<Void> answer = holdBack("chatAsync", "s1");
        router.customerGone(shopper);
        soon("the departed shopper's chat is read").until(() -> asked.contains("chatAsync:s1"));
        RecordingPeer other = new RecordingPeer();
        router.customerHello(other, shopper("s2"), null);
        soon("another shopper, on the same lane, is greeted meanwhile").until(() -> !other.all(ServerMessage.Script.class).isEmpty());

        answer.complete(null);
        soon("the wait is given up once the shopper stayed away").until(() -> memory.chat(chat).map(c -> !c.isOpen()).orElse(false));
        assertThat(memory.chat(chat).orElseThrow().closeReason()).isEqualTo("abandoned");
    }

    @Test
    void anAgentsNextChatAfterACloseIsFoundWithoutHoldingTheLane() {
        RecordingPeer agent = new RecordingPeer();
        router.agentHello(agent, new AgentIdentity("a1", "Agent", AgentLevel.REGULAR, Set.of(), Set.of(), false), List.of(), true);
        soon("the agent is in").until(() -> !agent.all(ServerMessage.AgentWelcome.class).isEmpty());
        List<RecordingPeer> shoppers = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) { // capacity 5: the sixth waits
            RecordingPeer s = new RecordingPeer();
            router.customerHello(s, shopper("s" + i), null);
            shoppers.add(s);
        }
        RecordingPeer sixth = shoppers.get(5);
        soon("five assigned, the sixth queued").until(() -> !sixth.all(ServerMessage.Queued.class).isEmpty()
                && shoppers.subList(0, 5).stream().allMatch(s -> !s.all(ServerMessage.Assigned.class).isEmpty()));
        CompletableFuture<Void> answer = holdBack("waitingAsync", null); // every queue read
        router.customerFrame(shoppers.get(0), new ClientMessage.Close("bye", null));
        soon("the freed agent's queue is read").until(() -> asked.contains("waitingAsync:null"));
        laneRanEverythingBefore(); // an admin call on the same lane is answered meanwhile

        answer.complete(null);
        soon("the waiting shopper gets the freed agent").until(() -> !sixth.all(ServerMessage.Assigned.class).isEmpty());
    }
}
