package io.chatgateway.router.session;

import io.chatgateway.protocol.AgentStatus;
import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.Peer;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.guard.LanguageGuard;
import io.chatgateway.router.handover.SignOff;
import io.chatgateway.router.handover.ChatOverview;
import io.chatgateway.router.handover.Transfers;
import io.chatgateway.router.internal.ChatHooks;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatStore;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.surge.QueueBoard;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An agent desktop's side: {@code hello} (open chats listed, offers made while away shown again,
 * chats resumed from their last seen seq), later frames (messages through the language guard,
 * typing, acks, close, status, accept/reject, transfer), and the connection going away.
 */
public final class AgentSessions {
    private static final Logger log = LoggerFactory.getLogger(AgentSessions.class);
    private final NodeContext ctx;
    private final Delivery delivery;
    private final ChatHooks hooks;
    private final ChatLog chatLog;
    private final ChatClosing closing;
    private final Assignment assignment;
    private final SignOff signOff;
    private final Transfers transfers;
    private final QueueBoard board;
    private final LanguageGuard guard;
    private final ChatOverview overview;

    public AgentSessions(NodeContext ctx, Delivery delivery, ChatHooks hooks, ChatLog chatLog, ChatClosing closing,
                         Assignment assignment, SignOff signOff, Transfers transfers, QueueBoard board, LanguageGuard guard,
                         ChatOverview overview) {
        this.overview = overview;
        this.ctx = ctx;
        this.delivery = delivery;
        this.hooks = hooks;
        this.chatLog = chatLog;
        this.closing = closing;
        this.assignment = assignment;
        this.signOff = signOff;
        this.transfers = transfers;
        this.board = board;
        this.guard = guard;
    }

    public void hello(Peer peer, AgentIdentity who, List<ClientMessage.ResumePoint> resume, Boolean autoAccept) {
        Peer old = delivery.attachAgent(who.agentId(), peer);
        if (old != null) {
            old.close(1000, "signed in on another connection");
        }
        signOff.connected(who.agentId());
        if (ctx.shared()) {
            ctx.bus().hold(Delivery.agentKey(who.agentId()));
        }
        Set<String> groups = who.groups().isEmpty() ? Set.of(ctx.options().defaultGroup()) : who.groups();
        Optional<AgentRecord> before = ctx.store().agent(who.agentId());
        AgentStatus status = before.map(AgentRecord::status).filter(s -> s != AgentStatus.OFFLINE).orElse(AgentStatus.ONLINE);
        boolean auto = autoAccept != null ? autoAccept : before.map(AgentRecord::autoAccept).orElse(false);
        int weight = who.weight() != null ? who.weight() : before.map(AgentRecord::weight).orElse(AgentRecord.DEFAULT_WEIGHT);
        AgentRecord agent = ctx.store().upsertAgent(new AgentRecord(who.agentId(), who.name(), who.level(), groups, who.skills(),
                who.supervisor(), status, true, auto, ctx.cfg().capacity().get(who.level()), 0, 0, weight, 0,
                before.filter(b -> b.status() == status).map(AgentRecord::statusReason).orElse(null)));
        List<ChatRecord> chats = ctx.store().chatsOf(who.agentId());
        List<ServerMessage.OpenChat> open = new ArrayList<>(chats.size());
        for (ChatRecord c : chats) {
            if (c.state() == ChatState.ASSIGNED) {
                long last = ctx.store().lastSeq(c.chatId());
                open.add(new ServerMessage.OpenChat(c.chatId(), Delivery.customerInfo(c), last));
                delivery.seen(peer, c.chatId(), last); // live events up to it: the welcome says they exist, a resume gets them
            }
        }
        peer.send(Delivery.frame(new ServerMessage.AgentWelcome(who.agentId(), open)));
        for (ChatRecord c : chats) {
            if (c.state() == ChatState.OFFERED) {
                // An offer made while the connection was down: show it again.
                peer.send(Delivery.frame(new ServerMessage.Offer(c.chatId(), Delivery.customerInfo(c), c.group(), ctx.cfg().offerTimeoutSeconds())));
            }
        }
        for (ClientMessage.ResumePoint p : resume) {
            Optional<ChatRecord> c = ctx.store().chat(p.chatId());
            if (c.isPresent() && who.agentId().equals(c.get().agentId()) && c.get().state() == ChatState.ASSIGNED) {
                chatLog.replay(peer, p.chatId(), p.lastSeq(), false);
            } else {
                Delivery.error(peer, null, ErrorCode.NOT_FOUND, "chat " + p.chatId() + " is not assigned to you any more; it is not resumed");
            }
        }
        log.info("agent {} connected ({} open chats, status {})", who.agentId(), open.size(), agent.status().wire());
        board.forget(who.agentId());
        assignment.fillAgent(who.agentId());
    }

    public void frame(Peer peer, ClientMessage message) {
        String agentId = delivery.agentOf(peer);
        if (agentId == null) {
            Delivery.error(peer, message.id(), ErrorCode.NOT_AUTHENTICATED, "send hello first");
            return;
        }
        if (message instanceof ClientMessage.SendText m) {
            say(peer, agentId, m); // the hot path: one store step, no read of the chat's record
        } else if (message instanceof ClientMessage.Typing t) {
            withOwnChat(peer, agentId, t.id(), t.chatId(),
                    chat -> delivery.toCustomer(chat.chatId(), new ServerMessage.TypingNotice(chat.chatId(), "agent")));
        } else if (message instanceof ClientMessage.Close c) {
            withOwnChat(peer, agentId, c.id(), c.chatId(), chat -> ctx.await(closing.close(chat.chatId(), "agent", true)));
        } else if (message instanceof ClientMessage.Ack a) {
            withOwnChat(peer, agentId, a.id(), a.chatId(), chat -> chatLog.checkAck(peer, a, chat.chatId()));
        } else if (message instanceof ClientMessage.SetStatus s) {
            signOff.setStatus(agentId, s.status(), s.autoAccept(), s.reason());
        } else if (message instanceof ClientMessage.Accept a) {
            assignment.offers().accept(peer, agentId, a);
        } else if (message instanceof ClientMessage.Reject r) {
            assignment.offers().reject(peer, agentId, r);
        } else if (message instanceof ClientMessage.Transfer t) {
            transfers.transfer(peer, agentId, t);
        } else if (message instanceof ClientMessage.ListChats l) {
            overview.list(peer, agentId, l);
        } else {
            Delivery.error(peer, message.id(), ErrorCode.FORBIDDEN, "type " + message.type() + " is not allowed for agents");
        }
    }

    /** An agent's message: held by the language guard, or appended once and sent; the first reply starts ownership. */
    private void say(Peer peer, String agentId, ClientMessage.SendText m) {
        String chatId = m.chatId();
        Optional<LanguageGuard.Verdict> held = guard.check(m.text(), m.confirm(), ctx.cfg().bannedPhrases());
        if (held.isPresent()) {
            Delivery.send(peer, new ServerMessage.Warning(m.id(), held.get().code(), held.get().message(), held.get().suggestion()));
            return;
        }
        long ts = ctx.now();
        chatLog.say(chatId, agentId, ChatLog.clientKey("a:", m.id()),
                seq -> new ServerMessage.ChatText(chatId, seq, "agent", m.text(), ts), said -> {
                    if (said.outcome() != ChatStore.Spoken.Outcome.SAID) {
                        ChatLog.refused(peer, m.id(), chatId, said.outcome(), false);
                    } else {
                        hooks.agentReplied(chatId, said, () -> firstReply(chatId, agentId, ts)); // on the worker
                    }
                });
    }

    /** The first human reply of an assignment: the SLA, and first-contact ownership. */
    private void firstReply(String chatId, String agentId, long atMillis) {
        ctx.store().chat(chatId).ifPresent(chat -> {
            ctx.metrics().firstReply(atMillis - chat.queuedAt());
            assignment.claimOwnership(chat, agentId);
        });
    }

    private void withOwnChat(Peer peer, String agentId, String ref, String chatId, Consumer<ChatRecord> action) {
        Optional<ChatRecord> c = ctx.store().chat(chatId);
        if (c.isEmpty()) {
            Delivery.error(peer, ref, ErrorCode.NOT_FOUND, "no chat " + chatId);
        } else if (!c.get().isOpen()) {
            Delivery.error(peer, ref, ErrorCode.CONFLICT, "chat " + chatId + " is closed");
        } else if (c.get().state() != ChatState.ASSIGNED || !agentId.equals(c.get().agentId())) {
            Delivery.error(peer, ref, ErrorCode.FORBIDDEN, "chat " + chatId + " is not assigned to you");
        } else {
            action.accept(c.get());
        }
    }

    public void gone(Peer peer) {
        String agentId = delivery.detachAgent(peer);
        if (agentId == null) {
            return;
        }
        board.forget(agentId);
        if (ctx.shared() && !ctx.bus().release(Delivery.agentKey(agentId))) {
            return; // signed in on another node meanwhile
        }
        signOff.disconnected(agentId);
    }
}
