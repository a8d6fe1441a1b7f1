package io.chatgateway.loadtest.metrics;

import java.util.BitSet;

/**
 * Counts, for one chat, which sequence numbers a client received: duplicates as they arrive, and
 * at the end the numbers missing up to the highest the server said exists. Loss and duplication
 * must both be zero across reconnects.
 */
public final class SeqTracker {
    private final BitSet seen = new BitSet();
    private long duplicates;
    private long highest;

    /** Records a received seq; returns false when it was a duplicate. */
    public synchronized boolean receive(long seq) {
        if (seq < 1 || seq > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("seq " + seq + " (expected 1.." + Integer.MAX_VALUE + ")");
        }
        highest = Math.max(highest, seq);
        if (seen.get((int) seq)) {
            duplicates++;
            return false;
        }
        seen.set((int) seq);
        return true;
    }

    /** The highest seq received in order without a gap (what to resume from). */
    public synchronized long contiguous() {
        int firstMissing = seen.nextClearBit(1);
        return firstMissing - 1;
    }

    public synchronized long duplicates() {
        return duplicates;
    }

    /** Seqs 1..{@code lastSeq} never received. */
    public synchronized long missing(long lastSeq) {
        long have = seen.get(1, (int) Math.min(Integer.MAX_VALUE, lastSeq + 1)).cardinality();
        return Math.max(0, lastSeq - have);
    }

    public synchronized long highest() {
        return highest;
    }
}
