package io.chatgateway.router.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Named deadlines of the memory store ({@code ChatStore.armTimer}): the earlier one kept, each
 * claimed once. Armed from any thread (a shopper's message arms its chat's nudge on the thread
 * that took it) without a global lock: each name changes atomically in its map bin, and the
 * deadlines sit in a concurrent skip list; an entry whose name was re-armed meanwhile is stale
 * and skipped when claimed.
 */
final class MemoryTimers {
    private final Map<String, Long> timerDue = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Map.Entry<Long, String>> timers = new ConcurrentSkipListSet<>(
            Map.Entry.<Long, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()));

    void arm(String name, long dueMillis) {
        timerDue.compute(name, (k, old) -> {
            if (old != null && old <= dueMillis) {
                return old;
            }
            if (old != null) {
                timers.remove(Map.entry(old, name));
            }
            timers.add(Map.entry(dueMillis, name));
            return dueMillis;
        });
    }

    void disarm(String name) {
        timerDue.computeIfPresent(name, (k, old) -> {
            timers.remove(Map.entry(old, name));
            return null;
        });
    }

    List<String> claimDue(long nowMillis, int max) {
        List<String> due = new ArrayList<>();
        while (due.size() < max) {
            Map.Entry<Long, String> first = timers.isEmpty() ? null : timers.first();
            if (first == null || first.getKey() > nowMillis) {
                break;
            }
            if (!timers.remove(first)) {
                continue; // taken or moved meanwhile
            }
            boolean[] claimed = {false};
            timerDue.computeIfPresent(first.getValue(), (k, v) -> {
                if (v.longValue() == first.getKey()) {
                    claimed[0] = true;
                    return null;
                }
                return v; // re-armed meanwhile: its new entry is claimed on its own
            });
            if (claimed[0]) {
                due.add(first.getValue());
            }
        }
        return due;
    }
}
