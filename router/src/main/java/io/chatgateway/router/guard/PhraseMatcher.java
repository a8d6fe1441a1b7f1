package io.chatgateway.router.guard;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Finds which of many phrases occur in a text in one pass (Aho–Corasick), case-insensitively
 * (both sides lower-cased with {@link Locale#ROOT}), so checking a message costs the same however
 * many phrases ops configure. Immutable and thread-safe once built.
 */
final class PhraseMatcher {
    /** A trie node; children sorted by char for binary search (phrases are few and short). */
    private static final class Node {
        char[] keys = new char[0];
        Node[] next = new Node[0];
        Node fail;
        /** Lowest index of a phrase ending here or at a node on the failure chain; MAX_VALUE if none. */
        int best = Integer.MAX_VALUE;

        Node child(char c) {
            int i = Arrays.binarySearch(keys, c);
            return i >= 0 ? next[i] : null;
        }

        Node add(char c) {
            int i = Arrays.binarySearch(keys, c);
            if (i >= 0) {
                return next[i];
            }
            int at = -i - 1;
            Node n = new Node();
            char[] k = new char[keys.length + 1];
            Node[] x = new Node[next.length + 1];
            System.arraycopy(keys, 0, k, 0, at);
            System.arraycopy(next, 0, x, 0, at);
            k[at] = c;
            x[at] = n;
            System.arraycopy(keys, at, k, at + 1, keys.length - at);
            System.arraycopy(next, at, x, at + 1, next.length - at);
            keys = k;
            next = x;
            return n;
        }
    }

    private final Node root = new Node();
    private final boolean empty;

    private PhraseMatcher(List<String> phrases) {
        boolean any = false;
        for (int p = 0; p < phrases.size(); p++) {
            String phrase = phrases.get(p).toLowerCase(Locale.ROOT);
            if (phrase.isEmpty()) {
                continue; // an empty phrase would match everything; the config validator refuses it anyway
            }
            any = true;
            Node n = root;
            for (int i = 0; i < phrase.length(); i++) {
                n = n.add(phrase.charAt(i));
            }
            n.best = Math.min(n.best, p);
        }
        empty = !any;
        // Breadth first: failure links, and each node inherits the best match of its failure chain.
        ArrayDeque<Node> queue = new ArrayDeque<>();
        root.fail = root;
        for (Node c : root.next) {
            c.fail = root;
            queue.add(c);
        }
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            for (int i = 0; i < n.keys.length; i++) {
                char c = n.keys[i];
                Node child = n.next[i];
                Node f = n.fail;
                while (f != root && f.child(c) == null) {
                    f = f.fail;
                }
                Node to = f.child(c);
                child.fail = to != null && to != child ? to : root;
                child.best = Math.min(child.best, child.fail.best);
                queue.add(child);
            }
        }
    }

    static PhraseMatcher of(List<String> phrases) {
        return new PhraseMatcher(phrases);
    }

    /** The index (in the list given to {@link #of}) of the first-listed phrase the text contains, or -1. */
    int firstMatch(String text) {
        if (empty) {
            return -1;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        Node n = root;
        int best = Integer.MAX_VALUE;
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            Node to = n.child(c);
            while (to == null && n != root) {
                n = n.fail;
                to = n.child(c);
            }
            n = to == null ? root : to;
            if (n.best < best) {
                best = n.best;
                if (best == 0) {
                    break; // nothing ranks before the first phrase
                }
            }
        }
        return best == Integer.MAX_VALUE ? -1 : best;
    }
}
