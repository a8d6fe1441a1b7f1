package io.chatgateway.router.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A coarse timing wheel for hundreds of thousands of per-chat deadlines (silence care, agent
 * reply nudges) that move on every message.
 *
 * <p>Nothing is cancelled or rescheduled per message. The owner keeps the real deadline inputs
 * (last activity) elsewhere and only calls {@link #arm} when a deadline may have moved
 * <em>earlier</em>; each key is armed at most once per slot it waits in. When a slot comes due the
 * key is handed back; the owner checks the real deadline and either fires or re-arms for later.
 * So a message costs a field write, and a deadline costs one set insertion per time it is armed.
 *
 * <p>Resolution {@code resolutionMillis} (1 s for the router), {@code slots} of them (deadlines
 * further out are parked in the last slot and re-armed when it comes due). Thread-safe (every
 * lane arms and disarms; lane 0 advances it): one lock, held for set operations only, never while
 * the owner acts on a due key.
 */
public final class DeadlineWheel {
    private final long resolution;
    private final List<Set<String>> slots;
    private final Map<String, Long> armedTick = new HashMap<>();
    private long cursor; // last tick processed

    public DeadlineWheel(long resolutionMillis, int slots, long startMillis) {
        if (resolutionMillis < 1 || slots < 2) {
            throw new IllegalArgumentException("resolution " + resolutionMillis + " ms, " + slots + " slots (expected >= 1 ms, >= 2 slots)");
        }
        this.resolution = resolutionMillis;
        this.cursor = Math.floorDiv(startMillis, resolutionMillis) - 1;
        this.slots = new ArrayList<>(slots);
        for (int i = 0; i < slots; i++) {
            this.slots.add(new HashSet<>());
        }
    }

    /** Makes sure {@code key} is handed back no later than the first tick at or after {@code deadlineMillis}. */
    public synchronized void arm(String key, long deadlineMillis) {
        long tick = Math.max(ceilDiv(deadlineMillis, resolution), cursor + 1);
        tick = Math.min(tick, cursor + slots.size()); // beyond the wheel: park in the last slot, re-armed then
        Long current = armedTick.get(key);
        if (current != null && current <= tick) {
            return; // already due at or before this: that hand-back will re-arm if needed
        }
        if (current != null) {
            slots.get((int) Math.floorMod(current, (long) slots.size())).remove(key);
        }
        armedTick.put(key, tick);
        slots.get((int) Math.floorMod(tick, (long) slots.size())).add(key);
    }

    /** Forgets a key (chat closed). */
    public synchronized void disarm(String key) {
        Long current = armedTick.remove(key);
        if (current != null) {
            slots.get((int) Math.floorMod(current, (long) slots.size())).remove(key);
        }
    }

    /** Hands back every key due up to {@code nowMillis}, in tick order. */
    public void advance(long nowMillis, Consumer<String> due) {
        long now = Math.floorDiv(nowMillis, resolution);
        for (List<String> keys = nextDue(now); keys != null; keys = nextDue(now)) {
            keys.forEach(due); // outside the lock: the owner may arm again
        }
    }

    /** The keys of the next due tick up to {@code now} (removed), or null when none is left. */
    private synchronized List<String> nextDue(long now) {
        while (cursor < now) {
            cursor++;
            Set<String> slot = slots.get((int) Math.floorMod(cursor, (long) slots.size()));
            if (slot.isEmpty()) {
                continue;
            }
            List<String> keys = new ArrayList<>(slot);
            slot.clear();
            for (String k : keys) {
                armedTick.remove(k);
            }
            return keys;
        }
        return null;
    }

    /** Keys armed now (for tests and the benchmark). */
    public synchronized int armed() {
        return armedTick.size();
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
