package io.karakuri.futaba.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A mount's option list, read as mount(8) and runc read it: flags, a propagation change, and the rest
 * as file-system data ("mode=755,size=65536k"); runc's extension "tmpcopyup" (a tmpfs starts with a
 * copy of what was at its destination) is copyUp.
 */
public record MountOptions(long flags, long propagation, String data, boolean copyUp) {
    public static final String TMPCOPYUP = "tmpcopyup";
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOSYMFOLLOW = 256;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_SILENT = 32768;
    public static final long MS_UNBINDABLE = 1 << 17;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_I_VERSION = 1 << 23;
    public static final long MS_STRICTATIME = 1 << 24;
    public static final long MS_LAZYTIME = 1 << 25;

    /** option → {flags to set, flags to clear}. */
    private static final Map<String, long[]> FLAGS = Map.ofEntries(
            Map.entry("async", new long[] {0, MS_SYNCHRONOUS}),
            Map.entry("atime", new long[] {0, MS_NOATIME}),
            Map.entry("bind", new long[] {MS_BIND, 0}),
            Map.entry("defaults", new long[] {0, 0}),
            Map.entry("dev", new long[] {0, MS_NODEV}),
            Map.entry("diratime", new long[] {0, MS_NODIRATIME}),
            Map.entry("dirsync", new long[] {MS_DIRSYNC, 0}),
            Map.entry("exec", new long[] {0, MS_NOEXEC}),
            Map.entry("iversion", new long[] {MS_I_VERSION, 0}),
            Map.entry("lazytime", new long[] {MS_LAZYTIME, 0}),
            Map.entry("loud", new long[] {0, MS_SILENT}),
            Map.entry("mand", new long[] {MS_MANDLOCK, 0}),
            Map.entry("noatime", new long[] {MS_NOATIME, 0}),
            Map.entry("nodev", new long[] {MS_NODEV, 0}),
            Map.entry("nodiratime", new long[] {MS_NODIRATIME, 0}),
            Map.entry("noexec", new long[] {MS_NOEXEC, 0}),
            Map.entry("noiversion", new long[] {0, MS_I_VERSION}),
            Map.entry("nolazytime", new long[] {0, MS_LAZYTIME}),
            Map.entry("nomand", new long[] {0, MS_MANDLOCK}),
            Map.entry("norelatime", new long[] {0, MS_RELATIME}),
            Map.entry("nostrictatime", new long[] {0, MS_STRICTATIME}),
            Map.entry("nosuid", new long[] {MS_NOSUID, 0}),
            Map.entry("nosymfollow", new long[] {MS_NOSYMFOLLOW, 0}),
            Map.entry("rbind", new long[] {MS_BIND | MS_REC, 0}),
            Map.entry("relatime", new long[] {MS_RELATIME, 0}),
            Map.entry("remount", new long[] {MS_REMOUNT, 0}),
            Map.entry("ro", new long[] {MS_RDONLY, 0}),
            Map.entry("rw", new long[] {0, MS_RDONLY}),
            Map.entry("silent", new long[] {MS_SILENT, 0}),
            Map.entry("strictatime", new long[] {MS_STRICTATIME, 0}),
            Map.entry("suid", new long[] {0, MS_NOSUID}),
            Map.entry("sync", new long[] {MS_SYNCHRONOUS, 0}));

    private static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE,
            "rprivate", MS_PRIVATE | MS_REC,
            "shared", MS_SHARED,
            "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE,
            "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE,
            "runbindable", MS_UNBINDABLE | MS_REC);

    public static MountOptions parse(List<String> options) {
        long flags = 0;
        long propagation = 0;
        List<String> data = new ArrayList<>();
        boolean copyUp = false;
        for (String option : options) {
            long[] f = FLAGS.get(option);
            Long p = PROPAGATION.get(option);
            if (f != null) {
                flags = (flags | f[0]) & ~f[1];
            } else if (p != null) {
                propagation = p;
            } else if (option.equals(TMPCOPYUP)) {
                copyUp = true;
            } else if (!option.isEmpty()) {
                data.add(option);
            }
        }
        return new MountOptions(flags, propagation, String.join(",", data), copyUp);
    }

    /** Every option this class knows as a flag or a propagation (others are passed on as data). */
    public static List<String> names() {
        List<String> names = new ArrayList<>(FLAGS.keySet());
        names.addAll(PROPAGATION.keySet());
        names.add(TMPCOPYUP);
        names.sort(null);
        return names;
    }

    /** The propagation flags for a rootfsPropagation value, or null if the name is unknown. */
    public static Long propagation(String name) {
        return PROPAGATION.get(name);
    }

    public boolean bind() {
        return (flags & MS_BIND) != 0;
    }

    /** The flags a bind mount gets by the MS_REMOUNT that follows it (0: no remount needed). */
    public long remountFlags() {
        return flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
    }
}
