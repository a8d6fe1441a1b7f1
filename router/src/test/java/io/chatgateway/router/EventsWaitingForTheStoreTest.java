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
    /** Customer id -> the answer to storing their new chat, completed by the test. */
    private final Map<String, CompletableFuture<Void>> answers = new ConcurrentHashMap<>();
    private final ChatStore store = (ChatStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ChatStore.class},
            (proxy, method, args) -> {
                if (method.getName().equals("createWaitingChatAsync") && answers.containsKey(((ChatRecord) args[0]).customerId())) {
                    memory.createWaitingChat((ChatRecord) args[0]);
                    return answers.get(((ChatRecord) args[0]).customerId());
                }
                try {
                    return method.invoke(memory, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final Scheduler lane = Schedulers.newParallel("one-lane", 1);
    private final Router router = Routers.create(RouterOptions.builder().workers(1).build(), store, lane);

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

    /** A shopper whose new chat's storing is answered when the returned future completes. */
    private CompletableFuture<Void> slowStore(String customerId) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        answers.put(customerId, answer);
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
        assertThat(slow.all(ServerMessage.class).get(0)).isInstanceOf(ServerMessage.CustomerWelcome.class);
        assertThat(slow.all(ServerMessage.Queued.class)).as("no agent: queued").isNotEmpty();
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
}
