package io.karakuri.linux;

import java.util.Map;

/** Linux namespace kinds: the OCI names, the CLONE_NEW* flags and the /proc/PID/ns file names. */
public final class Namespaces {
    public static final long CLONE_NEWTIME = 0x00000080L;
    public static final long CLONE_NEWNS = 0x00020000L;
    public static final long CLONE_NEWCGROUP = 0x02000000L;
    public static final long CLONE_NEWUTS = 0x04000000L;
    public static final long CLONE_NEWIPC = 0x08000000L;
    public static final long CLONE_NEWUSER = 0x10000000L;
    public static final long CLONE_NEWPID = 0x20000000L;
    public static final long CLONE_NEWNET = 0x40000000L;

    private static final Map<String, Long> FLAGS = Map.of(
            "pid", CLONE_NEWPID,
            "network", CLONE_NEWNET,
            "mount", CLONE_NEWNS,
            "ipc", CLONE_NEWIPC,
            "uts", CLONE_NEWUTS,
            "user", CLONE_NEWUSER,
            "cgroup", CLONE_NEWCGROUP,
            "time", CLONE_NEWTIME);

    private static final Map<String, String> PROC_NAMES = Map.of(
            "pid", "pid", "network", "net", "mount", "mnt", "ipc", "ipc", "uts", "uts", "user", "user",
            "cgroup", "cgroup", "time", "time");

    private Namespaces() {
    }

    /** The CLONE_NEW* flag of an OCI namespace type; null if unknown. */
    public static Long flag(String type) {
        return FLAGS.get(type);
    }

    /** The file name under /proc/PID/ns/ for an OCI namespace type. */
    public static String procName(String type) {
        return PROC_NAMES.get(type);
    }
}
