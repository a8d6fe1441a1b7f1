package io.chatgateway.gateway.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * A recorded arrival trace (the gateway's {@code TraceRecorder} format, JSON Lines version 1): a
 * header, then one line per second. Read whole; a malformed line is an error naming its number.
 */
public record Trace(long startSecond, List<Second> seconds) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** New chats of one kind in one second. */
    public record Arrival(String group, String tier, List<String> tags, long n) {
    }

    /** One second of the trace. */
    public record Second(long t, List<Arrival> arrivals, long customerMessages, long agentMessages, long[] waitMillis,
                         long[] handledSeconds, long greetingMet, long greetingMissed, long firstReplyMet, long firstReplyMissed,
                         long queueDepth) {
        public long arrivalCount() {
            return arrivals.stream().mapToLong(Arrival::n).sum();
        }
    }

    public static Trace read(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file));
    }

    /** A trace from its lines; {@code source} names it in errors (a file, "the request body"). */
    public static Trace parse(String source, List<String> lines) {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(source + " is empty (expected: a chat-gateway trace, JSON Lines)");
        }
        JsonNode header = parse(source, lines.get(0), 1);
        if (!"chat-gateway".equals(header.path("trace").asText()) || header.path("version").asInt() != 1) {
            throw new IllegalArgumentException(source + " line 1 is not a trace header (expected: {\"trace\":\"chat-gateway\",\"version\":1,...})");
        }
        List<Second> seconds = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode s = parse(source, lines.get(i), i + 1);
            if (!s.path("t").canConvertToLong()) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + " has no \"t\" (expected: seconds since the start)");
            }
            List<Arrival> arrivals = new ArrayList<>();
            for (JsonNode a : s.path("arrivals")) {
                List<String> tags = new ArrayList<>();
                a.path("tags").forEach(tag -> tags.add(tag.asText()));
                arrivals.add(new Arrival(a.path("group").asText("general"), a.path("tier").asText("regular"), tags, a.path("n").asLong()));
            }
            seconds.add(new Second(s.get("t").asLong(), arrivals, s.at("/messages/customer").asLong(), s.at("/messages/agent").asLong(),
                    longs(s.path("waitMillis")), longs(s.path("handledSeconds")), s.at("/greeting/met").asLong(),
                    s.at("/greeting/missed").asLong(), s.at("/firstReply/met").asLong(), s.at("/firstReply/missed").asLong(),
                    s.path("queueDepth").asLong()));
        }
        return new Trace(header.path("startSecond").asLong(), seconds);
    }

    private static JsonNode parse(String file, String line, int number) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " line " + number + " is not JSON: " + e.getMessage());
        }
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** How long the trace covers, in seconds. */
    public long duration() {
        return seconds.isEmpty() ? 0 : seconds.get(seconds.size() - 1).t() + 1;
    }

    public long arrivals() {
        return seconds.stream().mapToLong(Second::arrivalCount).sum();
    }

    public long peakArrivalsPerSecond() {
        return seconds.stream().mapToLong(Second::arrivalCount).max().orElse(0);
    }

    /** Every group the trace's shoppers asked for (agents of a rehearsal serve them all). */
    public List<String> groups() {
        TreeSet<String> g = new TreeSet<>();
        seconds.forEach(s -> s.arrivals().forEach(a -> g.add(a.group())));
        return List.copyOf(g);
    }

    /** Every recorded handling time, seconds, in the trace's order (a rehearsal's agents take them in turn). */
    public long[] handledSeconds() {
        return seconds.stream().flatMapToLong(s -> Arrays.stream(s.handledSeconds())).toArray();
    }

    public long[] waitMillis() {
        return seconds.stream().flatMapToLong(s -> Arrays.stream(s.waitMillis())).toArray();
    }

    /** Customer messages per arrival, on average (a rehearsal's shoppers send that many). */
    public double customerMessagesPerChat() {
        long arrivals = arrivals();
        return arrivals == 0 ? 0 : seconds.stream().mapToLong(Second::customerMessages).sum() / (double) arrivals;
    }

    public long maxQueueDepth() {
        return seconds.stream().mapToLong(Second::queueDepth).max().orElse(0);
    }

    public double meanQueueDepth() {
        return seconds.stream().mapToLong(Second::queueDepth).average().orElse(0);
    }

    /** Share of greetings within 15 s, or NaN when none were recorded. */
    public double greetingMet() {
        long met = seconds.stream().mapToLong(Second::greetingMet).sum();
        long all = met + seconds.stream().mapToLong(Second::greetingMissed).sum();
        return all == 0 ? Double.NaN : met / (double) all;
    }

    /** Share of first replies within 30 s, or NaN when none were recorded. */
    public double firstReplyMet() {
        long met = seconds.stream().mapToLong(Second::firstReplyMet).sum();
        long all = met + seconds.stream().mapToLong(Second::firstReplyMissed).sum();
        return all == 0 ? Double.NaN : met / (double) all;
    }
}
