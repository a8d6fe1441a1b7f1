package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.engine.Routers;
import io.chatgateway.router.store.MemoryChatStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/**
 * The hot path with real threads: a chat message is taken on the thread that delivers it (a
 * connection's event loop), not on the router's worker, so messages flow while the worker is busy;
 * a connection's frames keep their order; and a connection that is sent a chat's history (hello
 * with resume, or an assignment) while the shopper writes from another thread gets every event once,
 * in seq order.
 */
class HotPathTest {
    private final java.util.concurrent.ScheduledExecutorService workerThread = Executors.newSingleThreadScheduledExecutor();
    private final MemoryChatStore store = new MemoryChatStore(RoutingConfig.defaults());
    private final Router router = Routers.create(RouterOptions.defaults(), store, Schedulers.fromExecutorService(workerThread));
    private final ExecutorService shopperLoop = Executors.newSingleThreadExecutor(); // plays the shopper's event loop

    @AfterEach
    void stop() {
        router.close();
        shopperLoop.shutdownNow();
        workerThread.shutdownNow();
    }

    private static final Duration WAIT = Duration.ofSeconds(20);

    private RecordingPeer customer(String id) {
        RecordingPeer c = new RecordingPeer();
        router.customerHello(c, new CustomerIdentity(id, null, Tier.REGULAR, List.of(), null, "en", false, null), null);
        await().atMost(WAIT).until(() -> !c.all(ServerMessage.CustomerWelcome.class).isEmpty());
        return c;
    }

    private RecordingPeer agent(String id, List<ClientMessage.ResumePoint> resume) {
        RecordingPeer a = new RecordingPeer();
        router.agentHello(a, new AgentIdentity(id, "Agent " + id, AgentLevel.SENIOR, Set.of(), Set.of(), false), resume, true);
        await().atMost(WAIT).until(() -> !a.all(ServerMessage.AgentWelcome.class).isEmpty());
        return a;
    }

    /** Holds the worker until the latch opens (a long routing decision, a slow store). */
    private CountDownLatch stallWorker() {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        workerThread.submit(() -> {
            stalled.countDown();
            release.await();
            return null;
        });
        await().atMost(WAIT).until(() -> stalled.getCount() == 0);
        return release;
    }

    private static List<Long> seqsOf(RecordingPeer p, String chatId) {
        List<Long> out = new ArrayList<>();
        for (ServerMessage.ChatEvent e : p.all(ServerMessage.ChatEvent.class)) {
            if (e.chatId().equals(chatId)) {
                out.add(e.seq());
            }
        }
        return out;
    }

    /** The shopper's chat, once the agent has it. */
    private static String assigned(RecordingPeer customer, RecordingPeer agent) {
        String chat = RouterFixture.chatId(customer);
        await().atMost(WAIT).until(() -> RouterFixture.assignedChats(agent).contains(chat));
        return chat;
    }

    @Test
    void chatMessagesFlowWhileTheWorkerIsBusy() {
        RecordingPeer a = agent("ann", List.of());
        RecordingPeer c = customer("u1");
        String chat = assigned(c, a);
        CountDownLatch release = stallWorker();
        try {
            router.customerFrame(c, new ClientMessage.SendText("m1", null, "where is my parcel?", false));
            router.agentFrame(a, new ClientMessage.SendText("a1", chat, "on its way", false));
            await("messages while the worker is stalled").atMost(WAIT).until(() ->
                    a.all(ServerMessage.ChatText.class).size() == 2 && c.all(ServerMessage.ChatText.class).size() == 2);
        } finally {
            release.countDown();
        }
        assertThat(c.all(ServerMessage.ChatText.class)).extracting(ServerMessage.ChatText::text)
                .containsExactly("where is my parcel?", "on its way");
    }

    @Test
    void aTypingNoticeWaitingForTheWorkerDoesNotHoldTheMessageAfterIt() {
        RecordingPeer a = agent("ann", List.of());
        RecordingPeer c = customer("u1");
        String chat = assigned(c, a);
        CountDownLatch release = stallWorker();
        try {
            router.customerFrame(c, new ClientMessage.Typing(null, null)); // widgets send one before most messages
            router.customerFrame(c, new ClientMessage.SendText("m1", null, "is it shipped?", false));
            await("the message while the typing notice waits").atMost(WAIT).until(() -> !a.all(ServerMessage.ChatText.class).isEmpty());
        } finally {
            release.countDown();
        }
        await().atMost(WAIT).until(() -> !a.all(ServerMessage.TypingNotice.class).isEmpty());
    }

    @Test
    void aMessageRightAfterHelloWaitsForTheHelloInsteadOfOvertakingIt() {
        CountDownLatch release = stallWorker();
        RecordingPeer c = new RecordingPeer();
        router.customerHello(c, new CustomerIdentity("u1", null, Tier.REGULAR, List.of(), null, "en", false, null), null);
        router.customerFrame(c, new ClientMessage.SendText("m1", null, "hi, anyone?", false));
        release.countDown();
        await().atMost(WAIT).until(() -> !c.all(ServerMessage.ChatText.class).isEmpty());
        assertThat(c.all(ServerMessage.Error.class)).as("no 'send hello first'").isEmpty();
        String chat = RouterFixture.chatId(c);
        assertThat(seqsOf(c, chat)).as("greeting, then the message").startsWith(1L, 2L);
        assertThat(c.last(ServerMessage.ChatText.class).text()).isEqualTo("hi, anyone?");
    }

    /** The shopper writes {@code n} messages from their own thread, one after the other. */
    private java.util.concurrent.Future<?> write(RecordingPeer c, int n) {
        return shopperLoop.submit(() -> {
            for (int i = 0; i < n; i++) {
                router.customerFrame(c, new ClientMessage.SendText("m" + i, null, "message " + i, false));
            }
        });
    }

    @Test
    void anAssignmentWhileTheShopperWritesGivesTheAgentEveryEventOnceInOrder() throws Exception {
        for (int round = 0; round < 10; round++) {
            RecordingPeer c = customer("u" + round);
            String chat = RouterFixture.chatId(c);
            java.util.concurrent.Future<?> writing = write(c, 300);
            RecordingPeer a = agent("agent" + round, List.of()); // auto-accept: the waiting chat is assigned to them now
            writing.get(20, TimeUnit.SECONDS);
            long last = store.lastSeq(chat);
            await().atMost(WAIT).until(() -> seqsOf(a, chat).contains(last));
            List<Long> seen = seqsOf(a, chat);
            assertThat(seen).as("round %d: the history, then live, each once, in order", round)
                    .isEqualTo(java.util.stream.LongStream.rangeClosed(1, last).boxed().toList());
            router.agentGone(a); // the next round's chat waits for the next agent
        }
    }

    @Test
    void anAgentResumingWhileTheShopperWritesGetsEveryEventOnceInOrderOnEachConnection() throws Exception {
        RecordingPeer first = agent("ann", List.of());
        RecordingPeer c = customer("u1");
        String chat = assigned(c, first);
        java.util.concurrent.Future<?> writing = write(c, 8000);
        List<RecordingPeer> connections = new ArrayList<>(List.of(first));
        List<Long> resumedFrom = new ArrayList<>(List.of(0L));
        for (int k = 0; k < 15; k++) { // reconnects, most while the shopper writes
            List<Long> before = seqsOf(connections.get(connections.size() - 1), chat);
            long from = before.isEmpty() ? resumedFrom.get(resumedFrom.size() - 1) : before.get(before.size() - 1);
            connections.add(agent("ann", List.of(new ClientMessage.ResumePoint(chat, from))));
            resumedFrom.add(from);
        }
        writing.get(30, TimeUnit.SECONDS);
        long last = store.lastSeq(chat);
        RecordingPeer current = connections.get(connections.size() - 1);
        await().atMost(WAIT).until(() -> {
            List<Long> got = seqsOf(current, chat);
            return (got.isEmpty() ? resumedFrom.get(resumedFrom.size() - 1) : got.get(got.size() - 1)) == last;
        });
        for (int i = 1; i < connections.size(); i++) {
            List<Long> seqs = seqsOf(connections.get(i), chat);
            if (seqs.isEmpty()) {
                continue; // replaced before anything was written after its resume point
            }
            assertThat(seqs.get(0)).as("connection %d starts right after its resume point", i).isEqualTo(resumedFrom.get(i) + 1);
            for (int k = 1; k < seqs.size(); k++) {
                assertThat(seqs.get(k)).as("connection %d: seq after %d (nothing doubled, skipped or reordered)", i, seqs.get(k - 1))
                        .isEqualTo(seqs.get(k - 1) + 1);
            }
        }
    }
}
