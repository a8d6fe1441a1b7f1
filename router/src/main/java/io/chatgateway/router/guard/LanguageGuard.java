package io.chatgateway.router.guard;

import io.chatgateway.router.config.RoutingConfig.BannedPhrase;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks what an agent is about to send. A request for a payment password, a card PIN or CVV, or a
 * full card number is always blocked ({@code sensitive_request}); a banned phrase (configurable)
 * is held with a positive suggestion ({@code banned_phrase}) and goes out only when the agent
 * resends with {@code confirm: true}.
 */
public final class LanguageGuard {
    /**
     * Asking for secrets no agent may ask for, in en and zh-CN: one compiled alternation, so a
     * message is scanned once (and only when it holds one of the hints below).
     */
    private static final Pattern SENSITIVE = Pattern.compile(String.join("|", List.of(
            "(?:payment|pay|bank|card|account|alipay|wechat)\\W+(?:\\w+\\W+){0,3}(?:password|passcode|pin)\\b",
            "\\b(?:password|passcode|pin)\\b(?:\\W+\\w+){0,3}\\W+(?:payment|pay|bank|card|account)",
            "\\b(?:cvv|cvc|security code)\\b",
            "(?:full|whole|complete|entire)\\W+(?:\\w+\\W+){0,2}card\\W+number",
            "(?:支付|付款|银行卡|银行|账户|取款)密码",
            "(?:完整|全部)的?(?:银行)?卡号",
            "(?:信用卡|银行卡)(?:背面)?的?(?:安全码|验证码|CVV)")), Pattern.CASE_INSENSITIVE);

    /** Every sensitive pattern contains one of these: most messages never reach the regular expressions. */
    private static final PhraseMatcher SENSITIVE_HINTS = PhraseMatcher.of(List.of("pass", "pin", "cvv", "cvc", "security", "card",
            "密码", "卡号", "安全码", "验证码"));

    /** The outcome: allowed, or held with the code, a message and maybe a suggestion. */
    public record Verdict(String code, String message, String suggestion) {
    }

    /** The banned phrases' automaton, rebuilt when ops change the list (a new configuration, a new list). */
    private record Compiled(List<BannedPhrase> source, PhraseMatcher matcher) {
    }

    private volatile Compiled compiled = new Compiled(List.of(), PhraseMatcher.of(List.of()));

    /** A guard; one per router, it keeps the automaton of the phrases last checked against. */
    public LanguageGuard() {
    }

    /**
     * Empty when the text may be sent ({@code confirmed} lets a banned phrase through, never a
     * sensitive request). One pass over the text finds every banned phrase (Aho–Corasick), whatever
     * their number; the first listed one that occurs is reported.
     */
    public Optional<Verdict> check(String text, boolean confirmed, List<BannedPhrase> banned) {
        if (SENSITIVE_HINTS.firstMatch(text) >= 0) {
            if (SENSITIVE.matcher(text).find()) {
                return Optional.of(new Verdict("sensitive_request",
                        "blocked: never ask a shopper for a payment password, PIN, CVV or a full card number; "
                                + "verify with the last four digits or the order number instead", null));
            }
        }
        if (confirmed || banned.isEmpty()) {
            return Optional.empty();
        }
        Compiled c = compiled;
        if (c.source() != banned) {
            c = new Compiled(banned, PhraseMatcher.of(banned.stream().map(BannedPhrase::phrase).toList()));
            compiled = c;
        }
        int hit = c.matcher().firstMatch(text);
        if (hit < 0) {
            return Optional.empty();
        }
        BannedPhrase b = banned.get(hit);
        return Optional.of(new Verdict("banned_phrase", "held: \"" + b.phrase()
                + "\" sounds like a refusal; rephrase, or resend with confirm: true", b.suggestion()));
    }
}
