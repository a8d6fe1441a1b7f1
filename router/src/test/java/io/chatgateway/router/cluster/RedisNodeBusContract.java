package io.chatgateway.router.cluster;

import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.store.RedisChatStore;
import io.chatgateway.router.store.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Presence, forwarding, moved-away notices and the dead-node claim; run on a real redis-server and a real Redis Cluster. */
abstract class RedisNodeBusContract {

    abstract String uri();

    @BeforeEach
    void flush() {
        RedisServer.flushAll(uri());
    }

    /** One node: a store, its bus, and what reached it. */
    private final class Node implements AutoCloseable {
        final RedisChatStore store = new RedisChatStore(uri(), RoutingConfig.defaults());
        final NodeBus bus;
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();

        Node(String id, Duration ttl) {
            bus = RedisNodeBus.of(store, id, ttl);
            bus.listen(new NodeBus.Listener() {
                @Override
                public void deliver(String participant, byte[] json) {
                    received.add(participant + " " + new String(json, StandardCharsets.UTF_8));
                }

                @Override
                public void movedAway(String participant) {
                    received.add("moved " + participant);
                }
            });
        }

        @Override
        public void close() {
            bus.close();
            store.close();
        }
    }

    @Test
    void framesFollowTheParticipantAndTheOldHolderIsToldToLetGo() throws Exception {
        try (Node a = new Node("A", Duration.ofSeconds(5)); Node b = new Node("B", Duration.ofSeconds(5))) {
            a.bus.heartbeat();
            b.bus.heartbeat();
            a.bus.hold("c:chat1");
            assertThat(b.bus.present("c:chat1")).isTrue();
            b.bus.forward("c:chat1", "{\"type\":\"message\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(a.received.poll(5, TimeUnit.SECONDS)).isEqualTo("c:chat1 {\"type\":\"message\"}");

            b.bus.hold("c:chat1"); // the phone reconnected to B
            assertThat(a.received.poll(5, TimeUnit.SECONDS)).isEqualTo("moved c:chat1");
            assertThat(a.bus.release("c:chat1")).as("A no longer holds it").isFalse();
            assertThat(b.bus.present("c:chat1")).as("A's late release left B's presence alone").isTrue();
            a.bus.forward("c:chat1", "{}".getBytes(StandardCharsets.UTF_8));
            assertThat(b.received.poll(5, TimeUnit.SECONDS)).isEqualTo("c:chat1 {}");
            assertThat(b.bus.release("c:chat1")).isTrue();
            assertThat(a.bus.present("c:chat1")).isFalse();
            a.bus.forward("c:chat1", "{}".getBytes(StandardCharsets.UTF_8)); // nobody holds it: dropped
            assertThat(a.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
            assertThat(b.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void aDeadNodesParticipantsAreClaimedByExactlyOneNode() throws Exception {
        try (Node dying = new Node("D", Duration.ofMillis(600)); Node b = new Node("B", Duration.ofSeconds(5));
             Node c = new Node("C", Duration.ofSeconds(5))) {
            dying.bus.heartbeat();
            dying.bus.hold("a:alice");
            dying.bus.hold("c:chat7");
            b.bus.heartbeat();
            c.bus.heartbeat();
            c.bus.hold("a:bob");
            assertThat(b.bus.heartbeat().lost()).as("D is alive").isEmpty();
            // D stops renewing: once its liveness key expires (600 ms), its participants are no longer present.
            await("D's liveness lapses").atMost(Duration.ofSeconds(5)).until(() -> !b.bus.present("a:alice"));
            List<String> claimedByB = b.bus.heartbeat().lost();
            List<String> claimedByC = c.bus.heartbeat().lost();
            assertThat(claimedByB).containsExactlyInAnyOrder("a:alice", "c:chat7");
            assertThat(claimedByC).as("claimed once").isEmpty();
            assertThat(b.bus.present("a:bob")).isTrue();
            NodeBus.Heartbeat back = dying.bus.heartbeat();
            assertThat(back.revived()).as("D learns it was given up and must hold its clients again").isTrue();
            assertThat(dying.bus.heartbeat().revived()).isFalse();
        }
    }
}
