package io.chatgateway.router;

import java.time.Duration;

/**
 * Immutable router settings that need no live tuning (weights, capacities, ladders and timeouts are
 * in the live {@link io.chatgateway.router.config.RoutingConfig}). Defaults (DOMAIN.md):
 * <ul>
 *   <li>{@link #DEFAULT_GROUP} {@code general}: for shoppers who name no group and agents who serve none.</li>
 *   <li>{@link #DEFAULT_AGENT_RECONNECT_GRACE} 15 s: an agent whose connection drops keeps their chats
 *       this long (not offered new ones); then the chats go back to the queue at their original place.
 *       Zero re-queues at once; longer spares flaky desktops but lets shoppers wait on a dead agent.</li>
 *   <li>{@link #DEFAULT_ABANDON_AFTER} 2 min: a waiting shopper whose widget is gone this long leaves the queue
 *       (closed with reason {@code abandoned}), so ghosts do not hold places.</li>
 *   <li>{@link #DEFAULT_AVERAGE_HANDLE_TIME} 5 min: the handling time assumed for queue ETAs until chats have
 *       been closed; after that a moving average of measured handling times is used.</li>
 *   <li>{@link #DEFAULT_POSITION_UPDATES} 50: after the queue moves, this many shoppers at its head get a new position.</li>
 *   <li>{@link #DEFAULT_MAX_PENDING_EVENTS} 100,000: events waiting for the router; beyond it clients get
 *       {@code unavailable} instead of the gateway buffering without bound.</li>
 *   <li>{@link #DEFAULT_WORKERS} the available cores: router workers (lanes). Each shopper's and each agent's
 *       events run in order on their own lane, lanes run in parallel; decisions that touch several
 *       (a chat and an agent's capacity) are atomic steps of the store. One is the old single worker.</li>
 *   <li>default language {@code en}, shop name {@code our shop}.</li>
 * </ul>
 */
public final class RouterOptions {
    public static final String DEFAULT_GROUP = "general";
    public static final Duration DEFAULT_AGENT_RECONNECT_GRACE = Duration.ofSeconds(15);
    public static final Duration DEFAULT_ABANDON_AFTER = Duration.ofMinutes(2);
    public static final Duration DEFAULT_AVERAGE_HANDLE_TIME = Duration.ofMinutes(5);
    public static final int DEFAULT_POSITION_UPDATES = 50;
    public static final int DEFAULT_MAX_PENDING_EVENTS = 100_000;
    public static final int DEFAULT_WORKERS = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** More lanes than this buys nothing: the store's atomic steps and the event loops bound it first. */
    public static final int MAX_WORKERS = 64;

    private final String defaultGroup;
    private final Duration agentReconnectGrace;
    private final Duration abandonAfter;
    private final Duration averageHandleTime;
    private final ChatActivity activity;
    private final int positionUpdates;
    private final int maxPendingEvents;
    private final String defaultLang;
    private final String shopName;
    private final int workers;

    private RouterOptions(Builder b) {
        this.defaultGroup = b.defaultGroup;
        this.agentReconnectGrace = b.agentReconnectGrace;
        this.abandonAfter = b.abandonAfter;
        this.averageHandleTime = b.averageHandleTime;
        this.activity = b.activity;
        this.positionUpdates = b.positionUpdates;
        this.maxPendingEvents = b.maxPendingEvents;
        this.defaultLang = b.defaultLang;
        this.shopName = b.shopName;
        this.workers = b.workers;
    }

    /** A builder holding these options, to change some. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.defaultGroup = defaultGroup;
        b.agentReconnectGrace = agentReconnectGrace;
        b.abandonAfter = abandonAfter;
        b.averageHandleTime = averageHandleTime;
        b.activity = activity;
        b.positionUpdates = positionUpdates;
        b.maxPendingEvents = maxPendingEvents;
        b.defaultLang = defaultLang;
        b.shopName = shopName;
        b.workers = workers;
        return b;
    }

    public static RouterOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String defaultGroup() {
        return defaultGroup;
    }

    public Duration agentReconnectGrace() {
        return agentReconnectGrace;
    }

    public Duration abandonAfter() {
        return abandonAfter;
    }

    /** Who hears of chats starting, waiting, closing (counts and durations only); {@link ChatActivity#NONE} by default. */
    public ChatActivity activity() {
        return activity;
    }

    public Duration averageHandleTime() {
        return averageHandleTime;
    }

    public int positionUpdates() {
        return positionUpdates;
    }

    public int maxPendingEvents() {
        return maxPendingEvents;
    }

    public String defaultLang() {
        return defaultLang;
    }

    public String shopName() {
        return shopName;
    }

    /** Router workers (lanes) this node runs events on; see {@link #DEFAULT_WORKERS}. */
    public int workers() {
        return workers;
    }

    /** Builder starting from the defaults. */
    public static final class Builder {
        private String defaultGroup = DEFAULT_GROUP;
        private Duration agentReconnectGrace = DEFAULT_AGENT_RECONNECT_GRACE;
        private Duration abandonAfter = DEFAULT_ABANDON_AFTER;
        private Duration averageHandleTime = DEFAULT_AVERAGE_HANDLE_TIME;
        private ChatActivity activity = ChatActivity.NONE;
        private int positionUpdates = DEFAULT_POSITION_UPDATES;
        private int maxPendingEvents = DEFAULT_MAX_PENDING_EVENTS;
        private String defaultLang = "en";
        private String shopName = "our shop";
        private int workers = DEFAULT_WORKERS;

        Builder() {
        }

        public Builder defaultGroup(String g) {
            if (g == null || g.isBlank()) {
                throw new IllegalArgumentException("defaultGroup is empty (expected: a group name)");
            }
            this.defaultGroup = g;
            return this;
        }


        public Builder agentReconnectGrace(Duration d) {
            this.agentReconnectGrace = nonNegative("agentReconnectGrace", d);
            return this;
        }

        public Builder abandonAfter(Duration d) {
            this.abandonAfter = nonNegative("abandonAfter", d);
            return this;
        }

        /** A listener to chats' activity (e.g. the gateway's trace recorder). */
        public Builder activity(ChatActivity listener) {
            this.activity = java.util.Objects.requireNonNull(listener, "activity");
            return this;
        }

        public Builder averageHandleTime(Duration d) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("averageHandleTime " + d + " (expected: > 0)");
            }
            this.averageHandleTime = d;
            return this;
        }

        public Builder positionUpdates(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("positionUpdates " + n + " (expected: >= 0)");
            }
            this.positionUpdates = n;
            return this;
        }

        public Builder maxPendingEvents(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxPendingEvents " + n + " (expected: >= 1)");
            }
            this.maxPendingEvents = n;
            return this;
        }

        public Builder defaultLang(String lang) {
            if (!"en".equals(lang) && !"zh-CN".equals(lang)) {
                throw new IllegalArgumentException("defaultLang '" + lang + "' (expected: \"en\" or \"zh-CN\")");
            }
            this.defaultLang = lang;
            return this;
        }

        public Builder shopName(String name) {
            if (name == null || name.isBlank() || name.length() > 64) {
                throw new IllegalArgumentException("shopName (expected: 1..64 chars)");
            }
            this.shopName = name;
            return this;
        }

        public Builder workers(int n) {
            if (n < 1 || n > MAX_WORKERS) {
                throw new IllegalArgumentException("workers " + n + " (expected: 1.." + MAX_WORKERS + ")");
            }
            this.workers = n;
            return this;
        }

        private static Duration nonNegative(String name, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(name + " " + d + " (expected: >= 0)");
            }
            return d;
        }

        public RouterOptions build() {
            return new RouterOptions(this);
        }
    }
}
