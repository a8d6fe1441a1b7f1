package io.chatgateway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.cluster.NodeBus;
import io.chatgateway.router.config.RoutingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes on one real Redis: an event whose frame is still on the bus while the agent's new
 * connection replays it from the log reaches that connection once (the race behind "one seq
 * arrives twice on resume"). The bus into node B is held back by the test to make the race certain.
 */
class ResumeAcrossNodesIntegrationTest {
    private TwoNodes nodes;
    private HeldBus busB;
    private VirtualLanes time;
    private Router nodeA;
    private Router nodeB;

    @BeforeEach
    void start() throws Exception {
        nodes = new TwoNodes(RoutingConfig.defaults(), bus -> busB = new HeldBus(bus));
        time = nodes.time;
        nodeA = nodes.nodeA;
        nodeB = nodes.nodeB;
    }

    @AfterEach
    void stop() throws Exception {
        nodes.close();
    }

    private void until(String what, BooleanSupplier condition) {
        nodes.until(what, condition);
    }

    private static long texts(RecordingPeer p, String text) {
        return p.all(ServerMessage.ChatText.class).stream().filter(t -> t.text().equals(text)).count();
    }

    @Test
    void anEventStillOnTheBusWhileTheNewConnectionReplaysItArrivesOnce() {
        AgentIdentity ann = new AgentIdentity("ann", "Ann", AgentLevel.REGULAR, Set.of(), Set.of(), false);
        RecordingPeer first = new RecordingPeer();
        nodeB.agentHello(first, ann, List.of(), true);
        time.advanceTime();
        RecordingPeer shopper = new RecordingPeer();
        nodeA.customerHello(shopper, new CustomerIdentity("lee", null, Tier.REGULAR, List.of(), null, "en", false, null), null);
        until("the shopper on A is assigned to the agent on B", () -> !shopper.all(ServerMessage.Assigned.class).isEmpty());
        String chatId = RouterFixture.chatId(shopper);
        nodeA.customerFrame(shopper, new ClientMessage.SendText("m1", null, "first", false));
        until("the first message reaches the agent", () -> texts(first, "first") == 1);
        long seen = first.all(ServerMessage.ChatText.class).get(0).seq();

        busB.holdBack();
        nodeA.customerFrame(shopper, new ClientMessage.SendText("m2", null, "second", false));
        until("the second message's frame is on its way to B", () -> busB.heldBack() == 1);

        RecordingPeer second = new RecordingPeer(); // the agent's new connection, resuming after "first"
        nodeB.agentHello(second, ann, List.of(new ClientMessage.ResumePoint(chatId, seen)), true);
        until("the replay sends the second message", () -> texts(second, "second") == 1);
        busB.letThrough(); // the frame that was on the bus arrives now
        nodeA.customerFrame(shopper, new ClientMessage.SendText("m3", null, "third", false));
        until("live messages flow on the new connection", () -> texts(second, "third") == 1);

        assertThat(texts(second, "second")).as("the replayed event once, not again from the bus").isEqualTo(1);
        List<Long> seqs = second.all(ServerMessage.ChatText.class).stream().map(ServerMessage.ChatText::seq).toList();
        assertThat(seqs).as("each seq once, in order").isSorted().doesNotHaveDuplicates();
    }

    /** A node's bus whose incoming frames the test can hold back and let through (a slow pub/sub). */
    private static final class HeldBus implements NodeBus {
        private final NodeBus bus;
        private final List<Runnable> held = new ArrayList<>();
        private boolean holding;

        HeldBus(NodeBus bus) {
            this.bus = bus;
        }

        synchronized void holdBack() {
            holding = true;
        }

        synchronized int heldBack() {
            return held.size();
        }

        void letThrough() {
            List<Runnable> now;
            synchronized (this) {
                holding = false;
                now = List.copyOf(held);
                held.clear();
            }
            now.forEach(Runnable::run);
        }

        private synchronized boolean held(Runnable r) {
            if (holding) {
                held.add(r);
            }
            return holding;
        }

        @Override
        public void listen(Listener listener) {
            bus.listen(new Listener() {
                @Override
                public void deliver(String participant, byte[] json) {
                    Runnable r = () -> listener.deliver(participant, json);
                    if (!held(r)) {
                        r.run();
                    }
                }

                @Override
                public void movedAway(String participant) {
                    listener.movedAway(participant);
                }
            });
        }

        @Override public String nodeId() { return bus.nodeId(); }
        @Override public void hold(String participant) { bus.hold(participant); }
        @Override public boolean release(String participant) { return bus.release(participant); }
        @Override public boolean present(String participant) { return bus.present(participant); }
        @Override public void forward(String participant, byte[] json) { bus.forward(participant, json); }
        @Override public Heartbeat heartbeat() { return bus.heartbeat(); }
        @Override public void startHeartbeats(Consumer<Heartbeat> onBeat) { bus.startHeartbeats(onBeat); }
        @Override public void close() { bus.close(); }
    }
}
