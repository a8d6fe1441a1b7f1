package io.chatgateway.router.store;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads the Lua scripts of the Redis store and node bus from {@code lua/<name>.lua} beside their
 * class (a line {@code -- include: <other>} inlines {@code lua/<other>.lua} there), and runs them
 * by their SHA-1 ({@code EVALSHA}), sending the text only when Redis does not
 * know it yet (first use, or after a restart or failover). Saves sending and hashing every
 * script body on every call: most chat messages run two or three scripts.
 */
public final class LuaScripts {
    private static final Map<String, String> SHAS = new ConcurrentHashMap<>();

    private LuaScripts() {
    }

    /** The text of {@code lua/<name>.lua} in the package of {@code anchor}, includes resolved. Fails at class init if missing. */
    public static String load(Class<?> anchor, String name) {
        String path = "lua/" + name + ".lua";
        try (java.io.InputStream in = anchor.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Lua script " + path + " missing beside " + anchor.getName());
            }
            StringBuilder out = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
                if (line.startsWith("-- include: ")) {
                    out.append(load(anchor, line.substring("-- include: ".length()).trim()));
                } else {
                    out.append(line).append('\n');
                }
            }
            return out.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading Lua script " + path, e);
        }
    }

    private static String sha(String lua) {
        return SHAS.computeIfAbsent(lua, s -> {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is part of every JDK", e);
            }
        });
    }

    /** Runs a script synchronously; RedisException on failure, as the command would. */
    public static <T> T eval(RedisClusterCommands<String, String> redis, String lua, ScriptOutputType type, String[] keys,
                             String... args) {
        try {
            return redis.evalsha(sha(lua), type, keys, args);
        } catch (RedisNoScriptException e) {
            return redis.eval(lua, type, keys, args);
        }
    }

    /** Runs a script without waiting. */
    public static <T> CompletionStage<T> evalAsync(RedisClusterAsyncCommands<String, String> redis, String lua, ScriptOutputType type,
                                                   String[] keys, String... args) {
        CompletionStage<T> bySha = redis.evalsha(sha(lua), type, keys, args);
        return bySha.handle((r, e) -> e == null ? java.util.concurrent.CompletableFuture.completedStage(r)
                : isNoScript(e) ? redis.<T>eval(lua, type, keys, args) : java.util.concurrent.CompletableFuture.<T>failedStage(e))
                .thenCompose(s -> s);
    }

    /**
     * Runs a script without waiting, with {@code then} attached BEFORE the command is sent, so it
     * runs on the connection's I/O thread as the reply is read: the callbacks of the commands on one
     * connection run in the order Redis executed them. (A callback attached after sending may run
     * on the caller's thread instead, out of that order.) A script Redis does not know yet is sent
     * again in full, with the same callback.
     */
    @SuppressWarnings("unchecked")
    public static <T> void dispatch(io.lettuce.core.api.StatefulConnection<String, String> connection, String lua, ScriptOutputType type,
                                    String[] keys, String[] args, java.util.function.BiConsumer<T, Throwable> then) {
        dispatch(connection, lua, type, keys, args, then, true);
    }

    @SuppressWarnings("unchecked")
    private static <T> void dispatch(io.lettuce.core.api.StatefulConnection<String, String> connection, String lua, ScriptOutputType type,
                                     String[] keys, String[] args, java.util.function.BiConsumer<T, Throwable> then, boolean bySha) {
        io.lettuce.core.codec.StringCodec codec = io.lettuce.core.codec.StringCodec.UTF8;
        io.lettuce.core.protocol.CommandArgs<String, String> a = new io.lettuce.core.protocol.CommandArgs<>(codec);
        if (bySha) {
            a.add(sha(lua));
        } else {
            a.add(lua);
        }
        a.add(keys.length).addKeys(keys).addValues(args);
        io.lettuce.core.output.CommandOutput<String, String, T> output = (io.lettuce.core.output.CommandOutput<String, String, T>)
                (type == ScriptOutputType.INTEGER ? new io.lettuce.core.output.IntegerOutput<>(codec)
                        : new io.lettuce.core.output.NestedMultiOutput<>(codec));
        io.lettuce.core.protocol.AsyncCommand<String, String, T> command = new io.lettuce.core.protocol.AsyncCommand<>(
                new io.lettuce.core.protocol.Command<>(bySha ? io.lettuce.core.protocol.CommandType.EVALSHA
                        : io.lettuce.core.protocol.CommandType.EVAL, output, a));
        command.whenComplete((r, e) -> {
            if (e != null && bySha && isNoScript(e)) {
                dispatch(connection, lua, type, keys, args, then, false);
            } else {
                then.accept(r, e);
            }
        });
        try {
            connection.dispatch(command);
        } catch (RuntimeException e) {
            command.completeExceptionally(e);
        }
    }

    private static boolean isNoScript(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RedisNoScriptException) {
                return true;
            }
        }
        return false;
    }
}
