package io.chatgateway.router.session;

import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.CustomerIdentity;
import io.chatgateway.router.Peer;
import io.chatgateway.router.config.OrderStatusRules;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.qa.QaSampling;
import io.chatgateway.router.script.ScriptLibrary;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import io.chatgateway.router.surge.LeaveMessageIntake;
import io.chatgateway.router.surge.QueuePositions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shopper's side of a chat: {@code hello} starts a chat (greeting at once, then an agent or the
 * queue) or resumes one (only the events after the last seen seq, once), later frames (messages,
 * typing, acks, close, CSAT, leave-a-message), and the connection going away.
 */
public final class CustomerSessions {
    private static final Logger log = LoggerFactory.getLogger(CustomerSessions.class);
    private final NodeContext ctx;
    private final Delivery delivery;
    private final ChatLog chatLog;
    private final ChatClosing closing;
    private final Assignment assignment;
    private final QueuePositions positions;
    private final LeaveMessageIntake intake;
    private final QaSampling qa;
    private final java.util.concurrent.atomic.AtomicLong chatCounter = new java.util.concurrent.atomic.AtomicLong();

    public CustomerSessions(NodeContext ctx, Delivery delivery, ChatLog chatLog, ChatClosing closing,
                            Assignment assignment, QueuePositions positions, LeaveMessageIntake intake, QaSampling qa) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.chatLog = chatLog;
        this.closing = closing;
        this.assignment = assignment;
        this.positions = positions;
        this.intake = intake;
        this.qa = qa;
    }

    /**
     * The shopper's hello. A new chat waits for the store without holding the lane (the returned
     * stage completes once the shopper is greeted and the chat offered or queued); a resume is
     * answered on the lane.
     */
    public CompletionStage<Void> hello(Peer peer, CustomerIdentity who, ClientMessage.ResumePoint resume) {
        if (resume != null) {
            Optional<ChatRecord> found = ctx.store().chat(resume.chatId()).filter(c -> c.customerId().equals(who.customerId()));
            if (found.isPresent()) {
                reattach(peer, found.get(), who, resume.lastSeq());
                return NodeContext.DONE;
            }
            Delivery.error(peer, null, ErrorCode.NOT_FOUND, "no chat " + resume.chatId()
                    + " for this shopper (expected a chatId from an earlier welcome); starting a new chat");
        }
        if (who.anonymous()) {
            return startChat(peer, who);
        }
        return ctx.thenOnLane(ctx.store().openChatOfAsync(who.customerId()), open -> {
            if (open.isPresent()) {
                // A reload without resume data: the widget gets the whole conversation again.
                reattach(peer, open.get(), who, 0);
                return NodeContext.DONE;
            }
            return startChat(peer, who);
        });
    }


    private void reattach(Peer peer, ChatRecord chat, CustomerIdentity who, long lastSeq) {
        ctx.await(attach(peer, chat));
        long last = ctx.store().lastSeq(chat.chatId());
        peer.send(Delivery.frame(new ServerMessage.CustomerWelcome(chat.chatId(), last, who.resumeToken())));
        delivery.seen(peer, chat.chatId(), last);
        chatLog.replay(peer, chat.chatId(), lastSeq, true);
        if (chat.state() == ChatState.WAITING) {
            positions.sendQueued(chat);
        }
    }

    /**
     * Stores the chat, welcomes and greets the shopper, and offers the chat, each step going on from
     * the store's answer without holding the lane; a chat nobody took is queued on the lane.
     */
    private CompletionStage<Void> startChat(Peer peer, CustomerIdentity who) {
        // The order's status may name the group (精准分流, OrderStatusRules), else the widget's group, else the default.
        String group = ctx.cfg().orderStatus().of(who.tags()).map(OrderStatusRules.Rule::group)
                .orElse(who.group() == null ? ctx.options().defaultGroup() : who.group());
        String lang = who.lang() == null ? ctx.options().defaultLang() : who.lang();
        long now = ctx.now();
        ChatRecord chat = new ChatRecord(newChatId(), who.customerId(), who.name(), who.tier(), who.tags(), group, lang,
                now, ctx.cfg().rankKey(who.tier(), who.tags(), now), ChatState.WAITING, null, null);
        CompletionStage<Void> held = attach(peer, chat); // first: from here on another task may assign the chat, and its frames wait at the gate
        String name = who.name() == null ? "" : (ScriptLibrary.ZH.equals(lang) ? "，" : ", ") + who.name();
        CompletionStage<Void> stored = ctx.store().createWaitingChatAsync(chat); // sent with the hold: one wait for both
        CompletionStage<?> greeted = ctx.thenAtOnce(held == NodeContext.DONE ? stored : held.thenCombine(stored, (h, s) -> null), created -> {
            ctx.gaugeQueue(group);
            ctx.metrics().started(chat);
            peer.send(Delivery.frame(new ServerMessage.CustomerWelcome(chat.chatId(), 0, who.resumeToken())));
            return delivery.appendAndSendAsync(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.GREETING.wire(),
                    ctx.scripts().render(Kind.GREETING, lang, Map.of("name", name, "shop", ctx.options().shopName()))))
                    .thenApply(greeting -> {
                        ctx.metrics().greeted(ctx.now() - now);
                        return greeting;
                    });
        });
        CompletionStage<Boolean> routed = ctx.thenAtOnce(greeted, greeting -> {
            log.debug("chat {} started in group {} tier {}", chat.chatId(), group, chat.tier().wire());
            return assignment.routeChatAsync(chat);
        });
        // Nobody took it: if it still waits, the shopper hears their place and wait, on the lane.
        return ctx.thenAtOnce(routed, offered -> offered ? NodeContext.DONE : ctx.thenOnLane(ctx.store().chatAsync(chat.chatId()), now2 -> {
            Optional<ChatRecord> waiting = now2.filter(c -> c.state() == ChatState.WAITING);
            if (waiting.isPresent()) {
                positions.announceArrival(chat, peer);
                assignment.escalation().schedule(waiting.get());
            }
            return NodeContext.DONE;
        }));
    }

    /** Binds the connection to the chat; the stage completes once the bus recorded that this node holds the shopper. */
    private CompletionStage<Void> attach(Peer peer, ChatRecord chat) {
        Peer old = delivery.attachCustomer(chat.chatId(), peer);
        if (old != null) {
            old.close(1000, "chat resumed on another connection");
        }
        closing.cancelAbandon(chat.chatId());
        // A connection still open on another node is closed there.
        return ctx.shared() ? ctx.bus().holdAsync(Delivery.customerKey(chat.chatId())) : NodeContext.DONE;
    }

    /** A shopper's frame after the hello; a close waits for the store without holding the lane. */
    public CompletionStage<?> frame(Peer peer, ClientMessage message) {
        String chatId = delivery.chatOf(peer);
        if (chatId == null) {
            Delivery.error(peer, message.id(), ErrorCode.NOT_AUTHENTICATED, "send hello first");
            return NodeContext.DONE;
        }
        if (message instanceof ClientMessage.SendText m) {
            say(peer, chatId, m); // the hot path: one store step, no read of the chat's record
            return NodeContext.DONE;
        }
        if (message instanceof ClientMessage.Close c) {
            // The close step says whether the chat was open; only when it was not is the chat read, to say why.
            return ctx.thenAtOnce(closing.close(chatId, "customer", false), closedNow -> closedNow ? NodeContext.DONE
                    : ctx.thenAtOnce(ctx.store().chatAsync(chatId), chat -> {
                        if (chat.isEmpty()) {
                            gone(peer, c.id(), chatId);
                        } else {
                            Delivery.error(peer, c.id(), ErrorCode.CONFLICT, "chat " + chatId + " is already closed");
                        }
                        return NodeContext.DONE;
                    }));
        }
        Optional<ChatRecord> maybe = ctx.store().chat(chatId);
        if (maybe.isEmpty()) {
            gone(peer, message.id(), chatId);
            return NodeContext.DONE;
        }
        ChatRecord chat = maybe.get();
        if (message instanceof ClientMessage.Typing) {
            String agent = assignedAgent(chat);
            if (agent != null) {
                delivery.toAgent(agent, new ServerMessage.TypingNotice(chatId, "customer"));
            }
        } else if (message instanceof ClientMessage.Ack a) {
            chatLog.checkAck(peer, a, chatId);
        } else if (message instanceof ClientMessage.Csat c) {
            qa.csat(chatId, c.score(), c.comment());
        } else if (message instanceof ClientMessage.LeaveMessage lm) {
            intake.leaveMessage(peer, chat, lm);
        } else {
            Delivery.error(peer, message.id(), ErrorCode.FORBIDDEN, "type " + message.type() + " is not allowed for shoppers");
        }
        return NodeContext.DONE;
    }

    private static void gone(Peer peer, String ref, String chatId) {
        Delivery.error(peer, ref, ErrorCode.NOT_FOUND, "chat " + chatId + " no longer exists; reconnect without resume to start a new chat");
    }

    private void say(Peer peer, String chatId, ClientMessage.SendText m) {
        if (m.chatId() != null && !m.chatId().equals(chatId)) {
            Delivery.error(peer, m.id(), ErrorCode.FORBIDDEN, "chatId " + m.chatId() + " is not this connection's chat (expected " + chatId + " or no chatId)");
            return;
        }
        long ts = ctx.now();
        chatLog.say(chatId, null, ChatLog.clientKey("c:", m.id()),
                // The store step moved care on too (silence care reset, the wait for the agent started).
                seq -> new ServerMessage.ChatText(chatId, seq, "customer", m.text(), ts),
                said -> ChatLog.refused(peer, m.id(), chatId, said.outcome(), true));
    }

    private static String assignedAgent(ChatRecord chat) {
        return chat.state() == ChatState.ASSIGNED ? chat.agentId() : null;
    }

    /** The shopper's connection is gone; waits for the store without holding the lane. */
    public CompletionStage<Void> gone(Peer peer) {
        String chatId = delivery.detachCustomer(peer);
        if (chatId == null) {
            return NodeContext.DONE;
        }
        if (!ctx.shared()) {
            return closing.customerLeft(chatId);
        }
        return ctx.thenAtOnce(ctx.bus().releaseAsync(Delivery.customerKey(chatId)),
                stillHere -> stillHere ? closing.customerLeft(chatId) : NodeContext.DONE); // else back on another node already
    }

    /**
     * Chat ids sort by creation: the store breaks ties between chats queued in the same
     * millisecond by id, so arrival order must survive in the id. The random tail keeps ids from
     * different nodes apart (every use is checked against the authenticated customer or agent).
     */
    private String newChatId() {
        long seq = chatCounter.getAndIncrement() & 0xFFFF;
        return String.format("c%011x%04x%06x", ctx.now(), seq, ThreadLocalRandom.current().nextInt(1 << 24));
    }
}
