package io.chatgateway.loadtest;

/** Entry point of the load-test jar; {@code jmh} runs the JMH benchmarks. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("jmh")) {
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            org.openjdk.jmh.Main.main(rest);
            return;
        }
        System.err.println("usage: java -jar loadtest/target/chat-loadtest.jar jmh [JMH options, e.g. RoutingBenchmark]");
        System.exit(2);
    }
}
