package io.chatgateway.router.internal;

import io.chatgateway.router.ChatActivity;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The router's meters (Micrometer names; Prometheus shows them with underscores):
 * {@code chat.started}, {@code chat.closed}, {@code chat.offers} / {@code .accepted} /
 * {@code .rejected} / {@code .expired}, {@code chat.assigned}, {@code chat.queue.wait} (join to
 * first assignment; a transferred chat's second wait is not a queue wait from its join), {@code chat.routing.decision} (CPU time of one assignment decision),
 * {@code chat.sla.greeting} and {@code chat.sla.first.reply} (join to greeting, join to first
 * agent message, with {@code met=true|false} counters against the DOMAIN.md targets of 15 s and
 * 30 s), {@code chat.eta.error} and {@code chat.eta.samples} ({@link EtaAccuracy}), plus
 * queue-depth gauges registered by the router.
 */
public final class RouterMetrics {
    private static final Duration GREETING_SLA = ChatActivity.GREETING_TARGET;
    private static final Duration FIRST_REPLY_SLA = ChatActivity.FIRST_REPLY_TARGET;

    public final MeterRegistry registry;
    private final Counter started;
    public final Counter offers;
    public final Counter accepted;
    public final Counter rejected;
    public final Counter expired;
    public final Counter assigned;
    private final Timer queueWait;
    public final Timer decision;
    public final Timer greeting;
    public final Timer firstReply;
    private final Counter greetingMet;
    private final Counter greetingMissed;
    private final Counter firstReplyMet;
    private final Counter firstReplyMissed;

    private final ChatActivity activity;
    /** Promised against actual waits (see {@link EtaAccuracy}). */
    public final EtaAccuracy eta;

    public RouterMetrics(MeterRegistry r, ChatActivity activity, ChatStore store) {
        registry = r;
        this.activity = activity;
        this.eta = new EtaAccuracy(r, store);
        started = Counter.builder("chat.started").description("chats started").register(r);
        offers = Counter.builder("chat.offers").description("offers sent to agents").register(r);
        accepted = Counter.builder("chat.offers.accepted").register(r);
        rejected = Counter.builder("chat.offers.rejected").register(r);
        expired = Counter.builder("chat.offers.expired").register(r);
        assigned = Counter.builder("chat.assigned").description("chats assigned to an agent").register(r);
        // Histograms with fixed buckets (Prometheus *_bucket series), not client-side percentiles: buckets from
        // every node add up, so p99 and "met %" are computed across nodes; the SLA targets are bucket edges.
        queueWait = Timer.builder("chat.queue.wait").description("from join to the first assignment")
                .serviceLevelObjectives(seconds(1, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)).register(r);
        decision = Timer.builder("chat.routing.decision").description("time of one assignment decision")
                .serviceLevelObjectives(seconds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)).register(r);
        greeting = Timer.builder("chat.sla.greeting").description("from join to the greeting")
                .serviceLevelObjectives(seconds(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30)).register(r);
        firstReply = Timer.builder("chat.sla.first.reply").description("from join to the first agent message")
                .serviceLevelObjectives(seconds(1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300)).register(r);
        greetingMet = Counter.builder("chat.sla.greeting.result").tag("met", "true").register(r);
        greetingMissed = Counter.builder("chat.sla.greeting.result").tag("met", "false").register(r);
        firstReplyMet = Counter.builder("chat.sla.first.reply.result").tag("met", "true").register(r);
        firstReplyMissed = Counter.builder("chat.sla.first.reply.result").tag("met", "false").register(r);
    }

    private static Duration[] seconds(double... edges) {
        Duration[] d = new Duration[edges.length];
        for (int i = 0; i < edges.length; i++) {
            d[i] = Duration.ofNanos(Math.round(edges[i] * 1e9));
        }
        return d;
    }

    public void closed(String reason) {
        Counter.builder("chat.closed").tag("reason", reason).register(registry).increment();
    }

    /** A chat started (counted, and told to the activity listener without its ids). */
    public void started(ChatRecord chat) {
        started.increment();
        activity.started(chat.group(), chat.tier().wire(), chat.tags());
    }

    /** A chat's first assignment after waiting {@code millis} from its start. */
    public void firstAssigned(ChatRecord chat, long millis) {
        queueWait.record(millis, TimeUnit.MILLISECONDS);
        if (chat.promisedEtaSeconds() >= 0) {
            eta.record(chat.group(), chat.tier().wire(), chat.promisedEtaSeconds(), Math.round(millis / 1000.0));
        }
        activity.assigned(chat.group(), chat.tier().wire(), millis);
    }

    public void message(boolean fromCustomer) {
        activity.message(fromCustomer);
    }

    public void handled(String group, long millis) {
        activity.handled(group, millis);
    }

    public void greeted(long millis) {
        activity.greeted(millis);
        greeting.record(millis, TimeUnit.MILLISECONDS);
        (millis <= GREETING_SLA.toMillis() ? greetingMet : greetingMissed).increment();
    }

    public void firstReply(long millis) {
        activity.firstReply(millis);
        firstReply.record(millis, TimeUnit.MILLISECONDS);
        (millis <= FIRST_REPLY_SLA.toMillis() ? firstReplyMet : firstReplyMissed).increment();
    }
}
