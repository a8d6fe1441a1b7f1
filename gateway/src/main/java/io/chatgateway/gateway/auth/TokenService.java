package io.chatgateway.gateway.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.JWTVerifier;
import io.chatgateway.protocol.AgentLevel;
import io.chatgateway.protocol.Tier;
import io.chatgateway.router.AgentIdentity;
import io.chatgateway.router.CustomerIdentity;
import io.chatgateway.router.config.OrderStatusRules;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks and mints the HS256 JWTs of PROTOCOL.md with Auth0's java-jwt (a maintained library,
 * not hand-rolled crypto). Only HS256 with our secret is accepted, so {@code alg: none} and
 * algorithm-confusion tokens fail. The tier and tags come only from the signed claims.
 */
public final class TokenService {
    /** Claim {@code anon} marks a token the gateway minted for an anonymous shopper to resume with. */
    static final String ANON_CLAIM = "anon";
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    private static final Set<String> KNOWN_TAGS = Set.of("complaint_prone", "urgent_order", "major_complaint");

    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Clock clock;
    private final Duration anonymousTokenTtl;

    public TokenService(String secret, Clock clock, Duration anonymousTokenTtl) {
        if (secret == null || secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("JWT secret is shorter than 32 bytes (expected: at least 32 bytes for HS256)");
        }
        this.algorithm = Algorithm.HMAC256(secret);
        this.clock = clock;
        this.anonymousTokenTtl = anonymousTokenTtl;
        this.verifier = JWT.require(algorithm).acceptLeeway(5).withClaimPresence("sub").withClaimPresence("exp").build();
    }

    private DecodedJWT verify(String token) {
        if (token == null || token.isBlank()) {
            throw new AuthenticationException("a token is required in hello (expected: a JWT signed with HS256)");
        }
        try {
            DecodedJWT jwt = JWT.decode(token);
            // java-jwt checks exp against the system clock; we check again with ours so tests can move time.
            DecodedJWT verified = verifier.verify(jwt);
            if (verified.getExpiresAtAsInstant().plusSeconds(5).isBefore(clock.instant())) {
                throw new AuthenticationException("token expired (expected: a token whose exp is in the future)");
            }
            return verified;
        } catch (TokenExpiredException e) {
            throw new AuthenticationException("token expired (expected: a token whose exp is in the future)");
        } catch (JWTVerificationException e) {
            // The library's message names the failed check; it never contains the token itself.
            throw new AuthenticationException("token rejected: " + e.getMessage());
        }
    }

    /** A shopper from a token; the token must say {@code role: customer}. */
    public CustomerIdentity customer(String token, String helloLang) {
        DecodedJWT jwt = verify(token);
        if (jwt.getClaim(ANON_CLAIM).asBoolean() != null && jwt.getClaim(ANON_CLAIM).asBoolean()) {
            return new CustomerIdentity(jwt.getSubject(), null, Tier.NEW, List.of(), null, helloLang, true, token);
        }
        String role = jwt.getClaim("role").asString();
        if (!"customer".equals(role)) {
            throw new AuthenticationException("token role is '" + role + "' (expected: \"customer\" on /ws/customer)");
        }
        String tierClaim = jwt.getClaim("tier").asString();
        Tier tier = tierClaim == null ? Tier.REGULAR : Tier.parse(tierClaim);
        if (tier == null) {
            throw new AuthenticationException("token tier is invalid (expected: \"vip\", \"regular\" or \"new\")");
        }
        List<String> tags = new java.util.ArrayList<>(stringList(jwt.getClaim("tags"), "tags").stream().filter(KNOWN_TAGS::contains).toList());
        String orderStatus = jwt.getClaim("orderStatus").asString();
        if (orderStatus != null) {
            if (!OrderStatusRules.STATUSES.contains(orderStatus)) {
                throw new AuthenticationException("token orderStatus is invalid (expected one of " + OrderStatusRules.STATUSES + ")");
            }
            tags.add(OrderStatusRules.TAG_PREFIX + orderStatus); // kept on the chat: routing rules, the agent's card
        }
        List<String> groups = stringList(jwt.getClaim("groups"), "groups");
        String lang = jwt.getClaim("lang").asString();
        if (lang != null && !lang.equals("en") && !lang.equals("zh-CN")) {
            lang = null;
        }
        return new CustomerIdentity(jwt.getSubject(), jwt.getClaim("name").asString(), tier, tags,
                groups.isEmpty() ? null : groups.get(0), lang != null ? lang : helloLang, false, null);
    }

    /** An anonymous shopper (tier new) with a fresh id and a token to resume with. */
    public CustomerIdentity anonymous(String helloLang) {
        // 64 random bits are plenty: the id alone opens nothing, every resume needs the signed token.
        String id = "anon-" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
        String token = JWT.create().withSubject(id).withClaim(ANON_CLAIM, true)
                .withIssuedAt(clock.instant()).withExpiresAt(clock.instant().plus(anonymousTokenTtl)).sign(algorithm);
        return new CustomerIdentity(id, null, Tier.NEW, List.of(), null, helloLang, true, token);
    }

    /** An agent or supervisor from a token. */
    public AgentIdentity agent(String token) {
        DecodedJWT jwt = verify(token);
        String role = jwt.getClaim("role").asString();
        if (!"agent".equals(role) && !"supervisor".equals(role)) {
            throw new AuthenticationException("token role is '" + role + "' (expected: \"agent\" or \"supervisor\" on /ws/agent)");
        }
        String levelClaim = jwt.getClaim("level").asString();
        AgentLevel level = levelClaim == null ? AgentLevel.REGULAR : AgentLevel.parse(levelClaim);
        if (level == null) {
            throw new AuthenticationException("token level is invalid (expected: \"senior\", \"regular\" or \"trainee\")");
        }
        String name = jwt.getClaim("name").asString();
        Claim weightClaim = jwt.getClaim("weight");
        Integer weight = null;
        if (!weightClaim.isMissing() && !weightClaim.isNull()) {
            weight = weightClaim.asInt();
            if (weight == null || weight < AgentIdentity.MIN_WEIGHT || weight > AgentIdentity.MAX_WEIGHT) {
                throw new AuthenticationException("token weight is invalid (expected: an integer " + AgentIdentity.MIN_WEIGHT
                        + ".." + AgentIdentity.MAX_WEIGHT + ", the agent's share of new chats; 100 is the default)");
            }
        }
        return new AgentIdentity(jwt.getSubject(), name == null ? jwt.getSubject() : name, level,
                new LinkedHashSet<>(stringList(jwt.getClaim("groups"), "groups")),
                new LinkedHashSet<>(stringList(jwt.getClaim("skills"), "skills")), "supervisor".equals(role), weight);
    }

    private static List<String> stringList(Claim claim, String name) {
        if (claim.isMissing() || claim.isNull()) {
            return List.of();
        }
        List<String> l = claim.asList(String.class);
        if (l == null) {
            throw new AuthenticationException("token claim '" + name + "' is invalid (expected: an array of strings)");
        }
        return l;
    }

    /** Mints a token (demo tokens, tests, the load generator). Claims with null values are left out. */
    public String mint(String subject, Map<String, Object> claims, Duration ttl) {
        JWTCreator.Builder b = JWT.create().withSubject(subject).withIssuedAt(clock.instant())
                .withExpiresAt(clock.instant().plus(ttl));
        for (Map.Entry<String, Object> e : claims.entrySet()) {
            Object v = e.getValue();
            if (v instanceof String s) {
                b.withClaim(e.getKey(), s);
            } else if (v instanceof List<?> list) {
                b.withClaim(e.getKey(), list);
            } else if (v instanceof Boolean bool) {
                b.withClaim(e.getKey(), bool);
            } else if (v instanceof Integer i) {
                b.withClaim(e.getKey(), i);
            } else if (v != null) {
                throw new IllegalArgumentException("claim " + e.getKey() + " (expected: string, list, boolean or integer)");
            }
        }
        return b.sign(algorithm);
    }

    /** For tests: a token that expired {@code ago}. */
    public String mintExpired(String subject, Map<String, Object> claims, Duration ago) {
        Instant past = clock.instant().minus(ago);
        JWTCreator.Builder b = JWT.create().withSubject(subject).withExpiresAt(past);
        claims.forEach((k, v) -> b.withClaim(k, String.valueOf(v)));
        return b.sign(algorithm);
    }
}
