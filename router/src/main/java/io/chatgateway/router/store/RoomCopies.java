package io.chatgateway.router.store;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * This node's copies of the Redis room index (who may be offered a chat, per group; see
 * {@code lua/room-fn.lua}), brought up to date at each read with only the rows that changed.
 *
 * <p><b>Why.</b> Every chat-driven routing decision reads its group's agents with room. Reading the
 * whole index (one {@code HVALS}) costs O(agents) per decision on both sides: at 300 agents, about
 * 100 µs of Redis CPU and 40 % of a node's router time in a surge (JFR, BENCHMARKS.md). Between two
 * decisions only an agent or two change, so the index logs each agent's last change under a
 * store-wide sequence and a read asks only for what changed since the copy's sequence.
 *
 * <p><b>Why it is safe.</b> A whole read replaces the copy; a read of changes applies a row only when
 * its change is newer than what the copy holds and than the last whole read, so reads that overlap
 * leave the newest row of each agent. The copy only chooses whom to try: the store's atomic offer
 * step still checks the agent's room. A Redis that lost its data counts again from 0: a read that
 * finds the sequence below the copy's reloads the whole index, and every copy is reloaded whole at
 * least every {@link #FULL_EVERY_NANOS} in any case, so a copy cannot stay wrong.
 */
final class RoomCopies {
    /** KEYS roomrow, roomlog; ARGV since. Returns seq, then triples id, change seq, row ('' when gone). */
    private static final String ROOM_SINCE = LuaScripts.load(RoomCopies.class, "room-since");
    private static final long FULL_EVERY_NANOS = TimeUnit.SECONDS.toNanos(30);

    private record Agent(long seq, AgentRecord record) { // record null: not in the index since seq
    }

    private static final class Copy {
        long seq; // complete up to this sequence (0: never read)
        long wholeSeq; // the sequence of the last whole read: older changes are in it
        long loadedAt;
        Map<String, Agent> agents = new HashMap<>();
        List<AgentRecord> withRoom = List.of();
    }

    private final RedisClusterAsyncCommands<String, String> async;
    private final String prefix;
    private final Map<String, Copy> copies = new ConcurrentHashMap<>();

    RoomCopies(RedisClusterAsyncCommands<String, String> async, String prefix) {
        this.async = async;
        this.prefix = prefix;
    }

    /** The group's agents in the room index now (as of this read), those with room, without waiting (see {@link #withRoom}). */
    CompletionStage<List<AgentRecord>> withRoomAsync(String group) {
        Copy copy = copies.computeIfAbsent(group, g -> new Copy());
        long since;
        synchronized (copy) {
            since = copy.seq == 0 || System.nanoTime() - copy.loadedAt > FULL_EVERY_NANOS ? 0 : copy.seq;
        }
        return read(group, since).thenCompose(answer -> {
            long seq = Long.parseLong((String) answer.get(0));
            if (since > 0 && seq < since) { // the store lost its data and counts again from 0: reload it all
                return read(group, 0).thenApply(all -> apply(copy, 0, all));
            }
            return CompletableFuture.completedStage(apply(copy, since, answer));
        });
    }

    /** A read's answer applied to the copy: the copy's agents with room after it. */
    private static List<AgentRecord> apply(Copy copy, long since, List<Object> answer) {
        long seq = Long.parseLong((String) answer.get(0));
        synchronized (copy) {
            if (since == 0) {
                whole(copy, answer, seq);
            } else {
                changes(copy, answer, seq);
            }
            return copy.withRoom;
        }
    }

    private CompletionStage<List<Object>> read(String group, long since) {
        return RedisReads.failUnavailable(() -> LuaScripts.evalAsync(async, ROOM_SINCE, ScriptOutputType.MULTI,
                new String[] {prefix + "roomrow:" + group, prefix + "roomlog:" + group}, Long.toString(since)));
    }

    /** The whole index at {@code seq} replaces the copy (the next read asks again for what changed after it). */
    private static void whole(Copy copy, List<Object> answer, long seq) {
        Map<String, Agent> agents = new HashMap<>();
        for (int i = 1; i + 2 < answer.size(); i += 3) {
            agents.put((String) answer.get(i), new Agent(seq, RedisRecords.agentOfRow((String) answer.get(i + 2))));
        }
        copy.agents = agents;
        copy.seq = seq;
        copy.wholeSeq = seq;
        copy.loadedAt = System.nanoTime();
        rebuild(copy);
    }

    /** Rows changed after the copy's sequence: each applied when newer than what the copy holds. */
    private static void changes(Copy copy, List<Object> answer, long seq) {
        boolean changed = false;
        for (int i = 1; i + 2 < answer.size(); i += 3) {
            String id = (String) answer.get(i);
            long at = (long) Double.parseDouble((String) answer.get(i + 1));
            Agent held = copy.agents.get(id);
            if (at > copy.wholeSeq && (held == null || at > held.seq())) { // else an overlapping read brought it already
                String row = (String) answer.get(i + 2);
                copy.agents.put(id, new Agent(at, row.isEmpty() ? null : RedisRecords.agentOfRow(row)));
                changed = true;
            }
        }
        copy.seq = Math.max(copy.seq, seq);
        if (changed) {
            rebuild(copy);
        }
    }

    private static void rebuild(Copy copy) {
        List<AgentRecord> room = new ArrayList<>(copy.agents.size());
        for (Agent a : copy.agents.values()) {
            if (a.record() != null && a.record().hasRoom()) {
                room.add(a.record());
            }
        }
        copy.withRoom = List.copyOf(room);
    }
}
