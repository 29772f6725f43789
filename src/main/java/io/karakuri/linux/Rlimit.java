package io.karakuri.linux;

import java.util.List;

/** setrlimit(2) resource names (RLIMIT_NOFILE) and numbers. */
public final class Rlimit {
    private static final List<String> NAMES = List.of(
            "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
            "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING",
            "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME");

    private Rlimit() {
    }

    /** The resource number of a name; -1 if unknown. */
    public static int number(String name) {
        return NAMES.indexOf(name);
    }
}
