package io.chatgateway.router.store;

import io.chatgateway.protocol.ServerMessage;
import io.chatgateway.protocol.ServerMessage.ChatEvent;

/**
 * How a chat's log routes its messages ({@link ChatStore#say}): one rule for both stores, applied
 * as each event is appended, in the same step. {@code assigned} gives the chat to that agent; a
 * {@code transferred} to {@code group:…} puts it back in line (nobody gets messages until the next
 * {@code assigned}); {@code closed} closes it. A transfer to an agent changes nothing by itself:
 * the {@code assigned} that follows does.
 */
public final class LogRoute {
    /** The chat waits (or is on offer): the shopper writes, no agent reads. */
    public static final String WAITING = "W";
    /** Prefix of "assigned to" + agent id. */
    public static final String ASSIGNED = "A:";
    public static final String CLOSED = "C";

    private LogRoute() {
    }

    /** The agent a route gives the chat to, or null (waiting, closed, none). */
    public static String agentOf(String route) {
        return route != null && route.startsWith(ASSIGNED) ? route.substring(ASSIGNED.length()) : null;
    }

    /** The route change an event makes, or null when it makes none. */
    public static String change(ChatEvent e) {
        if (e instanceof ServerMessage.Assigned a) {
            return ASSIGNED + a.agent().id();
        }
        if (e instanceof ServerMessage.Closed) {
            return CLOSED;
        }
        if (e instanceof ServerMessage.Transferred t && t.to().startsWith("group:")) {
            return WAITING;
        }
        return null;
    }
}
