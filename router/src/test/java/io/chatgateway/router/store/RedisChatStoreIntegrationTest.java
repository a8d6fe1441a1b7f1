package io.chatgateway.router.store;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.chatgateway.protocol.Tier;
import io.chatgateway.router.config.RoutingConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract against a real redis-server on a free port, plus races and a Redis restart. */
class RedisChatStoreIntegrationTest extends RedisStoreContract {
    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.standalone();

    @Override
    String uri() {
        return REDIS.uri();
    }

    @Test
    void twoNodesRacingNeverAssignAChatTwiceOrExceedCapacity() throws Exception {
        store.upsertAgent(agent("a", 3));
        store.upsertAgent(agent("b", 2));
        for (int i = 0; i < 40; i++) {
            store.createWaitingChat(waiting(String.format("c%03d", i), "u" + i, Tier.REGULAR, i, 100 - i));
        }
        ExecutorService nodes = Executors.newFixedThreadPool(4);
        List<RedisChatStore> stores = new ArrayList<>();
        List<Future<Integer>> won = new ArrayList<>();
        try {
            for (int n = 0; n < 4; n++) {
                RedisChatStore node = new RedisChatStore(REDIS.uri(), RoutingConfig.defaults());
                stores.add(node);
                won.add(nodes.submit(() -> {
                    int mine = 0;
                    for (int i = 0; i < 40; i++) {
                        for (String agentId : List.of("a", "b")) {
                            if (node.tryAssign(String.format("c%03d", i), agentId) == AssignOutcome.DONE) {
                                mine++;
                            }
                        }
                    }
                    return mine;
                }));
            }
            int total = 0;
            for (Future<Integer> f : won) {
                total += f.get();
            }
            assertThat(total).as("exactly the 5 slots were filled, whichever node won").isEqualTo(5);
            assertThat(store.agent("a").orElseThrow().load()).isEqualTo(3);
            assertThat(store.agent("b").orElseThrow().load()).isEqualTo(2);
            assertThat(store.chatsOf("a").size() + store.chatsOf("b").size()).isEqualTo(5);
            assertThat(store.agentsWithRoom("general")).isEmpty();
        } finally {
            nodes.shutdownNow();
            stores.forEach(RedisChatStore::close);
        }
    }

    @Test
    void whileRedisIsDownCallsFailFastAsUnavailableAndRecoverAfterwards() throws Exception {
        store.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 1));
        REDIS.server().stop();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> store.chat("c1")).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.openChatOfAsync("u1").toCompletableFuture().join())
                .as("a step not waited for fails the same way").hasCauseInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(() -> store.createWaitingChatAsync(waiting("c3", "u3", Tier.REGULAR, 3, 1)).toCompletableFuture().join())
                .hasCauseInstanceOf(StoreUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused, not hung").isLessThan(Duration.ofSeconds(10));
        REDIS.server().restart();
        // Redis came back empty (no persistence in this test): the store reconnects by itself.
        await("the store reconnects").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .ignoreException(StoreUnavailableException.class)
                .untilAsserted(() -> store.createWaitingChat(waiting("c2", "u2", Tier.REGULAR, 2, 1)));
        assertThat(store.chat("c2")).isPresent();
    }
    /**
     * A node keeps the records of waiting chats it read (issue #10: queue heads were re-read by every
     * decision). What it reads must still be what a fresh read gives, whichever node moved a chat.
     */
    @Test
    void aNodeReadsAWaitingChatOnceAndStillSeesWhatOtherNodesChanged() throws Exception {
        store.upsertAgent(agent("a", 5));
        for (int i = 1; i <= 4; i++) {
            store.createWaitingChat(waiting("c" + i, "u" + i, Tier.REGULAR, i, 100 - i));
            store.notePromise("c" + i, 60);
        }
        store.createWaitingChat(waiting("c5", "u5", Tier.REGULAR, 5, 90)); // never promised a wait: read each time
        assertThat(store.waiting("general", Tier.REGULAR, 10)).extracting(ChatRecord::chatId).containsExactly("c1", "c2", "c3", "c4", "c5");
        long before = chatReads();
        assertThat(store.waiting("general", Tier.REGULAR, 10)).extracting(ChatRecord::chatId).containsExactly("c1", "c2", "c3", "c4", "c5");
        assertThat(chatReads() - before).as("only the chat whose record may still change is read again").isEqualTo(1);

        try (RedisChatStore other = new RedisChatStore(REDIS.uri(), RoutingConfig.defaults())) {
            other.rerank(c -> c.chatId().equals("c4") ? 200 : c.rank()); // ops' new weights put c4 first
            assertThat(other.tryAssign("c2", "a")).isEqualTo(AssignOutcome.DONE);
            other.requeue("c2", "sales"); // its agent moved it to another group
            assertThat(other.tryOffer("c3", "a")).isEqualTo(AssignOutcome.DONE);
            other.withdrawOffer("c3", "a"); // the offer lapsed: back in its place
            other.close("c1", "abandoned");
            other.notePromise("c5", 30);
            for (String group : List.of("general", "sales")) {
                assertThat(store.waiting(group, Tier.REGULAR, 10)).as(group).isEqualTo(other.waiting(group, Tier.REGULAR, 10));
            }
        }
        assertThat(store.waiting("general", Tier.REGULAR, 10)).extracting(ChatRecord::chatId).containsExactly("c4", "c3", "c5");
        assertThat(store.waiting("general", Tier.REGULAR, 10)).extracting(ChatRecord::promisedEtaSeconds).containsExactly(60L, 60L, 30L);
        assertThat(store.waiting("sales", Tier.REGULAR, 10)).singleElement()
                .satisfies(c -> assertThat(c.group()).isEqualTo("sales"))
                .satisfies(c -> assertThat(c.state()).isEqualTo(ChatState.WAITING));
    }

    /**
     * A node keeps a copy of who has room and reads only what changed (issue #10: every decision read
     * every agent). What it reads must be what the store holds, whichever node changed an agent, and
     * after Redis lost its data too.
     */
    @Test
    void aNodesCopyOfWhoHasRoomFollowsEveryChangeMadeElsewhere() throws Exception {
        for (String id : List.of("a", "b", "d")) {
            store.upsertAgent(agent(id, 1));
        }
        store.createWaitingChat(waiting("c1", "u1", Tier.REGULAR, 1, 1));
        assertThat(store.agentsWithRoom("general")).extracting(AgentRecord::agentId).containsExactlyInAnyOrder("a", "b", "d");
        try (RedisChatStore other = new RedisChatStore(REDIS.uri(), RoutingConfig.defaults())) {
            other.updateAgent("a", r -> r.withStatus(io.chatgateway.protocol.AgentStatus.AWAY));
            assertThat(other.tryAssign("c1", "b")).isEqualTo(AssignOutcome.DONE); // b is full now
            other.upsertAgent(agent("c", 2));
            other.upsertAgent(new AgentRecord("d", "Agent d", io.chatgateway.protocol.AgentLevel.REGULAR, java.util.Set.of("sales"), java.util.Set.of(),
                    false, io.chatgateway.protocol.AgentStatus.ONLINE, true, false, 1, 0, 0)); // d moved to sales
            assertThat(store.agentsWithRoom("general")).containsExactlyInAnyOrderElementsOf(other.agentsWithRoom("general"))
                    .extracting(AgentRecord::agentId).containsExactly("c");
            assertThat(store.agentsWithRoom("sales")).extracting(AgentRecord::agentId).containsExactly("d");
            other.close("c1", "resolved"); // b has room again, and its row says so
            assertThat(store.agentsWithRoom("general")).containsExactlyInAnyOrderElementsOf(other.agentsWithRoom("general"))
                    .extracting(AgentRecord::agentId).containsExactlyInAnyOrder("b", "c");
        }
        RedisServer.flushAll(REDIS.uri()); // Redis lost everything; the agents sign in again
        store.upsertAgent(agent("e", 1));
        assertThat(store.agentsWithRoom("general")).extracting(AgentRecord::agentId).containsExactly("e");
    }

    /** Hash reads Redis has served: in this test, chat records only. */
    private static long chatReads() {
        return REDIS.server().commandCalls("hgetall");
    }
}
