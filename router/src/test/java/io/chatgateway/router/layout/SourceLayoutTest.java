package io.chatgateway.router.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, checked on its sources: every main file of every module stays under 600
 * lines, and the router's packages form no dependency cycle (the API at the bottom, features above
 * it, the engine on top), so each feature can change without dragging the rest.
 */
class SourceLayoutTest {
    private static final int MAX_LINES = 600;
    private static final Path ROUTER_MAIN = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** A reference to a router type: imports and fully qualified names alike (package segments lower case, then a type). */
    private static final Pattern ROUTER_REF = Pattern.compile("\\bio\\.chatgateway\\.router((?:\\.[a-z]\\w*)*)\\.[A-Z]");

    @Test
    void noMainSourceFileIsLongerThan600Lines() throws IOException {
        Map<String, Long> tooLong = new TreeMap<>();
        try (Stream<Path> modules = Files.list(Path.of(".."))) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main"))).toList()) {
                for (Path f : javaFiles(module.resolve("src/main"))) {
                    long lines;
                    try (Stream<String> l = Files.lines(f)) {
                        lines = l.count();
                    }
                    if (lines > MAX_LINES) {
                        tooLong.put(module.getFileName() + "/" + module.resolve("src/main").relativize(f), lines);
                    }
                }
            }
        }
        assertThat(tooLong).as("main source files over " + MAX_LINES + " lines (split them by feature)").isEmpty();
    }

    @Test
    void routerPackagesHaveNoDependencyCycle() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        for (Path f : javaFiles(ROUTER_MAIN)) {
            String code = withoutComments(Files.readString(f));
            Matcher pkg = PACKAGE.matcher(code);
            assertThat(pkg.find()).as("package declaration in " + f).isTrue();
            Set<String> deps = uses.computeIfAbsent(pkg.group(1), k -> new TreeSet<>());
            Matcher ref = ROUTER_REF.matcher(code);
            while (ref.find()) {
                String target = "io.chatgateway.router" + ref.group(1);
                if (!target.equals(pkg.group(1))) {
                    deps.add(target);
                }
            }
        }
        assertThat(uses).as("router packages found").containsKeys("io.chatgateway.router", "io.chatgateway.router.engine");
        assertThat(cycles(uses)).as("package cycles (each list is one cycle)").isEmpty();
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String withoutComments(String code) {
        return code.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
    }

    /** Strongly connected components with more than one package (Tarjan). */
    private static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index, Map<String, Integer> low,
                                Deque<String> stack, Set<String> onStack, List<List<String>> out, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]++);
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            if (component.size() > 1) {
                out.add(component);
            }
        }
    }
}
