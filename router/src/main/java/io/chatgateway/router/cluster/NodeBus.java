package io.chatgateway.router.cluster;

import java.util.List;

/**
 * How a gateway node reaches participants connected to other nodes, and learns which nodes died.
 *
 * <p>A participant is a shopper's chat ({@code c:<chatId>}) or an agent ({@code a:<agentId>}).
 * The node a participant is connected to holds it: {@link #hold} records that in the shared store
 * and tells the node that held it before to let its stale connection go. Frames for a participant
 * held elsewhere go to that node with {@link #forward}: at most once (a publish), so a client that
 * misses one recovers it by {@code seq} and resume.
 *
 * <p>A node is alive while it renews its liveness key ({@link #heartbeat}); when the key lapses,
 * the first live node to notice claims the dead node's participants, atomically, so each is
 * handled by exactly one node.
 */
public interface NodeBus extends AutoCloseable {

    /** This node's id (unique per process). */
    String nodeId();

    /** Records that this node holds the participant; the previous holder, if another node, is told it moved away. */
    void hold(String participant);

    /** {@link #hold}, not waited for. */
    default java.util.concurrent.CompletionStage<Void> holdAsync(String participant) {
        try {
            hold(participant);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** Lets the participant go; true when this node still held it (it had not moved to another node). */
    boolean release(String participant);

    /** {@link #release}, not waited for. */
    default java.util.concurrent.CompletionStage<Boolean> releaseAsync(String participant) {
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(release(participant));
        } catch (RuntimeException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** True when a live node holds the participant. */
    boolean present(String participant);

    /** Sends an encoded frame to the node holding the participant, if any. Never blocks. */
    void forward(String participant, byte[] json);

    /**
     * Renews this node's liveness and claims nodes whose liveness lapsed. {@code revived} is true
     * when this node itself had been declared dead (e.g. after a long store outage): it must hold
     * its participants again.
     */
    Heartbeat heartbeat();

    /** What a heartbeat found: whether this node had been given up, and the participants of dead nodes now ours to handle. */
    record Heartbeat(boolean revived, List<String> lost) {
        public Heartbeat {
            lost = List.copyOf(lost);
        }
    }

    /**
     * Beats once now, then keeps beating on its own thread (a few times per TTL), so a router
     * busy with a surge never makes its node look dead; what each beat finds goes to {@code onBeat}
     * (on that thread: hand the work over).
     */
    void startHeartbeats(java.util.function.Consumer<Heartbeat> onBeat);

    /** Starts delivering frames and moved-away notices for this node (called once, by the router). */
    void listen(Listener listener);

    /** What a node receives from the others. Called on a store I/O thread: hand the work over, do not block. */
    interface Listener {
        void deliver(String participant, byte[] json);

        void movedAway(String participant);
    }

    @Override
    void close();

    /** One node alone: everybody is held here, nothing to forward, no other node to die. */
    static NodeBus local() {
        return LocalBus.INSTANCE;
    }

    /** The single-node bus. */
    final class LocalBus implements NodeBus {
        static final LocalBus INSTANCE = new LocalBus();

        private LocalBus() {
        }

        @Override
        public String nodeId() {
            return "local";
        }

        @Override
        public void hold(String participant) {
        }

        @Override
        public boolean release(String participant) {
            return true;
        }

        @Override
        public boolean present(String participant) {
            return false;
        }

        @Override
        public void forward(String participant, byte[] json) {
        }

        @Override
        public Heartbeat heartbeat() {
            return new Heartbeat(false, List.of());
        }

        @Override
        public void startHeartbeats(java.util.function.Consumer<Heartbeat> onBeat) {
        }

        @Override
        public void listen(Listener listener) {
        }

        @Override
        public void close() {
        }
    }
}
