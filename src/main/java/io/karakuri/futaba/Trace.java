package io.karakuri.futaba;

import java.util.function.Consumer;

/**
 * The steps of an operation with their times since the program started, for --debug: where the
 * milliseconds of a `futaba run` go.
 */
public final class Trace {
    private static final long START = System.nanoTime();
    private static volatile Consumer<String> sink;

    private Trace() {
    }

    /** Sends the steps to sink from now on (null: stop). */
    public static void to(Consumer<String> newSink) {
        sink = newSink;
    }

    public static void step(String what) {
        Consumer<String> s = sink;
        if (s != null) {
            long micros = (System.nanoTime() - START) / 1000;
            s.accept(micros / 1000 + "." + (micros % 1000) / 100 + " ms: " + what);
        }
    }
}
