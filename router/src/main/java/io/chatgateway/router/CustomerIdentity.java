package io.chatgateway.router;

import io.chatgateway.protocol.Tier;
import java.util.List;

/**
 * Who a shopper is, from the signed token only (never from what the widget claims).
 *
 * @param group the wanted routing group, or {@code null} for the default group
 * @param lang  {@code zh-CN} or {@code en}, or {@code null} for the gateway default
 * @param anonymous true when the shopper sent no token (tier {@code new})
 * @param resumeToken for anonymous shoppers, a gateway-signed token sent in {@code welcome} so the
 *                    widget can resume after a reconnect; null otherwise
 */
public record CustomerIdentity(String customerId, String name, Tier tier, List<String> tags, String group,
                               String lang, boolean anonymous, String resumeToken) {
    public CustomerIdentity {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
