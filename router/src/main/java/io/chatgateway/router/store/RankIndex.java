package io.chatgateway.router.store;

import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An order-statistics treap: insert, remove and "how many rank before this one" in O(log n).
 * {@link MemoryChatStore} keeps one beside each tier queue so a shopper's queue position costs a
 * logarithmic walk instead of counting everyone ahead (the JMH routing benchmark showed that count
 * dominating with 10,000 waiting). Redis gives the same with {@code ZRANK}. Not thread-safe.
 */
final class RankIndex<T> {
    private static final class Node<T> {
        final T value;
        final int priority;
        Node<T> left;
        Node<T> right;
        int size = 1;

        Node(T value) {
            this.value = value;
            this.priority = ThreadLocalRandom.current().nextInt();
        }
    }

    private final Comparator<? super T> order;
    private Node<T> root;

    RankIndex(Comparator<? super T> order) {
        this.order = order;
    }

    int size() {
        return size(root);
    }

    void add(T value) {
        root = insert(root, new Node<>(value));
    }

    void remove(T value) {
        root = delete(root, value);
    }

    /** Number of elements that come before {@code value} in the order. */
    int countBefore(T value) {
        int count = 0;
        Node<T> n = root;
        while (n != null) {
            int c = order.compare(value, n.value);
            if (c <= 0) {
                n = n.left;
            } else {
                count += size(n.left) + 1;
                n = n.right;
            }
        }
        return count;
    }

    private static int size(Node<?> n) {
        return n == null ? 0 : n.size;
    }

    private static <T> Node<T> fix(Node<T> n) {
        n.size = 1 + size(n.left) + size(n.right);
        return n;
    }

    private Node<T> insert(Node<T> n, Node<T> x) {
        if (n == null) {
            return x;
        }
        if (order.compare(x.value, n.value) < 0) {
            n.left = insert(n.left, x);
            if (n.left.priority > n.priority) {
                Node<T> l = n.left;
                n.left = l.right;
                l.right = fix(n);
                return fix(l);
            }
        } else {
            n.right = insert(n.right, x);
            if (n.right.priority > n.priority) {
                Node<T> r = n.right;
                n.right = r.left;
                r.left = fix(n);
                return fix(r);
            }
        }
        return fix(n);
    }

    private Node<T> delete(Node<T> n, T value) {
        if (n == null) {
            return null;
        }
        int c = order.compare(value, n.value);
        if (c < 0) {
            n.left = delete(n.left, value);
        } else if (c > 0) {
            n.right = delete(n.right, value);
        } else {
            return merge(n.left, n.right);
        }
        return fix(n);
    }

    private Node<T> merge(Node<T> a, Node<T> b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.priority > b.priority) {
            a.right = merge(a.right, b);
            return fix(a);
        }
        b.left = merge(a, b.left);
        return fix(b);
    }
}
