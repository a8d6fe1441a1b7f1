package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.engine.Routers;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.MemoryChatStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Several router lanes on real threads (one per lane), with shoppers and agents arriving, writing
 * and reconnecting from several "event loop" threads at once: what must hold whichever lanes race.
 * Each shopper's and each agent's events keep their order on their own lane, different
 * participants' events run in parallel, no chat goes to two agents, no agent exceeds capacity, and
 * every connection sees each chat's events once, in seq order, even while another lane sends it
 * a history.
 */
class ParallelLanesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int LANES = 4;
    private static final int CAPACITY = 10;

    private final MemoryChatStore store = new MemoryChatStore(RouterFixture.capacity(CAPACITY));
    private final Scheduler lanes = Schedulers.newParallel("lanes-test", LANES);
    private final Router router = Routers.create(RouterOptions.builder().workers(LANES).build(), store, lanes);
    private final ExecutorService loops = Executors.newFixedThreadPool(4); // play the gateway's event loops

    @AfterEach
    void stop() {
        router.close();
        lanes.dispose();
        loops.shutdownNow();
    }

    /** Awaitility, polling often: many conditions below hold at once or within milliseconds. */
    private static org.awaitility.core.ConditionFactory soon(String what) {
        return await(what).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }

    private static org.awaitility.core.ConditionFactory soon() {
        return soon("");
    }

    private RecordingPeer agentHello(String id, List<ClientMessage.ResumePoint> resume) {
        RecordingPeer a = new RecordingPeer();
        router.agentHello(a, new AgentIdentity(id, "Agent " + id, AgentLevel.REGULAR, Set.of(), Set.of(), false), resume, true);
        return a;
    }

    private static CustomerIdentity shopper(String id) {
        return new CustomerIdentity(id, null, Tier.REGULAR, List.of(), null, "en", false, null);
    }

    /** Runs {@code work(i)} for i in [0, n) spread over the loop threads, and waits for all. */
    private void onLoops(int n, java.util.function.IntConsumer work) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int first = t;
            done.add(loops.submit(() -> {
                for (int i = first; i < n; i += 4) {
                    work.accept(i);
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Per chat, the seqs a connection got: strictly increasing (each once, in order). */
    private static Map<String, List<Long>> seqsByChat(RecordingPeer p) {
        Map<String, List<Long>> out = new HashMap<>();
        for (ServerMessage.ChatEvent e : p.all(ServerMessage.ChatEvent.class)) {
            out.computeIfAbsent(e.chatId(), k -> new ArrayList<>()).add(e.seq());
        }
        return out;
    }

    private static void assertEachOnceInOrder(String who, RecordingPeer p) {
        seqsByChat(p).forEach((chat, seqs) -> {
            for (int i = 1; i < seqs.size(); i++) {
                assertThat(seqs.get(i)).as("%s, chat %s: seqs %s must each come once, in order", who, chat, seqs)
                        .isGreaterThan(seqs.get(i - 1));
            }
        });
    }

    @Test
    void oneBusyLaneDoesNotHoldUpShoppersOnTheOthers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // A shopper whose connection blocks the first send: their hello holds their lane until released.
        RecordingPeer stuck = new RecordingPeer() {
            @Override
            public void send(io.chatgateway.protocol.OutboundFrame frame) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                super.send(frame);
            }
        };
        try {
            router.customerHello(stuck, shopper("stuck"), null);
            List<RecordingPeer> others = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                RecordingPeer c = new RecordingPeer();
                router.customerHello(c, shopper("s" + i), null);
                others.add(c);
            }
            soon("shoppers on other lanes are greeted while one lane is busy").until(() ->
                    others.stream().anyMatch(c -> !c.all(ServerMessage.CustomerWelcome.class).isEmpty()));
        } finally {
            release.countDown();
        }
        soon().until(() -> !stuck.all(ServerMessage.CustomerWelcome.class).isEmpty());
    }

    @Test
    void shoppersAndAgentsRacingOnAllLanesGetOneAgentEachWithinCapacityAndEveryMessageInOrder() throws Exception {
        int agents = 12;
        int shoppers = 100; // capacity 120: everyone is served
        List<RecordingPeer> agentPeers = new ArrayList<>();
        for (int i = 0; i < agents; i++) {
            agentPeers.add(agentHello("a" + i, List.of()));
        }
        RecordingPeer[] customers = new RecordingPeer[shoppers];
        onLoops(shoppers, i -> {
            customers[i] = new RecordingPeer();
            router.customerHello(customers[i], shopper("u" + i), null);
        });
        soon("everyone greeted").until(() -> java.util.Arrays.stream(customers)
                .allMatch(c -> !c.all(ServerMessage.CustomerWelcome.class).isEmpty()));
        onLoops(shoppers, i -> {
            for (int m = 0; m < 5; m++) {
                router.customerFrame(customers[i], new ClientMessage.SendText("u" + i + "-" + m, null, "question " + m, false));
            }
        });
        try {
            soon("every shopper has an agent").until(() -> java.util.Arrays.stream(customers)
                    .allMatch(c -> !c.all(ServerMessage.Assigned.class).isEmpty()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder why = new StringBuilder("shoppers without an agent:");
            for (RecordingPeer c : customers) {
                if (c.all(ServerMessage.Assigned.class).isEmpty()) {
                    String chat = RouterFixture.chatId(c);
                    why.append("\n ").append(chat).append(' ').append(store.chat(chat).orElse(null)).append(" got ").append(c.received);
                }
            }
            store.agents().forEach(a -> why.append("\n ").append(a));
            throw new AssertionError(why.toString(), e);
        }
        // Each chat went to one agent, whose connection got the whole chat (greeting to the last question) once, in order.
        Map<String, String> ownerOf = new HashMap<>();
        for (int i = 0; i < agents; i++) {
            for (String chat : RouterFixture.assignedChats(agentPeers.get(i))) {
                assertThat(ownerOf.put(chat, "a" + i)).as("chat %s assigned to two agents", chat).isNull();
            }
        }
        assertThat(ownerOf).hasSize(shoppers);
        for (RecordingPeer c : customers) {
            String chat = RouterFixture.chatId(c);
            RecordingPeer agent = agentPeers.get(Integer.parseInt(ownerOf.get(chat).substring(1)));
            long last = store.lastSeq(chat);
            soon("agent gets chat " + chat + " up to seq " + last).until(() ->
                    seqsByChat(agent).getOrDefault(chat, List.of()).contains(last));
            List<Long> seqs = seqsByChat(agent).get(chat);
            assertThat(seqs).as("agent's view of %s: gap-free from the greeting, once each, in order", chat)
                    .isEqualTo(java.util.stream.LongStream.rangeClosed(1, last).boxed().toList());
            assertThat(agent.all(ServerMessage.ChatText.class).stream().filter(t -> t.chatId().equals(chat)))
                    .extracting(ServerMessage.ChatText::text)
                    .containsExactly("question 0", "question 1", "question 2", "question 3", "question 4");
        }
        for (AgentRecord a : store.agents()) {
            assertThat(a.load()).as("load of %s", a.agentId()).isBetween(0, CAPACITY);
        }
        for (int i = 0; i < shoppers; i++) {
            assertEachOnceInOrder("shopper u" + i, customers[i]);
        }
    }

    @Test
    void agentsReconnectingWhileChatsAreAssignedToThemSeeEachEventOnceInOrder() throws Exception {
        int agents = 4;
        int shoppers = 60; // capacity 40: closed chats make room for the rest
        RecordingPeer[] current = new RecordingPeer[agents];
        List<RecordingPeer> everyConnection = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < agents; i++) {
            current[i] = agentHello("a" + i, List.of());
            everyConnection.add(current[i]);
        }
        RecordingPeer[] customers = new RecordingPeer[shoppers];
        // Shoppers arrive and write on three loops while every agent signs in again and again on the fourth
        // (each hello on the agent's lane races assignments made on the shoppers' lanes).
        Future<?> reconnects = loops.submit(() -> {
            for (int round = 0; round < 40; round++) {
                for (int i = 0; i < agents; i++) {
                    RecordingPeer old = current[i];
                    List<ClientMessage.ResumePoint> resume = new ArrayList<>();
                    seqsByChat(old).forEach((chat, seqs) -> resume.add(new ClientMessage.ResumePoint(chat, seqs.get(seqs.size() - 1))));
                    current[i] = agentHello("a" + i, resume);
                    everyConnection.add(current[i]);
                    router.agentGone(old);
                }
            }
            return null;
        });
        List<Future<?>> writers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int first = t;
            writers.add(loops.submit(() -> {
                for (int i = first; i < shoppers; i += 3) {
                    customers[i] = new RecordingPeer();
                    router.customerHello(customers[i], shopper("w" + i), null);
                    for (int m = 0; m < 4; m++) {
                        router.customerFrame(customers[i], new ClientMessage.SendText("w" + i + "-" + m, null, "m" + m, false));
                    }
                    if (i % 2 == 0) { // its closing frames, sent from this shopper's lane, race the agent's hello on theirs
                        RecordingPeer c = customers[i];
                        soon().until(() -> !c.all(ServerMessage.Assigned.class).isEmpty());
                        router.customerFrame(c, new ClientMessage.Close(null, null));
                    }
                }
                return null;
            }));
        }
        reconnects.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        for (Future<?> w : writers) {
            w.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        soon("every shopper has an agent").until(() -> java.util.Arrays.stream(customers)
                .allMatch(c -> c != null && !c.all(ServerMessage.Assigned.class).isEmpty()));
        // Let every lane finish what it was given, then check what each connection saw.
        CountDownLatch drained = new CountDownLatch(1);
        router.snapshot().subscribe(s -> drained.countDown());
        assertThat(drained.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        synchronized (everyConnection) {
            for (RecordingPeer p : everyConnection) {
                assertEachOnceInOrder("agent connection " + p.connectionId(), p);
            }
        }
        for (AgentRecord a : store.agents()) {
            assertThat(a.load()).as("load of %s", a.agentId()).isBetween(0, CAPACITY);
        }
        // Nothing lost: a last sign-in resuming every chat from the start gets each whole chat.
        for (int i = 0; i < agents; i++) {
            List<ClientMessage.ResumePoint> all = new ArrayList<>();
            for (var chat : store.chatsOf("a" + i)) {
                all.add(new ClientMessage.ResumePoint(chat.chatId(), 0));
            }
            RecordingPeer last = agentHello("a" + i, all);
            soon().until(() -> !last.all(ServerMessage.AgentWelcome.class).isEmpty());
            for (var chat : store.chatsOf("a" + i)) {
                long lastSeq = store.lastSeq(chat.chatId());
                soon("chat " + chat.chatId() + " replayed").until(() ->
                        seqsByChat(last).getOrDefault(chat.chatId(), List.of()).contains(lastSeq));
                assertThat(seqsByChat(last).get(chat.chatId()))
                        .isEqualTo(java.util.stream.LongStream.rangeClosed(1, lastSeq).boxed().toList());
            }
        }
    }
}
