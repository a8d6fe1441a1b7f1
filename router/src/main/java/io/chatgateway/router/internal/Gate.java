package io.chatgateway.router.internal;

import io.chatgateway.protocol.OutboundFrame;
import io.chatgateway.router.Peer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Frames held for one connection while a lane sends it a history (see {@link Delivery}). Locked
 * per connection; a frame is held, or sent when the gate no longer holds it, never both, so a
 * flush and later sends keep their order. A hold belongs to the lane task that made it
 * ({@code NodeContext.currentTask}): that task's frames pass (they are the history), everyone
 * else's wait, other tasks of the same lane too (a task waiting for the store leaves its lane to
 * them). {@link #NO_TASK} stands for "not a task" (an event loop, the bus): such frames are always
 * foreign.
 */
final class Gate {
    private record Held(OutboundFrame frame, String chatId, long seq) {
    }

    /** The task of frames that do not come from a lane task (event loops, the bus): a gate always holds them. */
    static final long NO_TASK = 0;

    private boolean all;
    private long allTask = NO_TASK;
    private long trailUntil; // until then, frames from other nodes up to seen are dropped
    private boolean replayed; // the hello sent history read from the log: frames from other nodes may repeat it
    private final Map<String, Long> chats = new HashMap<>(2); // chat held -> the task holding it
    private final Map<String, Long> seen = new HashMap<>(2);
    private final List<Held> held = new ArrayList<>(2);
    /** Chats whose history (sent by the task holding the chat) was itself held by another task's hello. */
    private final Set<String> historyHeld = new HashSet<>(2);

    synchronized void holdAll(long task) {
        all = true;
        allTask = task;
    }

    synchronized void holdChat(String chatId, long task) {
        chats.put(chatId, task);
    }

    synchronized void seen(String chatId, long seq) {
        seen.merge(chatId, seq, Math::max);
        replayed = true;
    }

    /**
     * True when held (sent later); false: the caller sends it now, right after this returns.
     * {@code task}: where it comes from. A chat event of the holding task passes, but held events
     * of its chat with a lower seq (another task appended them first) go out before it.
     */
    synchronized boolean hold(Peer peer, OutboundFrame f, String chatId, long seq, long task) {
        boolean byAll = all && (task == NO_TASK || task != allTask);
        Long chatTask = chatId == null ? null : chats.get(chatId);
        boolean byChat = chatTask != null && (task == NO_TASK || task != chatTask);
        if (!byAll && !byChat) {
            if (chatId != null && seq > 0 && (all || chatTask != null)) {
                sendEarlier(peer, chatId, seq);
            }
            return false;
        }
        if (byAll && chatTask != null && task == chatTask) {
            historyHeld.add(chatId);
        }
        held.add(new Held(f, chatId, seq));
        return true;
    }

    /**
     * Sends what was held, but for {@code onlyChat} (null: every frame); true when nothing is held
     * any more. Each chat's events go out in seq order, once, and not those its history sent
     * already (up to {@code seen}): with several lanes a history may itself have been held.
     */
    private boolean flush(Peer peer, String onlyChat) {
        List<Held> out = new ArrayList<>(held.size());
        Iterator<Held> it = held.iterator();
        while (it.hasNext()) {
            Held h = it.next();
            // Everything, or one chat; a chat another task still sends a history of waits for that release.
            if (onlyChat == null ? h.chatId() == null || !chats.containsKey(h.chatId()) : onlyChat.equals(h.chatId())) {
                it.remove();
                out.add(h);
            }
        }
        Map<String, List<Held>> byChat = new HashMap<>(2);
        for (Held h : out) {
            if (h.chatId() != null) {
                byChat.computeIfAbsent(h.chatId(), k -> new ArrayList<>()).add(h);
            }
        }
        for (Held h : out) { // in the order held; a chat's events all go out at its first one's place
            if (h.chatId() == null) {
                peer.send(h.frame());
            } else {
                List<Held> chat = byChat.remove(h.chatId());
                if (chat != null) {
                    sendInSeqOrder(peer, chat, seen.getOrDefault(h.chatId(), 0L));
                }
            }
        }
        return !all && chats.isEmpty();
    }

    /** Sends the held events of a chat before {@code seq} in seq order, once; the caller sends {@code seq} next. */
    private void sendEarlier(Peer peer, String chatId, long seq) {
        long upTo = seen.getOrDefault(chatId, 0L);
        if (!held.isEmpty()) {
            List<Held> earlier = new ArrayList<>(2);
            Iterator<Held> it = held.iterator();
            while (it.hasNext()) {
                Held h = it.next();
                if (chatId.equals(h.chatId()) && h.seq() < seq) {
                    it.remove();
                    earlier.add(h);
                }
            }
            upTo = sendInSeqOrder(peer, earlier, upTo);
        }
        seen.put(chatId, Math.max(upTo, seq));
    }

    /** Sends one chat's held events in seq order, each once, those after {@code upTo} only; returns the last seq sent (or upTo). */
    private static long sendInSeqOrder(Peer peer, List<Held> frames, long upTo) {
        frames.sort(Comparator.comparingLong(Held::seq));
        for (Held h : frames) {
            if (h.seq() > upTo) {
                peer.send(h.frame());
                upTo = h.seq();
            }
        }
        return upTo;
    }

    /** Opens the gate; true when it holds nothing any more (with {@code trailUntil} > 0 it keeps what was seen till then). */
    synchronized boolean openAll(Peer peer, long trailUntil) {
        all = false;
        allTask = NO_TASK;
        boolean done = flush(peer, null);
        if (chats.isEmpty()) {
            if (trailUntil > 0 && replayed) {
                this.trailUntil = trailUntil;
                return false;
            }
            seen.clear();
        }
        return done;
    }

    /** A frame from another node for an event this connection's replay already sent. */
    synchronized boolean alreadySent(String chatId, long seq, long now) {
        if (chatId == null || now >= trailUntil) {
            return false;
        }
        Long upTo = seen.get(chatId);
        return upTo != null && seq <= upTo;
    }

    synchronized boolean trailOver(long now) {
        return !all && chats.isEmpty() && held.isEmpty() && now >= trailUntil;
    }

    synchronized boolean release(Peer peer, String chatId, long seenSeq) {
        chats.remove(chatId);
        if (!historyHeld.remove(chatId)) {
            seen.merge(chatId, seenSeq, Math::max); // the history reached the client
        }
        // else another task's hello held the history too: it goes out when that hello opens the gate, in
        // seq order after its own welcome and replays, deduplicated with what else was held
        if (!all) {
            flush(peer, chatId);
            seen.remove(chatId);
        }
        // else: held by the hello too, flushed when it opens
        return !all && chats.isEmpty();
    }
}
