package io.chatgateway.router.handover;

import io.chatgateway.protocol.ClientMessage;
import io.chatgateway.protocol.ErrorCode;
import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.router.Peer;
import io.chatgateway.router.assignment.Assignment;
import io.chatgateway.router.internal.ChatHooks;
import io.chatgateway.router.internal.Delivery;
import io.chatgateway.router.internal.NodeContext;
import io.chatgateway.router.script.ScriptLibrary.Kind;
import io.chatgateway.router.store.AgentRecord;
import io.chatgateway.router.store.AssignOutcome;
import io.chatgateway.router.store.ChatRecord;
import io.chatgateway.router.store.ChatState;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Transfers: the agent holding a chat (or any supervisor) moves it to another agent, who needs
 * room (a supervisor taking over for themselves does not), or to {@code group:<name>}, where it
 * waits at its original place; the receiving agent sees the note, the shopper is told.
 */
public final class Transfers {
    private final NodeContext ctx;
    private final Delivery delivery;
    private final ChatHooks hooks;
    private final Assignment assignment;

    public Transfers(NodeContext ctx, Delivery delivery, ChatHooks hooks, Assignment assignment) {
        this.ctx = ctx;
        this.delivery = delivery;
        this.hooks = hooks;
        this.assignment = assignment;
    }

    public void transfer(Peer peer, String agentId, ClientMessage.Transfer t) {
        Optional<ChatRecord> maybe = ctx.store().chat(t.chatId());
        AgentRecord me = ctx.store().agent(agentId).orElseThrow();
        if (maybe.isEmpty()) {
            Delivery.error(peer, t.id(), ErrorCode.NOT_FOUND, "no chat " + t.chatId());
            return;
        }
        ChatRecord chat = maybe.get();
        if (!chat.isOpen()) {
            Delivery.error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " is closed");
            return;
        }
        boolean holder = chat.state() == ChatState.ASSIGNED && agentId.equals(chat.agentId());
        if (!holder && !me.supervisor()) {
            Delivery.error(peer, t.id(), ErrorCode.FORBIDDEN, "chat " + t.chatId() + " is not assigned to you (only supervisors move other agents' chats)");
            return;
        }
        if (t.to().startsWith("group:")) {
            toGroup(peer, agentId, t, chat);
        } else {
            toAgent(peer, agentId, me, t, chat);
        }
    }

    private void toGroup(Peer peer, String agentId, ClientMessage.Transfer t, ChatRecord chat) {
        String group = t.to().substring("group:".length());
        if (!knownGroups().contains(group)) {
            Delivery.error(peer, t.id(), ErrorCode.INVALID_FIELD, "group '" + group + "' is unknown (expected one of " + knownGroups() + ")");
            return;
        }
        if (chat.state() != ChatState.ASSIGNED) {
            Delivery.error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " is not assigned to anyone; it is already queued");
            return;
        }
        String from = chat.agentId();
        Optional<ChatRecord> w = ctx.store().requeue(chat.chatId(), group);
        if (w.isEmpty()) {
            Delivery.error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " changed meanwhile; try again");
            return;
        }
        hooks.unassigned(chat.chatId());
        delivery.appendAndSend(chat, from, seq -> new ServerMessage.Transferred(chat.chatId(), seq, t.to(), agentId, t.note()));
        delivery.appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.TRANSFER.wire(),
                ctx.scripts().render(Kind.TRANSFER, chat.lang(), Map.of())));
        assignment.routeOrQueue(w.get(), true);
        assignment.fillAgent(from);
    }

    private void toAgent(Peer peer, String agentId, AgentRecord me, ClientMessage.Transfer t, ChatRecord chat) {
        String target = t.to();
        Optional<AgentRecord> to = ctx.store().agent(target);
        if (to.isEmpty()) {
            Delivery.error(peer, t.id(), ErrorCode.NOT_FOUND, "no agent " + target + " (expected an agent id or group:<name>)");
            return;
        }
        boolean takeover = me.supervisor() && target.equals(agentId);
        Optional<ChatRecord> moved;
        String from = chat.agentId();
        if (chat.state() == ChatState.ASSIGNED) {
            moved = ctx.store().transfer(chat.chatId(), from, target, takeover, ctx.cfg().transferAllowance());
        } else if (chat.state() == ChatState.WAITING && me.supervisor()) {
            moved = ctx.store().tryAssign(chat.chatId(), target) == AssignOutcome.DONE ? ctx.store().chat(chat.chatId()) : Optional.empty();
        } else {
            Delivery.error(peer, t.id(), ErrorCode.CONFLICT, "chat " + t.chatId() + " is on offer to an agent; try again in a moment");
            return;
        }
        if (moved.isEmpty()) {
            Delivery.error(peer, t.id(), ErrorCode.CONFLICT, "agent " + target + " cannot take chat " + t.chatId()
                    + " now (expected a connected agent, online or taking transfers, with fewer than capacity + "
                    + ctx.cfg().transferAllowance() + " chats)");
            return;
        }
        if (from != null) {
            delivery.appendAndSend(chat, from, seq -> new ServerMessage.Transferred(chat.chatId(), seq, target, agentId, t.note()));
            hooks.unassigned(chat.chatId());
        }
        delivery.appendAndSend(chat, null, seq -> new ServerMessage.Script(chat.chatId(), seq, Kind.TRANSFER.wire(),
                ctx.scripts().render(Kind.TRANSFER, chat.lang(), Map.of())));
        ctx.await(assignment.onAssigned(moved.get(), to.get()));
        if (from != null) {
            assignment.fillAgent(from);
        }
    }

    /** Groups a chat may be moved to: configured, served by an agent, or opened by an escalation step. */
    private Set<String> knownGroups() {
        Set<String> g = new TreeSet<>(ctx.cfg().groups().keySet());
        g.add(ctx.options().defaultGroup());
        for (AgentRecord a : ctx.store().agents()) {
            g.addAll(a.groups());
        }
        for (var steps : ctx.cfg().escalation().values()) {
            steps.forEach(s -> g.addAll(s.extraGroups()));
        }
        return g;
    }
}
