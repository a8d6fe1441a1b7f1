package io.chatgateway.gateway.ws;

import io.chatgateway.protocol.Role;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which web pages may open a chat socket (against cross-site WebSocket hijacking: a browser sends
 * its visitors' connections wherever a page tells it, so without this any site could open chats
 * from its visitors' browsers and flood the queues).
 *
 * <ul>
 *   <li>No {@code Origin} header: not a browser page (an app, wscat, a server), let in; browsers
 *       always send one on a WebSocket handshake.</li>
 *   <li>The gateway's own pages (the origin's host and port are the request's {@code Host}): let in.</li>
 *   <li>Shoppers: the listed shop origins, or any with {@code *} (development mode only).</li>
 *   <li>Agents: only origins listed by name, never through {@code *}: an agent's browser holds
 *       a token that can read every chat it is assigned.</li>
 *   <li>{@code Origin: null} (sandboxed frames, {@code file:} pages): refused.</li>
 * </ul>
 */
final class OriginPolicy {
    private final Set<String> listed;
    private final boolean anyShop;

    OriginPolicy(List<String> allowed) {
        this.anyShop = allowed.contains("*");
        this.listed = Set.copyOf(allowed.stream().filter(o -> !o.equals("*")).toList());
    }

    /** Whether a handshake with this {@code Origin} and {@code Host} may open a socket for the role. */
    boolean allows(Role role, String origin, String host) {
        if (origin == null) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        if (host != null && sameOrigin(o, host.trim().toLowerCase(Locale.ROOT))) {
            return true;
        }
        if (o.equals("null")) {
            return false;
        }
        return listed.contains(o) || (role == Role.CUSTOMER && anyShop);
    }

    /** {@code https://gw.example:8443} against {@code Host: gw.example:8443}; the scheme is not compared (TLS may end at a proxy). */
    private static boolean sameOrigin(String origin, String host) {
        int scheme = origin.indexOf("://");
        if (scheme < 0) {
            return false;
        }
        String authority = origin.substring(scheme + 3);
        if (authority.equals(host)) {
            return true;
        }
        // A default port may be written on one side only.
        String bare = host.endsWith(":80") || host.endsWith(":443") ? host.substring(0, host.lastIndexOf(':')) : host;
        return authority.equals(bare);
    }
}
