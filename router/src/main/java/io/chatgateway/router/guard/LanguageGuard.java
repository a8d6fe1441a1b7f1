package io.chatgateway.router.guard;

import io.chatgateway.router.config.RoutingConfig.BannedPhrase;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks what an agent is about to send. A request for a payment password, a card PIN or CVV, or a
 * full card number is always blocked ({@code sensitive_request}); a banned phrase (configurable)
 * is held with a positive suggestion ({@code banned_phrase}) and goes out only when the agent
 * resends with {@code confirm: true}.
 */
public final class LanguageGuard {
    /** Asking for secrets no agent may ask for, in en and zh-CN. */
    private static final List<Pattern> SENSITIVE = List.of(
            Pattern.compile("(payment|pay|bank|card|account|alipay|wechat)\\W+(\\w+\\W+){0,3}(password|passcode|pin)\\b", Pattern.CASE_INSENSITIVE),
            Pattern.compile("\\b(password|passcode|pin)\\b(\\W+\\w+){0,3}\\W+(payment|pay|bank|card|account)", Pattern.CASE_INSENSITIVE),
            Pattern.compile("\\b(cvv|cvc|security code)\\b", Pattern.CASE_INSENSITIVE),
            Pattern.compile("(full|whole|complete|entire)\\W+(\\w+\\W+){0,2}card\\W+number", Pattern.CASE_INSENSITIVE),
            Pattern.compile("(支付|付款|银行卡|银行|账户|取款)密码"),
            Pattern.compile("(完整|全部)的?(银行)?卡号"),
            Pattern.compile("(信用卡|银行卡)(背面)?的?(安全码|验证码|CVV)", Pattern.CASE_INSENSITIVE));

    /** The outcome: allowed, or held with the code, a message and maybe a suggestion. */
    public record Verdict(String code, String message, String suggestion) {
    }

    private LanguageGuard() {
    }

    /** Every sensitive pattern contains one of these: most messages skip the regular expressions. */
    private static final List<String> SENSITIVE_HINTS = List.of("pass", "pin", "cvv", "cvc", "security", "card",
            "密码", "卡号", "安全码", "验证码");

    /** Empty when the text may be sent ({@code confirmed} lets a banned phrase through, never a sensitive request). */
    public static Optional<Verdict> check(String text, boolean confirmed, List<BannedPhrase> banned) {
        String lower = text.toLowerCase(Locale.ROOT);
        boolean hinted = false;
        for (String h : SENSITIVE_HINTS) {
            if (lower.contains(h)) {
                hinted = true;
                break;
            }
        }
        for (Pattern p : hinted ? SENSITIVE : List.<Pattern>of()) {
            if (p.matcher(text).find()) {
                return Optional.of(new Verdict("sensitive_request",
                        "blocked: never ask a shopper for a payment password, PIN, CVV or a full card number; "
                                + "verify with the last four digits or the order number instead", null));
            }
        }
        if (!confirmed) {
            for (BannedPhrase b : banned) {
                if (lower.contains(b.phrase().toLowerCase(Locale.ROOT))) {
                    return Optional.of(new Verdict("banned_phrase", "held: \"" + b.phrase()
                            + "\" sounds like a refusal; rephrase, or resend with confirm: true", b.suggestion()));
                }
            }
        }
        return Optional.empty();
    }
}
