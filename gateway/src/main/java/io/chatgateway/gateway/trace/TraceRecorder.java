package io.chatgateway.gateway.trace;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.router.ChatActivity;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records this node's anonymised arrival trace: one JSON line per second with new chats by group,
 * tier and tags, message counts, first-assignment waits, handling times, service levels and queue
 * depth. No ids, no names, no text: only counts and durations ({@link ChatActivity} carries
 * nothing else). Kept in memory for {@code retentionSeconds} (the ops API serves it) and appended
 * to a file when one is given. {@code chat-loadtest replay --trace FILE} plays such a trace
 * against a gateway; {@code loadtest/traces/} has a synthetic 11.11-shaped one.
 *
 * <p>Format (JSON Lines, version 1): a header {@code {"trace":"chat-gateway","version":1,
 * "startSecond":<epoch s>}}, then per second {@code {"t":<s since start>,"arrivals":[{"group",
 * "tier","tags","n"}],"messages":{"customer","agent"},"waitMillis":[...],"handledSeconds":[...],
 * "greeting":{"met","missed"},"firstReply":{"met","missed"},"queueDepth":n}} (empty parts left out).
 *
 * <p>Events land in the bucket of the second they happen in (any thread); {@link #flush} closes
 * the seconds that ended at least a second ago, so a late event of a closed second is counted in
 * the next one rather than lost.
 */
public final class TraceRecorder implements ChatActivity, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TraceRecorder.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Per second at most this many wait and handling-time samples are kept (the counts stay exact). */
    static final int MAX_SAMPLES_PER_SECOND = 2000;

    private final LongSupplier nowMillis;
    private final IntSupplier queueDepth;
    private final int retentionSeconds;
    private final long startSecond;
    private final String header;
    private final ConcurrentHashMap<Long, Second> open = new ConcurrentHashMap<>();
    private final ArrayDeque<String> kept = new ArrayDeque<>();
    private final BufferedWriter file;
    private long nextSecond;
    private volatile Current current;

    /**
     * @param nowMillis  the clock (epoch ms)
     * @param queueDepth shoppers waiting on this node's view now (read once a second)
     * @param file       where to append the trace too, or null
     */
    public TraceRecorder(LongSupplier nowMillis, IntSupplier queueDepth, int retentionSeconds, Path file) {
        this.nowMillis = nowMillis;
        this.queueDepth = queueDepth;
        this.retentionSeconds = retentionSeconds;
        this.startSecond = nowMillis.getAsLong() / 1000;
        this.nextSecond = startSecond;
        ObjectNode h = JSON.createObjectNode().put("trace", "chat-gateway").put("version", 1).put("startSecond", startSecond)
                .put("anonymised", "counts and durations only: no ids, no names, no text");
        this.header = h.toString();
        BufferedWriter w = null;
        if (file != null) {
            try {
                w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                w.write(header);
                w.newLine();
                w.flush();
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot write the trace file " + file + ": " + e.getMessage(), e);
            }
        }
        this.file = w;
    }

    /** The bucket of the current second; the last one is kept at hand (a message's event should cost a counter, not a map lookup). */
    private Second now() {
        long second = nowMillis.getAsLong() / 1000;
        Current c = current;
        if (c != null && c.second == second) {
            return c.bucket;
        }
        Second bucket = open.computeIfAbsent(second, s -> new Second());
        current = new Current(second, bucket);
        return bucket;
    }

    private record Current(long second, Second bucket) {
    }

    @Override
    public void started(String group, String tier, List<String> tags) {
        now().arrivals.computeIfAbsent(group + '\t' + tier + '\t' + String.join(",", tags.stream().sorted().toList()),
                k -> new LongAdder()).increment();
    }

    @Override
    public void assigned(String group, String tier, long waitedMillis) {
        Second s = now();
        s.sample(s.waits, waitedMillis);
    }

    @Override
    public void message(boolean fromCustomer) {
        Second s = now();
        (fromCustomer ? s.customerMessages : s.agentMessages).increment();
    }

    @Override
    public void handled(String group, long handledMillis) {
        Second s = now();
        s.sample(s.handled, Math.round(handledMillis / 1000.0));
    }

    @Override
    public void greeted(long millis) {
        Second s = now();
        (millis <= GREETING_TARGET.toMillis() ? s.greetingMet : s.greetingMissed).increment();
    }

    @Override
    public void firstReply(long millis) {
        Second s = now();
        (millis <= FIRST_REPLY_TARGET.toMillis() ? s.firstReplyMet : s.firstReplyMissed).increment();
    }

    /** Closes every second that ended at least a second ago (called once a second). */
    public synchronized void flush() {
        long last = nowMillis.getAsLong() / 1000 - 2;
        int depth = queueDepth.getAsInt();
        for (; nextSecond <= last; nextSecond++) {
            Second s = open.remove(nextSecond);
            String line = line(nextSecond - startSecond, s, depth);
            kept.addLast(line);
            if (kept.size() > retentionSeconds) {
                kept.removeFirst();
            }
            if (file != null) {
                try {
                    file.write(line);
                    file.newLine();
                } catch (IOException e) {
                    log.warn("trace file write failed: {}", e.getMessage());
                }
            }
        }
        if (file != null) {
            try {
                file.flush();
            } catch (IOException e) {
                log.warn("trace file flush failed: {}", e.getMessage());
            }
        }
    }

    /** The header and the last {@code seconds} seconds kept, oldest first. */
    public synchronized List<String> lines(int seconds) {
        List<String> out = new ArrayList<>();
        out.add(header);
        int skip = Math.max(0, kept.size() - seconds);
        int i = 0;
        for (String l : kept) {
            if (i++ >= skip) {
                out.add(l);
            }
        }
        return out;
    }

    private static String line(long t, Second s, int depth) {
        ObjectNode o = JSON.createObjectNode().put("t", t);
        if (s != null) {
            if (!s.arrivals.isEmpty()) {
                ArrayNode a = o.putArray("arrivals");
                for (Map.Entry<String, LongAdder> e : new TreeMap<>(s.arrivals).entrySet()) {
                    String[] k = e.getKey().split("\t", -1);
                    ObjectNode g = a.addObject().put("group", k[0]).put("tier", k[1]);
                    ArrayNode tags = g.putArray("tags");
                    if (!k[2].isEmpty()) {
                        for (String tag : k[2].split(",")) {
                            tags.add(tag);
                        }
                    }
                    g.put("n", e.getValue().sum());
                }
            }
            long c = s.customerMessages.sum();
            long a = s.agentMessages.sum();
            if (c + a > 0) {
                o.putObject("messages").put("customer", c).put("agent", a);
            }
            putAll(o, "waitMillis", s.waits);
            putAll(o, "handledSeconds", s.handled);
            met(o, "greeting", s.greetingMet, s.greetingMissed);
            met(o, "firstReply", s.firstReplyMet, s.firstReplyMissed);
        }
        o.put("queueDepth", depth);
        return o.toString();
    }

    private static void putAll(ObjectNode o, String name, ConcurrentLinkedQueue<Long> values) {
        if (!values.isEmpty()) {
            ArrayNode a = o.putArray(name);
            values.forEach(a::add);
        }
    }

    private static void met(ObjectNode o, String name, LongAdder met, LongAdder missed) {
        if (met.sum() + missed.sum() > 0) {
            o.putObject(name).put("met", met.sum()).put("missed", missed.sum());
        }
    }

    @Override
    public synchronized void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                log.warn("trace file close failed: {}", e.getMessage());
            }
        }
    }

    /** What happened in one second. */
    private static final class Second {
        final ConcurrentHashMap<String, LongAdder> arrivals = new ConcurrentHashMap<>();
        final LongAdder customerMessages = new LongAdder();
        final LongAdder agentMessages = new LongAdder();
        final ConcurrentLinkedQueue<Long> waits = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> handled = new ConcurrentLinkedQueue<>();
        final AtomicInteger samples = new AtomicInteger();
        final LongAdder greetingMet = new LongAdder();
        final LongAdder greetingMissed = new LongAdder();
        final LongAdder firstReplyMet = new LongAdder();
        final LongAdder firstReplyMissed = new LongAdder();

        void sample(ConcurrentLinkedQueue<Long> into, long value) {
            if (samples.incrementAndGet() <= MAX_SAMPLES_PER_SECOND) {
                into.add(value);
            }
        }
    }
}
