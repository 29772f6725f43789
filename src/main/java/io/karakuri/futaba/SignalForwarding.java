package io.karakuri.futaba;

import io.karakuri.linux.Syscalls;
import java.util.List;

/** Passes the signals futaba gets on to the process it waits for in the foreground (`run`, `exec`). */
final class SignalForwarding {
    /** The JVM keeps QUIT and USR2 for itself. */
    private static final List<String> FORWARDED = List.of("HUP", "INT", "TERM", "USR1", "WINCH", "ALRM", "CONT");

    private SignalForwarding() {
    }

    /** With a terminal futaba proxies, WINCH resizes that terminal instead (withWinch false). */
    @SuppressWarnings("removal")
    static void to(int pid, Syscalls sys, boolean withWinch) {
        for (String name : FORWARDED) {
            if (name.equals("WINCH") && !withWinch) {
                continue;
            }
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> sys.kill(pid, s.getNumber()));
            } catch (IllegalArgumentException reservedByTheJvm) {
                // not forwarded
            }
        }
    }
}
