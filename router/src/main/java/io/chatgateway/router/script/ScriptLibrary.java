package io.chatgateway.router.script;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every text the system shows a shopper or agent, by kind and language (zh-CN and en), with
 * {@code {placeholder}} slots. Immutable: {@link #with} returns a changed copy after validating
 * the kind, the language and every placeholder (ops edit texts live through the admin API).
 */
public final class ScriptLibrary {

    /** The script kinds of PROTOCOL.md v1. */
    public enum Kind {
        GREETING, QUEUED, OVERFLOW, LEAVE_MESSAGE_ACK, SILENCE_CARE, CLOSING, CSAT_INVITE, AGENT_LEFT, TRANSFER, NO_AGENTS, AFTER_HOURS, BUSY;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The placeholders each kind may use. */
    public static final Map<Kind, java.util.Set<String>> PLACEHOLDERS = Map.ofEntries(
            Map.entry(Kind.GREETING, java.util.Set.of("name", "shop")),
            Map.entry(Kind.QUEUED, java.util.Set.of("position", "eta", "shop")),
            Map.entry(Kind.OVERFLOW, java.util.Set.of("position", "eta", "shop")),
            Map.entry(Kind.LEAVE_MESSAGE_ACK, java.util.Set.of("ref", "shop")),
            Map.entry(Kind.SILENCE_CARE, java.util.Set.of("shop")),
            Map.entry(Kind.CLOSING, java.util.Set.of("shop")),
            Map.entry(Kind.CSAT_INVITE, java.util.Set.of("shop")),
            Map.entry(Kind.AGENT_LEFT, java.util.Set.of("shop")),
            Map.entry(Kind.TRANSFER, java.util.Set.of("shop")),
            Map.entry(Kind.NO_AGENTS, java.util.Set.of("position", "shop")),
            Map.entry(Kind.AFTER_HOURS, java.util.Set.of("eta", "shop")),
            Map.entry(Kind.BUSY, java.util.Set.of("position", "eta", "shop")));

    public static final String EN = "en";
    public static final String ZH = "zh-CN";
    private static final Pattern SLOT = Pattern.compile("\\{([a-zA-Z]+)}");

    private final Map<Kind, Map<String, String>> texts;
    private final Map<String, String> rendered = new java.util.concurrent.ConcurrentHashMap<>();
    private final String defaultLang;

    private ScriptLibrary(Map<Kind, Map<String, String>> texts, String defaultLang) {
        this.texts = texts;
        this.defaultLang = defaultLang;
    }

    /** The built-in wording, falling back to {@code defaultLang} for shoppers without a language. */
    public static ScriptLibrary defaults(String defaultLang) {
        if (!EN.equals(defaultLang) && !ZH.equals(defaultLang)) {
            throw new IllegalArgumentException("defaultLang '" + defaultLang + "' (expected: \"en\" or \"zh-CN\")");
        }
        Map<Kind, Map<String, String>> t = new EnumMap<>(Kind.class);
        put(t, Kind.GREETING,
                "Hi{name}! You're chatting with {shop} customer service. Tell us what you need (an order number helps) and we'll take it from there.",
                "您好{name}！这里是{shop}客服，请告诉我们您需要什么帮助（附上订单号会更快），我们马上为您处理。");
        put(t, Kind.QUEUED,
                "All our agents are helping other shoppers right now. You are number {position} in line; the wait is about {eta}. Please stay with us.",
                "客服们正在为其他顾客服务，您目前排在第{position}位，预计等待约{eta}，请稍候。");
        put(t, Kind.AGENT_LEFT,
                "Your agent had to step away. You keep your place in line and the next free colleague will continue with you.",
                "刚才的客服暂时离开了，您的排队位置保持不变，下一位空闲的同事会继续为您服务。");
        put(t, Kind.CLOSING,
                "Thank you for chatting with {shop}. We're glad we could help!",
                "感谢您咨询{shop}，很高兴能为您服务！");
        put(t, Kind.CSAT_INVITE,
                "How did we do? Please rate this chat from 1 to 5.",
                "请为本次服务打分（1-5分），您的评价对我们很重要。");
        put(t, Kind.OVERFLOW,
                "We're much busier than usual. You are number {position}; the wait is about {eta}. You can also leave us a message and we'll answer it in order.",
                "当前咨询量非常大，您排在第{position}位，预计等待约{eta}。您也可以留言，我们会按顺序尽快回复。");
        put(t, Kind.LEAVE_MESSAGE_ACK,
                "Thanks, we've got your message (reference {ref}) and will answer it in order.",
                "已收到您的留言（编号{ref}），我们会按顺序尽快回复。");
        put(t, Kind.SILENCE_CARE,
                "Are you still there? If there's anything else we can help with, just type it here.",
                "请问您还在吗？如果还有其他需要帮助的地方，请随时告诉我们。");
        put(t, Kind.TRANSFER,
                "We're passing you to a colleague who can help with this; they'll see everything so far.",
                "正在为您转接更合适的同事，对方能看到之前的全部对话。");
        put(t, Kind.NO_AGENTS,
                "No agent of {shop} is online right now, so we can't say how long it will take. Leave us a message here and we'll answer it in order as soon as someone is back, or stay: you are number {position} in line.",
                "{shop}客服暂时都不在线，无法预估等待时间。您可以直接在这里留言，客服回来后会按顺序回复；也可以继续等待，您目前排在第{position}位。");
        put(t, Kind.AFTER_HOURS,
                "{shop} customer service is closed right now and opens again in about {eta}. Leave us a message here and we'll answer it in order when we open.",
                "{shop}客服当前不在服务时间，约{eta}后开始服务。您可以在这里留言，我们上班后会按顺序回复。");
        put(t, Kind.BUSY,
                "We can't reach you soon: you are number {position} and the wait is about {eta}. Leave us a message here and we'll answer it in order, or stay in line if you prefer.",
                "目前排队较长，您排在第{position}位，预计等待约{eta}。建议您直接留言，我们会按顺序回复；您也可以继续排队等待。");
        return new ScriptLibrary(t, defaultLang);
    }

    private static void put(Map<Kind, Map<String, String>> t, Kind kind, String en, String zh) {
        Map<String, String> m = new HashMap<>();
        m.put(EN, en);
        m.put(ZH, zh);
        t.put(kind, Map.copyOf(m));
    }

    /**
     * The text of a kind in a language (the default language when {@code lang} is null or
     * unknown), with placeholders filled; a placeholder without a value renders empty.
     */
    public String render(Kind kind, String lang, Map<String, String> values) {
        // Texts without per-shopper values (a nameless greeting, closing lines) are shared, not
        // rendered per chat: every waiting chat keeps its greeting in its log.
        boolean shared = !values.containsKey("position") && !values.containsKey("eta") && !values.containsKey("ref")
                && values.getOrDefault("name", "").isEmpty();
        if (shared) {
            String key = kind.name() + '|' + lang + '|' + values;
            String cached = rendered.get(key);
            if (cached != null) {
                return cached;
            }
            String r = renderFresh(kind, lang, values);
            if (rendered.size() < 1024) {
                rendered.put(key, r);
            }
            return r;
        }
        return renderFresh(kind, lang, values);
    }

    private String renderFresh(Kind kind, String lang, Map<String, String> values) {
        Map<String, String> byLang = texts.get(kind);
        String template = byLang.getOrDefault(lang == null ? defaultLang : lang, byLang.get(defaultLang));
        Matcher m = SLOT.matcher(template);
        StringBuilder out = new StringBuilder(template.length() + 32);
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** A wait in words a shopper understands, e.g. "2 minutes" / "2分钟". */
    public String formatWait(long seconds, String lang) {
        boolean zh = ZH.equals(lang == null ? defaultLang : lang);
        if (seconds < 60) {
            return zh ? "1分钟以内" : "under a minute";
        }
        long minutes = (seconds + 59) / 60;
        if (minutes >= 120) { // "540 minutes" reads worse than "9 hours" (a night outside business hours)
            long hours = (minutes + 30) / 60;
            return zh ? hours + "小时" : hours + " hours";
        }
        if (zh) {
            return minutes + "分钟";
        }
        return minutes == 1 ? "1 minute" : minutes + " minutes";
    }

    public String defaultLang() {
        return defaultLang;
    }

    /** The raw template of a kind in a language. */
    public String template(Kind kind, String lang) {
        return texts.get(kind).get(lang);
    }

    /** All templates: kind (wire name) -> language -> template. */
    public Map<String, Map<String, String>> all() {
        Map<String, Map<String, String>> out = new java.util.TreeMap<>();
        texts.forEach((k, v) -> out.put(k.wire(), new java.util.TreeMap<>(v)));
        return out;
    }

    /** A copy with all these edits (kind -> language -> template) applied, each validated as {@link #with} does. */
    public ScriptLibrary withEdits(Map<String, Map<String, String>> edits) {
        ScriptLibrary out = this;
        for (Map.Entry<String, Map<String, String>> k : edits.entrySet()) {
            for (Map.Entry<String, String> l : k.getValue().entrySet()) {
                out = out.with(k.getKey(), l.getKey(), l.getValue());
            }
        }
        return out;
    }

    /** Parses a wire kind name, or null. */
    public static Kind kind(String wire) {
        for (Kind k : Kind.values()) {
            if (k.wire().equals(wire)) {
                return k;
            }
        }
        return null;
    }

    /**
     * A copy with one template replaced.
     *
     * @throws IllegalArgumentException naming what was expected: a known kind and language, 1..1000
     *                                  chars, and only the placeholders that kind has
     */
    public ScriptLibrary with(String kindName, String lang, String template) {
        Kind kind = kind(kindName);
        if (kind == null) {
            throw new IllegalArgumentException("unknown script kind '" + kindName + "' (expected one of "
                    + java.util.Arrays.stream(Kind.values()).map(Kind::wire).toList() + ")");
        }
        if (!EN.equals(lang) && !ZH.equals(lang)) {
            throw new IllegalArgumentException("language '" + lang + "' (expected: en or zh-CN)");
        }
        if (template == null || template.isBlank() || template.length() > 1000) {
            throw new IllegalArgumentException("text (expected: 1..1000 chars)");
        }
        Matcher m = SLOT.matcher(template);
        while (m.find()) {
            if (!PLACEHOLDERS.get(kind).contains(m.group(1))) {
                throw new IllegalArgumentException("unknown placeholder {" + m.group(1) + "} for " + kind.wire()
                        + " (expected: " + new java.util.TreeSet<>(PLACEHOLDERS.get(kind)) + ")");
            }
        }
        Map<Kind, Map<String, String>> copy = new EnumMap<>(texts);
        Map<String, String> byLang = new HashMap<>(copy.get(kind));
        byLang.put(lang, template);
        copy.put(kind, Map.copyOf(byLang));
        return new ScriptLibrary(copy, defaultLang);
    }
}
