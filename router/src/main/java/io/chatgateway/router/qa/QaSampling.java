package io.chatgateway.router.qa;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;
import io.chatgateway.router.QaReview;
import io.chatgateway.router.guard.Masking;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.store.ChatRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Quality inspection: {@code qaSampleRate} (20 %) of closed chats are kept for review with a
 * masked transcript (card numbers keep their last four digits, phone numbers are hidden) and the
 * shopper's satisfaction answer.
 */
public final class QaSampling {
    private final NodeContext ctx;

    public QaSampling(NodeContext ctx) {
        this.ctx = ctx;
    }

    /** A chat an agent handled closed: keep it for review if it is sampled. */
    public void closed(ChatRecord chat, String agentId, String reason) {
        if (!sampled(chat.chatId())) {
            return;
        }
        List<QaReview.QaSample.Line> lines = new ArrayList<>();
        for (ChatEvent e : ctx.store().eventsAfter(chat.chatId(), 0)) {
            if (e instanceof ServerMessage.ChatText t) {
                lines.add(new QaReview.QaSample.Line(t.from(), t.ts(), Masking.mask(t.text())));
            }
        }
        ctx.store().addQaSample(new QaReview.QaSample(chat.chatId(), agentId, chat.tier().wire(), chat.group(), ctx.now(), reason, lines));
    }

    /** The shopper's satisfaction answer (the last one counts). */
    public void csat(String chatId, int score, String comment) {
        ctx.store().saveCsat(chatId, score, comment);
    }

    /** Sampled chats, newest first, with their CSAT. */
    public List<QaReview> reviews(int limit) {
        List<QaReview> out = new ArrayList<>();
        for (QaReview.QaSample q : ctx.store().qaSamples(limit)) {
            out.add(new QaReview(q, ctx.store().csat(q.chatId()).orElse(null)));
        }
        return out;
    }

    /**
     * Whether a closed chat goes to quality review: a stable hash of its id against the configured
     * share, so the choice is random across chats but the same on every node.
     */
    private boolean sampled(String chatId) {
        double rate = ctx.cfg().qaSampleRate();
        if (rate <= 0) {
            return false;
        }
        int bucket = Math.floorMod(chatId.hashCode() * 0x9E3779B1, 10_000);
        return bucket < rate * 10_000;
    }
}
