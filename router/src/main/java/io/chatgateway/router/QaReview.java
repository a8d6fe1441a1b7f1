package io.chatgateway.router;

import java.util.List;

/** A closed chat sampled for quality review: its masked transcript and the shopper's rating, if any. */
public record QaReview(QaSample sample, Csat csat) {

    /** A closed chat picked for review, with its transcript (card and phone numbers masked). */
    public record QaSample(String chatId, String agentId, String customerTier, String group, long closedAtMillis, String reason,
                           List<Line> transcript) {
        public QaSample {
            transcript = List.copyOf(transcript);
        }

        /** One message: who, when (epoch ms), what. */
        public record Line(String from, long ts, String text) {
        }
    }

    /** A stored satisfaction answer (1–5, comment may be null). */
    public record Csat(int score, String comment) {
    }
}
