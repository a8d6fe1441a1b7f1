package io.chatgateway.loadtest.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import io.chatgateway.loadtest.client.WsClient;
import io.chatgateway.loadtest.metrics.OpenSchedule;
import io.chatgateway.loadtest.metrics.SeqTracker;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The load scenarios. Each plays widgets and agent desktops over real WebSockets and records into
 * the {@link Context}: counters, end-to-end latency from the time each event was due (open model,
 * coordinated omission corrected), greeting latency, queue depth.
 */
public final class Scenarios {
    /** Ids differ per run, so a run never meets (and resumes) the chats of an earlier run on the same server. */
    private static final String RUN = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    private Scenarios() {
    }

    /** Settings of one run; unused ones are ignored by a scenario. */
    public record Settings(int pairs, double ratePerPair, int seconds, int perAgent, int payloadBytes, int slow,
                           double surgeStart, double surgeEnd, int rampSeconds, int staySeconds, int agents,
                           int sessions, double dropsPerSecond) {
    }

    private static String pad(int bytes) {
        return bytes <= 0 ? "" : " " + "x".repeat(bytes);
    }

    /** Microseconds since {@code fromNanos} (a due time of the open schedule). */
    static long micros(long fromNanos) {
        return (System.nanoTime() - fromNanos) / 1000;
    }

    private static long dueOf(String text) {
        int end = text.indexOf(' ');
        return Long.parseLong(end < 0 ? text : text.substring(0, end));
    }

    /**
     * Steady chat: {@code pairs} shoppers chatting with agents ({@code perAgent} chats each), every
     * shopper sending {@code ratePerPair} messages a second on an open schedule, every agent answering
     * each at once. Both directions count as routed messages and as latency samples. {@code slow}
     * extra shoppers stop reading once assigned: they must be cut off without slowing anyone else.
     */
    public static void steady(Context ctx, Settings s, PrintStream out) throws Exception {
        int agentCount = (s.pairs() + s.slow() + s.perAgent() - 1) / s.perAgent();
        List<WsClient> agents = connectAgents(ctx, "load-agent", agentCount, (c, m) -> {
            switch (m.path("type").asText()) {
                case "message" -> {
                    if ("customer".equals(m.path("from").asText())) {
                        ctx.latency.recordMicros(micros(dueOf(m.path("text").asText())));
                        ctx.count("received");
                        c.send("{\"type\":\"message\",\"chatId\":\"" + m.path("chatId").asText() + "\",\"text\":\""
                                + System.nanoTime() + pad(s.payloadBytes()) + "\"}");
                        ctx.count("sent");
                    }
                }
                case "error" -> ctx.count("errors");
                default -> {
                }
            }
        });
        List<WsClient> shoppers = new ArrayList<>();
        CountDownLatch assigned = new CountDownLatch(s.pairs() + s.slow());
        for (int i = 0; i < s.pairs() + s.slow(); i++) {
            boolean slow = i >= s.pairs();
            String id = "load-shopper-" + RUN + "-" + i;
            shoppers.add(ctx.connect(ctx.customerUri, new WsClient.Listener() {
                @Override
                public void onOpen(WsClient c) {
                    c.send(ctx.customerHello(id, "regular"));
                }

                @Override
                public void onText(WsClient c, String text) {
                    JsonNode m = Context.parse(text);
                    switch (m.path("type").asText()) {
                        case "assigned" -> {
                            ctx.count("assigned");
                            assigned.countDown();
                            if (slow) {
                                c.setReading(false);
                            }
                        }
                        case "message" -> {
                            if ("agent".equals(m.path("from").asText())) {
                                ctx.latency.recordMicros(micros(dueOf(m.path("text").asText())));
                                ctx.count("received");
                            }
                        }
                        case "script" -> {
                            if ("greeting".equals(m.path("kind").asText())) {
                                ctx.count("greeted");
                            }
                        }
                        case "error" -> ctx.count("errors");
                        default -> {
                        }
                    }
                }

                @Override
                public void onClose(WsClient c, int code) {
                    ctx.count("closedByServer");
                }
            }).get(30, TimeUnit.SECONDS));
        }
        if (!assigned.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("only " + (s.pairs() + s.slow() - assigned.getCount()) + " of " + (s.pairs() + s.slow())
                    + " shoppers were assigned within 60 s (are there enough agent slots?)");
        }
        double rate = s.pairs() * s.ratePerPair() + s.slow() * s.ratePerPair();
        OpenSchedule schedule = OpenSchedule.constant(rate);
        try (Progress p = new Progress(ctx, out, "steady: " + s.pairs() + " pairs, " + rate + " msg/s from shoppers, "
                + s.slow() + " slow consumers, " + s.seconds() + " s")) {
            double cpu0 = ctx.serverCpuSeconds();
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(s.seconds());
            long received0 = ctx.counter("received");
            ctx.timer.schedule(() -> {
                // The measurement window: server CPU and routed messages of exactly the steady phase.
                ctx.serverCpu = ctx.serverCpuSeconds() - cpu0;
                ctx.windowReceived = ctx.counter("received") - received0;
            }, s.seconds(), TimeUnit.SECONDS);
            schedule.play(start, end, (i, due) -> {
                WsClient c = shoppers.get((int) (i % shoppers.size()));
                if (c.isOpen()) {
                    c.send("{\"type\":\"message\",\"text\":\"" + due + pad(s.payloadBytes()) + "\"}");
                    ctx.count("sent");
                }
                        });
            Thread.sleep(1000); // let the last replies arrive
        }
        for (WsClient c : shoppers) {
            c.send("{\"type\":\"close\"}"); // end the chats, so the next run finds free agents
        }
        Thread.sleep(500);
        shoppers.forEach(WsClient::close);
        agents.forEach(WsClient::close);
    }

    /**
     * Big-sale surge: new shoppers arrive on an open schedule ramping from {@code surgeStart} to
     * {@code surgeEnd} a second over {@code rampSeconds}, then hold the end rate until
     * {@code seconds}; each stays {@code staySeconds} and leaves. Counts greeted, queued,
     * assigned, failures; greeting latency is measured from the arrival's due time.
     */
    public static void surge(Context ctx, Settings s, PrintStream out) throws Exception {
        List<WsClient> agents = connectAgents(ctx, "surge-agent", s.agents(), (c, m) -> { });
        OpenSchedule schedule = new OpenSchedule(s.surgeStart(), s.surgeEnd(), s.rampSeconds());
        try (Progress p = new Progress(ctx, out, "surge: " + s.surgeStart() + " -> " + s.surgeEnd() + " new chats/s over "
                + s.rampSeconds() + " s, " + s.seconds() + " s in all, " + s.agents() + " agents, stay " + s.staySeconds() + " s")) {
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(s.seconds());
            schedule.play(start, end, (i, due) -> {
                String tier = i % 7 == 0 ? "vip" : i % 3 == 0 ? "new" : "regular";
                String id = "surge-" + RUN + "-" + i;
                ctx.connect(ctx.customerUri, new WsClient.Listener() {
                    private volatile boolean greeted;
                    private volatile boolean left;
                    private boolean queued;

                    @Override
                    public void onOpen(WsClient c) {
                        c.send(ctx.customerHello(id, tier));
                        ctx.timer.schedule(() -> {
                            left = true;
                            c.send("{\"type\":\"close\"}"); // the shopper leaves the chat, then the page
                            c.close();
                        }, s.staySeconds(), TimeUnit.SECONDS);
                    }

                    @Override
                    public void onText(WsClient c, String text) {
                        JsonNode m = Context.parse(text);
                        switch (m.path("type").asText()) {
                            case "script" -> {
                                if (!greeted && "greeting".equals(m.path("kind").asText())) {
                                    greeted = true;
                                    ctx.greeting.recordMicros(micros(due));
                                    ctx.count("greeted");
                                }
                            }
                            case "queued" -> {
                                if (!queued) {
                                    queued = true;
                                    ctx.count("queued");
                                }
                            }
                            case "assigned" -> ctx.count("assigned");
                            case "leave_message_ack" -> ctx.count("leftMessage");
                            case "error" -> ctx.count("errors");
                            default -> {
                            }
                        }
                    }

                    @Override
                    public void onClose(WsClient c, int code) {
                        if (!greeted) {
                            ctx.fail(left ? "no greeting within the " + s.staySeconds() + " s stay (the shopper left)"
                                    : "closed before the greeting, code " + code);
                        }
                    }
                }).whenComplete((c, e) -> {
                    if (e != null) {
                        ctx.fail("connect failed: " + e.getClass().getSimpleName());
                    }
                });
                        });
            Thread.sleep(TimeUnit.SECONDS.toMillis(s.staySeconds()) + 1000);
        }
        agents.forEach(WsClient::close);
    }

    /** Idle soak: {@code sessions} shoppers connect, are greeted, and hold for {@code seconds}. */
    public static List<WsClient> idle(Context ctx, Settings s, PrintStream out) throws Exception {
        List<WsClient> held = new ArrayList<>();
        CountDownLatch greeted = new CountDownLatch(s.sessions());
        try (Progress p = new Progress(ctx, out, "idle: " + s.sessions() + " sessions held for " + s.seconds() + " s")) {
            for (int i = 0; i < s.sessions(); i++) {
                String id = "idle-" + RUN + "-" + i;
                held.add(ctx.connect(ctx.customerUri, new WsClient.Listener() {
                    @Override
                    public void onOpen(WsClient c) {
                        c.send(ctx.customerHello(id, "regular"));
                    }

                    @Override
                    public void onText(WsClient c, String text) {
                        if (text.contains("\"type\":\"welcome\"")) { // B0 greets nobody, so the welcome is what counts
                            ctx.count("greeted");
                            greeted.countDown();
                        }
                    }

                    @Override
                    public void onClose(WsClient c, int code) {
                        ctx.count("closedByServer");
                    }
                }).get(30, TimeUnit.SECONDS));
                if (i % 500 == 499) {
                    Thread.sleep(50); // do not flood the accept queue
                }
            }
            greeted.await(120, TimeUnit.SECONDS);
            out.println("# " + (s.sessions() - greeted.getCount()) + " sessions open and welcomed; holding");
            Thread.sleep(TimeUnit.SECONDS.toMillis(s.seconds()));
        }
        return held;
    }

    /**
     * Reconnect storm: {@code pairs} shoppers in assigned chats; agents send each chat
     * {@code ratePerPair} messages a second; shoppers drop their connection at random
     * ({@code dropsPerSecond} each) and resume from their last contiguous seq after 100-500 ms.
     * At the end every shopper resumes once more, and lost and doubled seqs are counted against
     * the chat's last seq from the server's welcome: both must be zero.
     */
    public static void reconnectStorm(Context ctx, Settings s, PrintStream out) throws Exception {
        if (ctx.tokens == null) {
            throw new IllegalArgumentException("the reconnect storm needs --secret (shoppers resume with a token)");
        }
        Map<String, WsClient> agentByChat = new ConcurrentHashMap<>();
        int agentCount = (s.pairs() + s.perAgent() - 1) / s.perAgent();
        List<WsClient> agents = connectAgents(ctx, "storm-agent", agentCount, (c, m) -> {
            if ("assigned".equals(m.path("type").asText())) {
                agentByChat.put(m.path("chatId").asText(), c);
            }
        });
        List<StormShopper> shoppers = new ArrayList<>();
        for (int i = 0; i < s.pairs(); i++) {
            StormShopper sh = new StormShopper(ctx, "storm-" + RUN + "-" + i);
            shoppers.add(sh);
            sh.open(null).get(30, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (agentByChat.size() < s.pairs() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<String> chats = new ArrayList<>(agentByChat.keySet());
        OpenSchedule schedule = OpenSchedule.constant(s.pairs() * s.ratePerPair());
        try (Progress p = new Progress(ctx, out, "reconnect storm: " + s.pairs() + " chats, " + s.ratePerPair()
                + " msg/s each, " + s.dropsPerSecond() + " drops/s per shopper, " + s.seconds() + " s")) {
            var dropper = ctx.timer.scheduleAtFixedRate(() -> {
                for (StormShopper sh : shoppers) {
                    if (ThreadLocalRandom.current().nextDouble() < s.dropsPerSecond() / 10) {
                        sh.dropAndResume();
                    }
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(s.seconds());
            schedule.play(start, end, (i, due) -> {
                String chat = chats.get((int) (i % chats.size()));
                agentByChat.get(chat).send("{\"type\":\"message\",\"chatId\":\"" + chat + "\",\"text\":\"" + due + "\"}");
                ctx.count("sent");
                        });
            dropper.cancel(false);
            Thread.sleep(1500);
        }
        // The final tally: every shopper resumes once more and must then hold exactly 1..lastSeq.
        for (StormShopper sh : shoppers) {
            sh.finalResume();
        }
        Thread.sleep(2000);
        long lost = 0;
        long doubled = 0;
        for (StormShopper sh : shoppers) {
            lost += sh.tracker.missing(sh.serverLastSeq);
            doubled += sh.tracker.duplicates();
        }
        ctx.add("lost", lost);
        ctx.add("doubled", doubled);
        out.printf("# reconnect storm: %d reconnects, lost %d, doubled %d%n", ctx.counter("reconnects"), lost, doubled);
        shoppers.forEach(StormShopper::close);
        agents.forEach(WsClient::close);
    }

    /**
     * Connects {@code count} auto-accepting agent desktops and waits until each is welcomed; every
     * later frame goes to {@code onFrame}.
     */
    private static List<WsClient> connectAgents(Context ctx, String prefix, int count,
                                                java.util.function.BiConsumer<WsClient, JsonNode> onFrame) throws Exception {
        return connectAgents(ctx, prefix, count, null, onFrame);
    }

    /**
     * {@code count} auto-accepting agents, welcomed before this returns. With {@code groups} (a
     * rehearsal's staff) they serve those groups and every third is senior, so VIPs' first ladder
     * step finds someone; without, regular agents of the default group.
     */
    static List<WsClient> connectAgents(Context ctx, String prefix, int count, List<String> groups,
                                        java.util.function.BiConsumer<WsClient, JsonNode> onFrame) throws Exception {
        List<WsClient> agents = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + RUN + "-" + i;
            int n = i;
            agents.add(ctx.connect(ctx.agentUri, new WsClient.Listener() {
                @Override
                public void onOpen(WsClient c) {
                    c.send(groups == null ? ctx.agentHello(id) : ctx.agentHello(id, n % 3 == 0 ? "senior" : "regular", groups));
                }

                @Override
                public void onText(WsClient c, String text) {
                    JsonNode m = Context.parse(text);
                    if ("welcome".equals(m.path("type").asText())) {
                        ready.countDown();
                    } else {
                        onFrame.accept(c, m);
                    }
                }

                @Override
                public void onClose(WsClient c, int code) {
                }
            }).get(30, TimeUnit.SECONDS));
        }
        if (!ready.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException((count - ready.getCount()) + " of " + count + " agents were welcomed within 30 s");
        }
        return agents;
    }

    /** One shopper of the storm: tracks seqs across its connections. */
    private static final class StormShopper {
        final Context ctx;
        final String id;
        final SeqTracker tracker = new SeqTracker();
        volatile String chatId;
        volatile long serverLastSeq;
        volatile WsClient current;
        volatile boolean reconnecting;

        StormShopper(Context ctx, String id) {
            this.ctx = ctx;
            this.id = id;
        }

        java.util.concurrent.CompletableFuture<WsClient> open(String resumeChat) {
            return ctx.connect(ctx.customerUri, new WsClient.Listener() {
                @Override
                public void onOpen(WsClient c) {
                    current = c;
                    c.send(resumeChat == null ? ctx.customerHello(id, "regular")
                            : ctx.customerResume(id, "regular", resumeChat, tracker.contiguous()));
                }

                @Override
                public void onText(WsClient c, String text) {
                    JsonNode m = Context.parse(text);
                    String type = m.path("type").asText();
                    if ("welcome".equals(type)) {
                        chatId = m.path("chatId").asText();
                        serverLastSeq = Math.max(serverLastSeq, m.path("lastSeq").asLong());
                    } else if (m.has("seq")) {
                        long seq = m.path("seq").asLong();
                        serverLastSeq = Math.max(serverLastSeq, seq);
                        tracker.receive(seq);
                        if ("message".equals(type) && "agent".equals(m.path("from").asText())) {
                            ctx.latency.recordMicros(micros(dueOf(m.path("text").asText())));
                            ctx.count("received");
                        } else if ("assigned".equals(type)) {
                            ctx.count("assigned");
                        }
                    } else if ("error".equals(type)) {
                        ctx.count("errors");
                    }
                }

                @Override
                public void onClose(WsClient c, int code) {
                }
            });
        }

        void dropAndResume() {
            WsClient c = current;
            if (reconnecting || c == null || chatId == null) {
                return;
            }
            reconnecting = true;
            c.drop();
            ctx.count("reconnects");
            ctx.timer.schedule(() -> open(chatId).whenComplete((x, e) -> reconnecting = false),
                    100 + ThreadLocalRandom.current().nextInt(400), TimeUnit.MILLISECONDS);
        }

        void finalResume() throws Exception {
            while (reconnecting) {
                Thread.sleep(10);
            }
            WsClient c = current;
            if (c != null) {
                c.drop();
            }
            open(chatId).get(30, TimeUnit.SECONDS);
        }

        void close() {
            WsClient c = current;
            if (c != null) {
                c.close();
            }
        }
    }
}
