package io.chatgateway.router;

import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.router.config.AuditEntry;
import io.chatgateway.router.config.RoutingConfig;
import io.chatgateway.router.config.VersionedConfig;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The routing brain: takes what clients did and decides who chats with whom, what everybody is
 * told, and when. It knows no sockets: clients are {@link Peer}s.
 *
 * <p>All methods are non-blocking and thread-safe. Each participant's events are processed one at a
 * time, in the order they were submitted, on their lane (a worker of the injected {@link Scheduler};
 * {@code RouterOptions.workers} lanes run in parallel, so give it a scheduler with that many
 * threads); the same scheduler drives timers and gives the clock, so tests run every rule in
 * virtual time.
 *
 * <p>Made by {@code Routers.create} (package {@code engine}).
 */
public interface Router extends AutoCloseable {

    /** A shopper's {@code hello} was authenticated; {@code resume} may be null. */
    void customerHello(Peer peer, CustomerIdentity who, ClientMessage.ResumePoint resume);

    /** Any later frame from a shopper. */
    void customerFrame(Peer peer, ClientMessage message);

    /** The shopper's connection closed. */
    void customerGone(Peer peer);

    /** An agent's {@code hello} was authenticated; {@code autoAccept} may be null (keep the previous setting). */
    void agentHello(Peer peer, AgentIdentity who, List<ClientMessage.ResumePoint> resume, Boolean autoAccept);

    /** Any later frame from an agent. */
    void agentFrame(Peer peer, ClientMessage message);

    /** The agent's connection closed. */
    void agentGone(Peer peer);

    /** Live queue and agent figures, taken between two events. */
    Mono<RouterSnapshot> snapshot();

    /** The routing configuration in force. */
    Mono<VersionedConfig> config();

    /**
     * Replaces the routing configuration if {@code expectedVersion} is still current; applies it at
     * once (queues re-ranked, capacities and timers updated) without touching assigned chats.
     */
    Mono<ConfigUpdate> updateConfig(long expectedVersion, RoutingConfig next, String actor);

    /** What {@code proposed} would do to the live queue, computed on a copy; nothing changes. */
    Mono<DryRunResult> dryRun(RoutingConfig proposed);

    /** Accepted configuration changes, newest first. */
    Mono<List<AuditEntry>> audit(int limit);

    /** Forces a group's overflow mode on ({@code true}) or off ({@code false}), or back to automatic ({@code null}); returns whether it is on. */
    Mono<Boolean> forceOverflow(String group, Boolean on);

    /**
     * Sets an agent's weight (their share of new chats, {@code AgentRecord.MIN_WEIGHT..MAX_WEIGHT}) at
     * once, kept over their reconnects unless their token names one; false when the agent is unknown.
     */
    Mono<Boolean> setWeight(String agentId, int weight);

    /** The script library: kind -> language -> template. */
    Mono<java.util.Map<String, java.util.Map<String, String>>> scripts();

    /** Replaces one script text live; fails with IllegalArgumentException saying what was expected. */
    Mono<java.util.Map<String, java.util.Map<String, String>>> updateScript(String kind, String lang, String text);

    /** Closed chats sampled for quality review, newest first, with transcript and satisfaction answer. */
    Mono<List<QaReview>> qa(int limit);

    /**
     * Completes once every event submitted before the call has been processed on every lane (a
     * draining node waits for it before it stops, so the departures of its connections are
     * recorded: agents' chats kept for their grace period, shoppers' chats for their resume).
     */
    Mono<Void> settle();

    /** Stops the router's lanes; pending timers are dropped. */
    @Override
    void close();
}
