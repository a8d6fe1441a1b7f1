package io.chatgateway.router.guard;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks card and phone numbers in chat text before it can reach anything but the two people in
 * the chat (QA transcripts, exports, any log line). Cards: 13-19 digits, spaces or dashes allowed,
 * keep the last four. Phones: 7-15 digits (optionally +country), keep the first three and last four.
 */
public final class Masking {
    private static final Pattern CARD = Pattern.compile("(?<![+\\d])(?:\\d[ -]?){12,18}\\d(?!\\d)");
    private static final Pattern PHONE = Pattern.compile("(?<![\\d*])\\+?\\d[\\d -]{5,16}\\d(?!\\d)");

    private Masking() {
    }

    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        String cardsMasked = replace(CARD, text, digits -> "**** **** **** " + digits.substring(digits.length() - 4));
        return replace(PHONE, cardsMasked, digits -> digits.length() < 7 ? digits
                : digits.substring(0, 3) + "*".repeat(digits.length() - 7) + digits.substring(digits.length() - 4));
    }

    private static String replace(Pattern p, String text, java.util.function.UnaryOperator<String> masker) {
        Matcher m = p.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String digits = m.group().replaceAll("[^0-9]", "");
            m.appendReplacement(out, Matcher.quoteReplacement(masker.apply(digits)));
        }
        m.appendTail(out);
        return out.toString();
    }
}
