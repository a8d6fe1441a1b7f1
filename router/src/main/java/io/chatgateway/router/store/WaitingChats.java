package io.chatgateway.router.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.chatgateway.protocol.Tier;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Reads the waiting chats of a Redis queue without re-reading the records this node read already.
 *
 * <p><b>Why.</b> Measured in a Redis surge (BENCHMARKS.md, issue #10): 14 chat-hash reads per routing
 * decision, three quarters of them re-reading the few chats at the queue heads, which every free
 * agent, every agent's queue frame and every ops poll looks at again.
 *
 * <p><b>Why a kept record is never stale.</b> A queue holds a chat exactly while it waits (the
 * store's scripts move both together), and while it waits a chat's record can change only in
 * fields the queue read itself shows: its group and tier (the queue it is in) and its rank (the
 * score, {@code −rank}). Everything else is fixed at creation or changes only when the chat
 * leaves the queue (state, agent, close reason). The one exception is the promised wait, written
 * once: a record is kept only after it was written (or the record is read again). So a kept record
 * is used when the queue still shows the chat in the same group and tier at the same score, and is
 * then exactly what a fresh read would return, whichever node changed the chat meanwhile.
 */
final class WaitingChats {
    /** Records kept per node: a surge's waiting chats, at a few hundred bytes each. */
    private static final int MAX_KEPT = 20_000;

    private final RedisClusterCommands<String, String> redis;
    private final RedisClusterAsyncCommands<String, String> async;
    private final Function<List<String>, List<ChatRecord>> read;
    private final Function<String, String> chatKey;
    private final Cache<String, ChatRecord> kept = Caffeine.newBuilder().maximumSize(MAX_KEPT)
            .expireAfterAccess(Duration.ofMinutes(10)).build();

    /**
     * {@code read}: the records of these chat ids, pipelined in batches, one wait (those that exist);
     * {@code chatKey}: a chat id's hash, for {@link #readAsync}.
     */
    WaitingChats(RedisClusterCommands<String, String> redis, RedisClusterAsyncCommands<String, String> async,
                 Function<List<String>, List<ChatRecord>> read, Function<String, String> chatKey) {
        this.redis = redis;
        this.async = async;
        this.read = read;
        this.chatKey = chatKey;
    }

    /** The first {@code limit} waiting chats of the queue {@code queueKey} (group and tier), best first. */
    List<ChatRecord> read(String queueKey, String group, Tier tier, int limit) {
        Heads heads = heads(RedisChatStore.call(() -> redis.zrangeWithScores(queueKey, 0, Math.max(0, limit - 1L))), group, tier);
        return heads.missing.isEmpty() ? heads.complete(List.of()) : heads.complete(read.apply(heads.missing));
    }

    /**
     * As {@link #read}, without waiting: for queue heads (a few records at most, whose reads go out
     * together). The stage completes on the Redis client's thread.
     */
    CompletionStage<List<ChatRecord>> readAsync(String queueKey, String group, Tier tier, int limit) {
        return RedisReads.failUnavailable(() -> async.zrangeWithScores(queueKey, 0, Math.max(0, limit - 1L))).thenCompose(ids -> {
            Heads heads = heads(ids, group, tier);
            if (heads.missing.isEmpty()) {
                return CompletableFuture.completedFuture(heads.complete(List.of()));
            }
            return RedisReads.hashesAsync(async, heads.missing.stream().map(chatKey).toList()).thenApply(hashes -> {
                List<ChatRecord> fresh = new ArrayList<>(hashes.size());
                for (Map<String, String> h : hashes) {
                    ChatRecord r = RedisRecords.chatOf(h);
                    if (r != null) {
                        fresh.add(r);
                    }
                }
                return heads.complete(fresh);
            });
        });
    }

    /** A queue read: the records kept for its ids, and the ids to read. */
    private Heads heads(List<ScoredValue<String>> ids, String group, Tier tier) {
        ChatRecord[] out = new ChatRecord[ids.size()];
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < out.length; i++) {
            ScoredValue<String> v = ids.get(i);
            ChatRecord r = kept.getIfPresent(v.getValue());
            if (r != null && r.group().equals(group) && r.tier() == tier && r.rank() == -v.getScore()) {
                out[i] = r;
            } else {
                missing.add(v.getValue());
            }
        }
        return new Heads(ids, out, missing);
    }

    private final class Heads {
        final List<ScoredValue<String>> ids;
        final ChatRecord[] out;
        final List<String> missing;

        Heads(List<ScoredValue<String>> ids, ChatRecord[] out, List<String> missing) {
            this.ids = ids;
            this.out = out;
            this.missing = missing;
        }

        /** The queue's chats in order, with the records just read for the missing ids (kept when final enough). */
        List<ChatRecord> complete(List<ChatRecord> read) {
            Map<String, ChatRecord> fresh = new HashMap<>();
            for (ChatRecord r : read) {
                fresh.put(r.chatId(), r);
                if (r.state() == ChatState.WAITING && r.agentId() == null && r.closeReason() == null && r.promisedEtaSeconds() >= 0) {
                    kept.put(r.chatId(), r);
                }
            }
            List<ChatRecord> list = new ArrayList<>(out.length);
            for (int i = 0; i < out.length; i++) {
                ChatRecord r = out[i] != null ? out[i] : fresh.get(ids.get(i).getValue()); // null: gone meanwhile
                if (r != null) {
                    list.add(r);
                }
            }
            return list;
        }
    }
}
