package io.karakuri.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The bpf(2) commands that put an eBPF program on a cgroup. Each passes the first bytes of union
 * bpf_attr, up to the last field it uses; the kernel takes the rest as zero. Program fds are O_CLOEXEC.
 */
public final class Bpf {
    public static final int PROG_TYPE_CGROUP_DEVICE = 15;
    /** The attach type of a device program (enum bpf_attach_type). */
    public static final int CGROUP_DEVICE = 6;
    /** Lets other programs stay attached to the cgroup beside this one; all must allow. */
    public static final int F_ALLOW_MULTI = 2;

    private static final int PROG_LOAD = 5;
    private static final int PROG_ATTACH = 8;
    private static final int PROG_DETACH = 9;
    private static final int PROG_GET_FD_BY_ID = 13;
    private static final int PROG_QUERY = 16;

    private static final int OBJ_NAME_LEN = 16;
    private static final int MAX_CGROUP_PROGRAMS = 64; // BPF_CGROUP_MAX_PROGS
    private static final int LOG_SIZE = 256 * 1024;
    private static final int LOG_LINES_REPORTED = 8;

    private Bpf() {
    }

    private static long bpf(int command, MemorySegment attr) {
        return Native.syscall(Sys.BPF, command, attr.address(), attr.byteSize(), 0, 0, 0);
    }

    /**
     * Loads a program; returns its fd. instructions: struct bpf_insn each, as a little-endian long.
     * name: at most 15 characters, shown by bpftool and in /proc/kallsyms.
     */
    public static int loadProgram(int type, long[] instructions, String license, String name) {
        try (Arena arena = Arena.ofConfined()) {
            // prog_type, insn_cnt, insns, license, log_level, log_size, log_buf, kern_version, prog_flags, prog_name
            MemorySegment attr = arena.allocate(48 + OBJ_NAME_LEN, 8);
            attr.set(JAVA_INT, 0, type);
            attr.set(JAVA_INT, 4, instructions.length);
            attr.set(JAVA_LONG, 8, arena.allocateFrom(JAVA_LONG, instructions).address());
            attr.set(JAVA_LONG, 16, arena.allocateFrom(license).address());
            byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(nameBytes, 0, attr, JAVA_BYTE, 48, Math.min(nameBytes.length, OBJ_NAME_LEN - 1));
            long fd = bpf(PROG_LOAD, attr);
            if (fd >= 0) {
                return (int) fd;
            }
            // once more with a log, for the verifier's reason (a log costs verification time, so only now)
            MemorySegment log = arena.allocate(LOG_SIZE);
            attr.set(JAVA_INT, 24, 1); // log_level
            attr.set(JAVA_INT, 28, LOG_SIZE);
            attr.set(JAVA_LONG, 32, log.address());
            long again = bpf(PROG_LOAD, attr);
            if (again >= 0) {
                return (int) again;
            }
            String said = lastLines(log.getString(0));
            throw new LinuxException("bpf(BPF_PROG_LOAD)", null, (int) -fd, said.isEmpty() ? null : said);
        }
    }

    /** The end of a verifier log, where its reason is, on one line. */
    private static String lastLines(String log) {
        List<String> lines = log.strip().lines().filter(l -> !l.isBlank()).toList();
        return String.join("; ", lines.subList(Math.max(0, lines.size() - LOG_LINES_REPORTED), lines.size()));
    }

    public static void attach(int cgroupFd, int programFd, int attachType, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(16, 8); // target_fd, attach_bpf_fd, attach_type, attach_flags
            attr.set(JAVA_INT, 0, cgroupFd);
            attr.set(JAVA_INT, 4, programFd);
            attr.set(JAVA_INT, 8, attachType);
            attr.set(JAVA_INT, 12, flags);
            LinuxSyscalls.check(bpf(PROG_ATTACH, attr), "bpf(BPF_PROG_ATTACH)", null);
        }
    }

    public static void detach(int cgroupFd, int programFd, int attachType) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(12, 8); // target_fd, attach_bpf_fd, attach_type
            attr.set(JAVA_INT, 0, cgroupFd);
            attr.set(JAVA_INT, 4, programFd);
            attr.set(JAVA_INT, 8, attachType);
            LinuxSyscalls.check(bpf(PROG_DETACH, attr), "bpf(BPF_PROG_DETACH)", null);
        }
    }

    /** The ids of the programs attached to the cgroup itself (not those it inherits). */
    public static int[] attachedPrograms(int cgroupFd, int attachType) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ids = arena.allocate(JAVA_INT, MAX_CGROUP_PROGRAMS);
            // target_fd, attach_type, query_flags, attach_flags, prog_ids, prog_cnt
            MemorySegment attr = arena.allocate(28, 8);
            attr.set(JAVA_INT, 0, cgroupFd);
            attr.set(JAVA_INT, 4, attachType);
            attr.set(JAVA_LONG, 16, ids.address());
            attr.set(JAVA_INT, 24, MAX_CGROUP_PROGRAMS);
            LinuxSyscalls.check(bpf(PROG_QUERY, attr), "bpf(BPF_PROG_QUERY)", null);
            return ids.asSlice(0, attr.get(JAVA_INT, 24) * JAVA_INT.byteSize()).toArray(JAVA_INT);
        }
    }

    /** An fd of a loaded program, by its id. */
    public static int programFd(int id) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(4, 8);
            attr.set(JAVA_INT, 0, id);
            return (int) LinuxSyscalls.check(bpf(PROG_GET_FD_BY_ID, attr), "bpf(BPF_PROG_GET_FD_BY_ID)", null);
        }
    }
}
