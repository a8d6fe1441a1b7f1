package io.chatgateway.router.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Named deadlines of the memory store ({@code ChatStore.armTimer}): the earlier one kept, each claimed once. */
final class MemoryTimers {
    private final Map<String, Long> timerDue = new HashMap<>();
    private final TreeSet<Map.Entry<Long, String>> timers = new TreeSet<>(
            Map.Entry.<Long, String>comparingByKey().thenComparing(Map.Entry.comparingByValue()));

    synchronized void arm(String name, long dueMillis) {
        Long old = timerDue.get(name);
        if (old != null && old <= dueMillis) {
            return;
        }
        if (old != null) {
            timers.remove(Map.entry(old, name));
        }
        timerDue.put(name, dueMillis);
        timers.add(Map.entry(dueMillis, name));
    }

    synchronized void disarm(String name) {
        Long old = timerDue.remove(name);
        if (old != null) {
            timers.remove(Map.entry(old, name));
        }
    }

    synchronized List<String> claimDue(long nowMillis, int max) {
        List<String> due = new ArrayList<>();
        while (due.size() < max && !timers.isEmpty() && timers.first().getKey() <= nowMillis) {
            String name = timers.pollFirst().getValue();
            timerDue.remove(name);
            due.add(name);
        }
        return due;
    }
}
