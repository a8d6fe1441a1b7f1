package io.chatgateway.router.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.Tier;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The live-tunable routing document: one immutable value, replaced as a whole by ops.
 *
 * <h2>Queue score</h2>
 * A waiting chat's score at time {@code t} is
 * <pre>  score = tierWeight[tier] + (urgent_order ? urgentOrderBoost : 0) + orderStatus[status].boost + ageingPerSecond × (t − queuedAt)</pre>
 * and the highest score is served first. Because every waiting chat ages at the same rate, the
 * order never changes with time alone: it equals the order of the static key
 * {@code tierWeight + boost − ageingPerSecond × queuedAt}. The queue is therefore a sorted index
 * built once per chat (and rebuilt only when ops change weights), never rescored per event.
 *
 * <h2>No starvation</h2>
 * A regular shopper who has waited {@code w} seconds outranks every VIP who arrives later once
 * {@code regular + ageing × w > vip}, i.e. after
 * <pre>  w* = (tierWeight[vip] − tierWeight[regular]) / ageingPerSecond</pre>
 * seconds (defaults: (300 − 100) / 2 = 100 s; with the urgent boost, (300 + 150 − 100) / 2 = 175 s).
 * From then on only chats that were already ahead of them, a finite set, can be served first,
 * so however steady the stream of VIPs, a regular shopper's wait is bounded by {@code w*} plus the
 * time to serve the chats ahead of them at that moment. The same holds between any two tiers.
 * {@code ageingPerSecond} must therefore be positive.
 */
public record RoutingConfig(Map<Tier, Double> tierWeights, double ageingPerSecond, double urgentOrderBoost,
                            Map<Tier, List<AgentLevel>> preferredLevels, Map<Tier, List<EscalationStep>> escalation,
                            Map<AgentLevel, Integer> capacity, String complaintSkill, String supervisorTag,
                            int offerTimeoutSeconds, int maxMissedOffers, Map<String, GroupConfig> groups,
                            Care care, List<BannedPhrase> bannedPhrases, double qaSampleRate, Overflow overflow,
                            Ownership ownership, OrderStatusRules orderStatus, int transferAllowance,
                            Map<Tier, Integer> queueLimitSeconds) {
    /** Slots above capacity a transfer or a supervisor's take-over may use, unless the document says otherwise. */
    public static final int DEFAULT_TRANSFER_ALLOWANCE = 2;


    public RoutingConfig {
        bannedPhrases = List.copyOf(bannedPhrases);
        tierWeights = Map.copyOf(tierWeights);
        preferredLevels = Map.copyOf(preferredLevels);
        escalation = Map.copyOf(escalation);
        capacity = Map.copyOf(capacity);
        groups = Map.copyOf(groups);
        queueLimitSeconds = Map.copyOf(queueLimitSeconds);
    }

    /**
     * One step of a tier's escalation ladder: which agent levels may take the chat (empty = any),
     * which other groups' agents may take it too, and how long the step lasts before the next one
     * starts ({@code null} on the last step: it lasts until the chat is served).
     */
    public record EscalationStep(List<AgentLevel> levels, List<String> extraGroups, Integer seconds) {
        public EscalationStep {
            levels = List.copyOf(levels);
            extraGroups = List.copyOf(extraGroups);
        }
    }

    /**
     * Silence care and reply care, in seconds. A shopper expected to answer (the agent spoke last)
     * and silent for {@code silencePromptSeconds} gets the {@code silence_care} script; still silent
     * {@code silenceCloseSeconds} later the chat closes with reason {@code silence}. A shopper whose
     * last message is unanswered for {@code agentNudgeSeconds} makes the gateway nudge the agent; after
     * {@code agentReofferSeconds} the chat is offered to another agent. A chat whose shopper has been
     * quiet (the agent spoke last) for {@code idleSeconds} stops counting against the agent's
     * capacity until the shopper writes again; 0 turns that off.
     */
    public record Care(int silencePromptSeconds, int silenceCloseSeconds, int agentNudgeSeconds, int agentReofferSeconds,
                       int idleSeconds) {
        public static final int DEFAULT_IDLE_SECONDS = 300;
    }

    /**
     * First-contact ownership: the first agent who answers a shopper owns them for
     * {@code retentionHours}; a returning shopper goes to the owner when the owner has room, at once
     * when the owner auto-accepts, else as an offer open for {@code windowSeconds} (shorter than a
     * normal offer, so a busy owner does not keep the shopper from a free colleague); 0 = no window,
     * the owner competes like anyone else.
     */
    public record Ownership(int windowSeconds, int retentionHours) {
        public static final Ownership DEFAULTS = new Ownership(5, 72);
    }

    /** A phrase agents must not send, and the positive wording suggested instead. */
    public record BannedPhrase(String phrase, String suggestion) {
    }

    /** One surge FAQ entry pushed to agents and offered to waiting shoppers. */
    public record Faq(String question, String answer) {
    }

    /**
     * Overflow (surge) mode of a group: on when waiting shoppers reach {@code enterDepth} or the
     * projected wait reaches {@code enterWaitSeconds}; off again only when both are back under
     * {@code exitDepth} and {@code exitWaitSeconds} (hysteresis, so it does not flap). While on, a
     * waiting shopper gets a position update at most every {@code updateSeconds}, may leave a
     * message, and {@code vipReservedSeniorShare} of each senior agent's capacity is kept for VIPs.
     */
    public record Overflow(int enterDepth, int exitDepth, int enterWaitSeconds, int exitWaitSeconds, int updateSeconds,
                           double vipReservedSeniorShare, List<Faq> faq) {
        public Overflow {
            faq = List.copyOf(faq);
        }
    }

    /** A routing group and its business hours ({@code open == close} means around the clock). */
    public record GroupConfig(LocalTime open, LocalTime close, ZoneId zone) {
        public boolean isOpen(java.time.Instant at) {
            if (open.equals(close)) {
                return true;
            }
            LocalTime t = ZonedDateTime.ofInstant(at, zone).toLocalTime();
            return open.isBefore(close) ? !t.isBefore(open) && t.isBefore(close) : !t.isBefore(open) || t.isBefore(close);
        }

        /** Seconds until the group opens (0 when open). */
        public long secondsUntilOpen(java.time.Instant at) {
            if (isOpen(at)) {
                return 0;
            }
            ZonedDateTime now = ZonedDateTime.ofInstant(at, zone);
            ZonedDateTime next = now.with(open);
            if (!next.isAfter(now)) {
                next = next.plusDays(1);
            }
            return java.time.Duration.between(now, next).toSeconds();
        }
    }

    /** The defaults of DOMAIN.md. */
    public static RoutingConfig defaults() {
        Map<Tier, Double> w = new EnumMap<>(Tier.class);
        w.put(Tier.VIP, 300.0);
        w.put(Tier.REGULAR, 100.0);
        w.put(Tier.NEW, 80.0);
        Map<Tier, List<AgentLevel>> pref = new EnumMap<>(Tier.class);
        pref.put(Tier.VIP, List.of(AgentLevel.SENIOR));
        pref.put(Tier.REGULAR, List.of());
        pref.put(Tier.NEW, List.of());
        Map<Tier, List<EscalationStep>> esc = new EnumMap<>(Tier.class);
        esc.put(Tier.VIP, List.of(
                new EscalationStep(List.of(AgentLevel.SENIOR), List.of(), 20),
                new EscalationStep(List.of(), List.of(), 40),
                new EscalationStep(List.of(), List.of("overflow"), null)));
        List<EscalationStep> std = List.of(
                new EscalationStep(List.of(), List.of(), 120),
                new EscalationStep(List.of(), List.of("overflow"), null));
        esc.put(Tier.REGULAR, std);
        esc.put(Tier.NEW, std);
        Map<AgentLevel, Integer> cap = new EnumMap<>(AgentLevel.class);
        for (AgentLevel l : AgentLevel.values()) {
            cap.put(l, 10);
        }
        return new RoutingConfig(w, 2.0, 150.0, pref, esc, cap, "complaints", "major_complaint", 15, 2,
                Map.of("general", new GroupConfig(LocalTime.MIDNIGHT, LocalTime.MIDNIGHT, ZoneId.of("UTC"))),
                new Care(900, 900, 60, 180, Care.DEFAULT_IDLE_SECONDS), DEFAULT_BANNED, 0.2,
                new Overflow(200, 100, 600, 300, 30, 0.2, List.of(
                        new Faq("When will my order ship?", "Orders placed today ship within 48 hours; presale items on the date shown on the product page."),
                        new Faq("How do the discounts stack?", "Store coupons and platform coupons stack; the price at checkout is final."),
                        new Faq("Can I get my deposit back?", "Presale deposits are refunded in full if the final payment is not made."))),
                Ownership.DEFAULTS, OrderStatusRules.NONE, DEFAULT_TRANSFER_ALLOWANCE, Map.of());
    }

    /** Phrases that refuse or deflect, in en and zh-CN, with a positive wording (DOMAIN.md). */
    static final List<BannedPhrase> DEFAULT_BANNED = List.of(
            new BannedPhrase("I don't know", "Let me find that out for you right away."),
            new BannedPhrase("nothing I can do", "Here is what I can do for you:"),
            new BannedPhrase("not my problem", "I'll take care of this for you."),
            new BannedPhrase("that's impossible", "Let me check what options we have."),
            new BannedPhrase("我不知道", "我马上帮您查一下。"),
            new BannedPhrase("没办法", "我来看看能为您做些什么。"),
            new BannedPhrase("不归我管", "这个问题我来帮您跟进。"),
            new BannedPhrase("不可能", "我帮您确认一下有哪些可行的方案。"));

    /** The static queue key: higher is served first (see the class comment). */
    public double rankKey(Tier tier, List<String> tags, long queuedAtMillis) {
        double boost = (tags.contains("urgent_order") ? urgentOrderBoost : 0) + orderStatus.boost(tags);
        return tierWeights.get(tier) + boost - ageingPerSecond * (queuedAtMillis / 1000.0);
    }

    /** The score shown to ops at time {@code now}. */
    public double score(Tier tier, List<String> tags, long queuedAtMillis, long nowMillis) {
        return rankKey(tier, tags, queuedAtMillis) + ageingPerSecond * (nowMillis / 1000.0);
    }

    /** The escalation step a chat is on after waiting {@code waitedMillis}. */
    public int stepIndex(Tier tier, long waitedMillis) {
        List<EscalationStep> steps = escalation.get(tier);
        long elapsed = 0;
        for (int i = 0; i < steps.size(); i++) {
            Integer s = steps.get(i).seconds();
            if (s == null) {
                return i;
            }
            elapsed += s * 1000L;
            if (waitedMillis < elapsed) {
                return i;
            }
        }
        return steps.size() - 1;
    }

    /** Milliseconds of waiting after which the step after {@code index} starts, or -1 on the last step. */
    public long stepEndsAfterMillis(Tier tier, int index) {
        List<EscalationStep> steps = escalation.get(tier);
        long elapsed = 0;
        for (int i = 0; i <= index; i++) {
            Integer s = steps.get(i).seconds();
            if (s == null) {
                return -1;
            }
            elapsed += s * 1000L;
        }
        return index + 1 < steps.size() ? elapsed : -1;
    }

    public GroupConfig group(String name) {
        return groups.getOrDefault(name, new GroupConfig(LocalTime.MIDNIGHT, LocalTime.MIDNIGHT, ZoneId.of("UTC")));
    }

    // ------------------------------------------------------------------ JSON

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("tierWeights", "ageingPerSecond", "urgentOrderBoost", "preferredLevels",
            "escalation", "capacity", "complaintSkill", "supervisorTag", "offerTimeoutSeconds", "maxMissedOffers", "groups",
            "care", "bannedPhrases", "qaSampleRate", "overflow", "ownership", "orderStatus", "transferAllowance",
            "queueLimitSeconds");

    /** The document as JSON (lower-case wire names for tiers and levels). */
    public ObjectNode toJson() {
        ObjectNode o = MAPPER.createObjectNode();
        ObjectNode w = o.putObject("tierWeights");
        for (Tier t : Tier.values()) {
            w.put(t.wire(), tierWeights.get(t));
        }
        o.put("ageingPerSecond", ageingPerSecond);
        o.put("urgentOrderBoost", urgentOrderBoost);
        ObjectNode pref = o.putObject("preferredLevels");
        for (Tier t : Tier.values()) {
            ArrayNode a = pref.putArray(t.wire());
            preferredLevels.get(t).forEach(l -> a.add(l.wire()));
        }
        ObjectNode esc = o.putObject("escalation");
        for (Tier t : Tier.values()) {
            ArrayNode steps = esc.putArray(t.wire());
            for (EscalationStep s : escalation.get(t)) {
                ObjectNode so = steps.addObject();
                ArrayNode lv = so.putArray("levels");
                s.levels().forEach(l -> lv.add(l.wire()));
                ArrayNode eg = so.putArray("extraGroups");
                s.extraGroups().forEach(eg::add);
                if (s.seconds() == null) {
                    so.putNull("seconds");
                } else {
                    so.put("seconds", s.seconds());
                }
            }
        }
        ObjectNode cap = o.putObject("capacity");
        for (AgentLevel l : AgentLevel.values()) {
            cap.put(l.wire(), capacity.get(l));
        }
        o.put("complaintSkill", complaintSkill);
        o.put("supervisorTag", supervisorTag);
        o.put("offerTimeoutSeconds", offerTimeoutSeconds);
        o.put("maxMissedOffers", maxMissedOffers);
        ObjectNode g = o.putObject("groups");
        groups.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode go = g.putObject(e.getKey());
            go.put("open", e.getValue().open().toString());
            go.put("close", e.getValue().close().toString());
            go.put("zone", e.getValue().zone().getId());
        });
        ObjectNode careNode = o.putObject("care");
        careNode.put("silencePromptSeconds", care.silencePromptSeconds());
        careNode.put("silenceCloseSeconds", care.silenceCloseSeconds());
        careNode.put("agentNudgeSeconds", care.agentNudgeSeconds());
        careNode.put("agentReofferSeconds", care.agentReofferSeconds());
        careNode.put("idleSeconds", care.idleSeconds());
        ArrayNode banned = o.putArray("bannedPhrases");
        bannedPhrases.forEach(b -> banned.addObject().put("phrase", b.phrase()).put("suggestion", b.suggestion()));
        o.put("qaSampleRate", qaSampleRate);
        ObjectNode ov = o.putObject("overflow");
        ov.put("enterDepth", overflow.enterDepth());
        ov.put("exitDepth", overflow.exitDepth());
        ov.put("enterWaitSeconds", overflow.enterWaitSeconds());
        ov.put("exitWaitSeconds", overflow.exitWaitSeconds());
        ov.put("updateSeconds", overflow.updateSeconds());
        ov.put("vipReservedSeniorShare", overflow.vipReservedSeniorShare());
        ArrayNode faq = ov.putArray("faq");
        overflow.faq().forEach(f -> faq.addObject().put("question", f.question()).put("answer", f.answer()));
        o.putObject("ownership").put("windowSeconds", ownership.windowSeconds()).put("retentionHours", ownership.retentionHours());
        o.set("orderStatus", orderStatus.toJson());
        o.put("transferAllowance", transferAllowance);
        ObjectNode limits = o.putObject("queueLimitSeconds");
        for (Tier t : Tier.values()) {
            if (queueLimitSeconds.containsKey(t)) {
                limits.put(t.wire(), queueLimitSeconds.get(t));
            }
        }
        return o;
    }

    /**
     * Parses and validates a whole document. Every problem is collected, each naming the field and
     * what was expected, so ops fix them in one round.
     *
     * @throws ConfigException listing the problems
     */
    public static RoutingConfig fromJson(JsonNode o) {
        List<String> p = new ArrayList<>();
        if (o == null || !o.isObject()) {
            throw new ConfigException(List.of("config must be a JSON object (expected the document of GET /admin/config)"));
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                p.add("unknown field '" + f + "' (expected one of " + new java.util.TreeSet<>(FIELDS) + ")");
            }
        }
        Map<Tier, Double> weights = new EnumMap<>(Tier.class);
        JsonNode w = o.get("tierWeights");
        for (Tier t : Tier.values()) {
            JsonNode v = w == null ? null : w.get(t.wire());
            if (v == null || !v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1_000_000) {
                p.add("tierWeights." + t.wire() + " (expected: a number 0..1000000)");
            } else {
                weights.put(t, v.asDouble());
            }
        }
        double ageing = number(o, "ageingPerSecond", 0.000001, 1000, p, "a positive number (0 would let VIPs starve other tiers)");
        double boost = number(o, "urgentOrderBoost", 0, 1_000_000, p, "a number 0..1000000");
        Map<Tier, List<AgentLevel>> pref = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            pref.put(t, levels(o.path("preferredLevels").get(t.wire()), "preferredLevels." + t.wire(), p));
        }
        Map<Tier, List<EscalationStep>> esc = new EnumMap<>(Tier.class);
        for (Tier t : Tier.values()) {
            String where = "escalation." + t.wire();
            JsonNode steps = o.path("escalation").get(t.wire());
            if (steps == null || !steps.isArray() || steps.isEmpty() || steps.size() > 10) {
                p.add(where + " (expected: an array of 1..10 steps {levels, extraGroups, seconds})");
                continue;
            }
            List<EscalationStep> list = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                JsonNode s = steps.get(i);
                String sw = where + "[" + i + "]";
                if (!s.isObject()) {
                    p.add(sw + " (expected: an object {levels, extraGroups, seconds})");
                    continue;
                }
                List<AgentLevel> lv = levels(s.get("levels"), sw + ".levels", p);
                List<String> groups = new ArrayList<>();
                JsonNode eg = s.get("extraGroups");
                if (eg != null && !eg.isNull()) {
                    if (!eg.isArray()) {
                        p.add(sw + ".extraGroups (expected: an array of group names)");
                    } else {
                        eg.forEach(g -> {
                            if (!g.isTextual() || !validGroupName(g.asText())) {
                                p.add(sw + ".extraGroups (expected: group names of 1..64 letters, digits, - or _)");
                            } else {
                                groups.add(g.asText());
                            }
                        });
                    }
                }
                JsonNode sec = s.get("seconds");
                Integer seconds = null;
                boolean last = i == steps.size() - 1;
                if (sec != null && !sec.isNull()) {
                    if (!sec.canConvertToInt() || !sec.isIntegralNumber() || sec.asInt() < 1 || sec.asInt() > 86_400) {
                        p.add(sw + ".seconds (expected: an integer 1..86400, or null on the last step)");
                    } else {
                        seconds = sec.asInt();
                    }
                } else if (!last) {
                    p.add(sw + ".seconds is missing (expected: every step but the last has a duration 1..86400)");
                }
                list.add(new EscalationStep(lv, groups, last ? null : seconds));
            }
            esc.put(t, list);
        }
        Map<AgentLevel, Integer> cap = new EnumMap<>(AgentLevel.class);
        for (AgentLevel l : AgentLevel.values()) {
            JsonNode v = o.path("capacity").get(l.wire());
            if (v == null || !v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > 100) {
                p.add("capacity." + l.wire() + " (expected: an integer 1..100)");
            } else {
                cap.put(l, v.asInt());
            }
        }
        String skill = text(o, "complaintSkill", p);
        String supTag = text(o, "supervisorTag", p);
        int offerTimeout = (int) number(o, "offerTimeoutSeconds", 3, 600, p, "an integer 3..600");
        int maxMissed = (int) number(o, "maxMissedOffers", 1, 100, p, "an integer 1..100");
        Map<String, GroupConfig> groups = new LinkedHashMap<>();
        JsonNode g = o.get("groups");
        if (g == null || !g.isObject() || g.isEmpty()) {
            p.add("groups (expected: an object of group name -> {open, close, zone}, at least one)");
        } else {
            g.fields().forEachRemaining(e -> {
                String gw = "groups." + e.getKey();
                if (!validGroupName(e.getKey())) {
                    p.add(gw + " (expected: a group name of 1..64 letters, digits, - or _)");
                    return;
                }
                try {
                    JsonNode v = e.getValue();
                    groups.put(e.getKey(), new GroupConfig(LocalTime.parse(v.path("open").asText("00:00")),
                            LocalTime.parse(v.path("close").asText("00:00")), ZoneId.of(v.path("zone").asText("UTC"))));
                } catch (RuntimeException ex) {
                    p.add(gw + " (expected: {\"open\":\"HH:mm\",\"close\":\"HH:mm\",\"zone\":\"Asia/Shanghai\"})");
                }
            });
        }
        JsonNode c = o.path("care");
        Care careCfg = new Care((int) number(c, "silencePromptSeconds", 10, 86_400, p, "an integer 10..86400", "care."),
                (int) number(c, "silenceCloseSeconds", 10, 86_400, p, "an integer 10..86400", "care."),
                (int) number(c, "agentNudgeSeconds", 5, 86_400, p, "an integer 5..86400", "care."),
                (int) number(c, "agentReofferSeconds", 10, 86_400, p, "an integer 10..86400", "care."),
                // Added after v1: optional (an older document keeps the default).
                c.hasNonNull("idleSeconds") ? (int) number(c, "idleSeconds", 0, 86_400, p, "an integer 0..86400 (0: off)", "care.")
                        : Care.DEFAULT_IDLE_SECONDS);
        if (careCfg.agentReofferSeconds() <= careCfg.agentNudgeSeconds()) {
            p.add("care.agentReofferSeconds (expected: more than care.agentNudgeSeconds: the nudge comes first)");
        }
        List<BannedPhrase> banned = new ArrayList<>();
        JsonNode bp = o.get("bannedPhrases");
        if (bp == null || !bp.isArray() || bp.size() > 500) {
            p.add("bannedPhrases (expected: an array of at most 500 {phrase, suggestion})");
        } else {
            for (int i = 0; i < bp.size(); i++) {
                JsonNode b = bp.get(i);
                String phrase = b.path("phrase").asText("");
                String suggestion = b.path("suggestion").asText("");
                if (phrase.isBlank() || phrase.length() > 100 || suggestion.length() > 500) {
                    p.add("bannedPhrases[" + i + "] (expected: {\"phrase\": 1..100 chars, \"suggestion\": up to 500 chars})");
                } else {
                    banned.add(new BannedPhrase(phrase, suggestion));
                }
            }
        }
        double qa = number(o, "qaSampleRate", 0, 1, p, "a number 0..1 (0.2 = 20 % of closed chats)");
        JsonNode ov = o.path("overflow");
        Overflow overflowCfg = new Overflow((int) number(ov, "enterDepth", 1, 10_000_000, p, "an integer 1..10000000", "overflow."),
                (int) number(ov, "exitDepth", 0, 10_000_000, p, "an integer 0..10000000", "overflow."),
                (int) number(ov, "enterWaitSeconds", 1, 86_400, p, "an integer 1..86400", "overflow."),
                (int) number(ov, "exitWaitSeconds", 0, 86_400, p, "an integer 0..86400", "overflow."),
                (int) number(ov, "updateSeconds", 1, 3600, p, "an integer 1..3600", "overflow."),
                number(ov, "vipReservedSeniorShare", 0, 1, p, "a number 0..1", "overflow."),
                faq(ov.get("faq"), p));
        if (overflowCfg.exitDepth() >= overflowCfg.enterDepth() || overflowCfg.exitWaitSeconds() >= overflowCfg.enterWaitSeconds()) {
            p.add("overflow exit thresholds (expected: exitDepth < enterDepth and exitWaitSeconds < enterWaitSeconds, so the mode does not flap)");
        }
        // Added after v1: a document without it (an older ops tool's) keeps the defaults.
        JsonNode own = o.get("ownership");
        Ownership ownership = own == null || own.isNull() ? Ownership.DEFAULTS
                : new Ownership((int) number(own, "windowSeconds", 0, 600, p, "an integer 0..600 (0: no owner window)", "ownership."),
                (int) number(own, "retentionHours", 0, 8760, p, "an integer 0..8760 (0: no ownership)", "ownership."));
        OrderStatusRules orderStatus = OrderStatusRules.fromJson(o.get("orderStatus"), p); // added after v1: optional
        int allowance = o.hasNonNull("transferAllowance")
                ? (int) number(o, "transferAllowance", 0, 20, p, "an integer 0..20 (slots above capacity a transfer may use)")
                : DEFAULT_TRANSFER_ALLOWANCE;
        // Added after v1, optional: per tier, the projected wait above which a shopper is told "busy" (leave a message).
        Map<Tier, Integer> limits = new EnumMap<>(Tier.class);
        JsonNode ql = o.get("queueLimitSeconds");
        if (ql != null && !ql.isNull()) {
            for (Iterator<String> it = ql.fieldNames(); it.hasNext(); ) {
                String t = it.next();
                if (Tier.parse(t) == null) {
                    p.add("queueLimitSeconds." + t + " (expected: a tier, \"vip\", \"regular\" or \"new\")");
                } else if (!ql.get(t).isNull()) {
                    limits.put(Tier.parse(t), (int) number(ql, t, 60, 86_400, p, "an integer 60..86400, or null for no limit",
                            "queueLimitSeconds."));
                }
            }
        }
        if (!p.isEmpty()) {
            throw new ConfigException(p);
        }
        return new RoutingConfig(weights, ageing, boost, pref, esc, cap, skill, supTag, offerTimeout, maxMissed, groups,
                careCfg, banned, qa, overflowCfg, ownership, orderStatus, allowance, limits);
    }

    private static List<Faq> faq(JsonNode a, List<String> p) {
        List<Faq> out = new ArrayList<>();
        if (a == null || !a.isArray() || a.size() > 50) {
            p.add("overflow.faq (expected: an array of at most 50 {question, answer})");
            return out;
        }
        for (int i = 0; i < a.size(); i++) {
            String q = a.get(i).path("question").asText("");
            String ans = a.get(i).path("answer").asText("");
            if (q.isBlank() || ans.isBlank() || q.length() > 200 || ans.length() > 1000) {
                p.add("overflow.faq[" + i + "] (expected: {\"question\": 1..200 chars, \"answer\": 1..1000 chars})");
            } else {
                out.add(new Faq(q, ans));
            }
        }
        return out;
    }

    private static boolean validGroupName(String s) {
        return s.matches("[A-Za-z0-9_-]{1,64}");
    }

    private static double number(JsonNode o, String field, double min, double max, List<String> p, String expected) {
        return number(o, field, min, max, p, expected, "");
    }

    private static double number(JsonNode o, String field, double min, double max, List<String> p, String expected, String prefix) {
        JsonNode v = o == null ? null : o.get(field);
        if (v == null || !v.isNumber() || v.asDouble() < min || v.asDouble() > max
                || (expected.startsWith("an integer") && !v.isIntegralNumber())) {
            p.add(prefix + field + " (expected: " + expected + ")");
            return min;
        }
        return v.asDouble();
    }

    private static String text(JsonNode o, String field, List<String> p) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank() || v.asText().length() > 64) {
            p.add(field + " (expected: a string of 1..64 chars)");
            return "";
        }
        return v.asText();
    }

    private static List<AgentLevel> levels(JsonNode a, String where, List<String> p) {
        if (a == null || a.isNull()) {
            return List.of();
        }
        if (!a.isArray()) {
            p.add(where + " (expected: an array of \"senior\", \"regular\", \"trainee\")");
            return List.of();
        }
        List<AgentLevel> out = new ArrayList<>();
        for (JsonNode n : a) {
            AgentLevel l = n.isTextual() ? AgentLevel.parse(n.asText()) : null;
            if (l == null) {
                p.add(where + " has '" + n.asText() + "' (expected: \"senior\", \"regular\" or \"trainee\")");
            } else {
                out.add(l);
            }
        }
        return out;
    }

    /** Field-by-field differences, for the audit log: {@code field: old -> new}. */
    public static List<String> diff(RoutingConfig before, RoutingConfig after) {
        List<String> out = new ArrayList<>();
        ObjectNode a = before.toJson();
        ObjectNode b = after.toJson();
        for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!a.path(f).equals(b.path(f))) {
                out.add(f + ": " + a.path(f) + " -> " + b.path(f));
            }
        }
        return out;
    }
}
