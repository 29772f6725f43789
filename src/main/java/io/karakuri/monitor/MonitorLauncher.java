package io.karakuri.monitor;

import io.karakuri.linux.Errno;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Native;
import io.karakuri.linux.Sys;
import io.karakuri.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts karakuri-monitor for one setup plan: the plan goes in a memfd, the plan's own fds (go-ahead,
 * status pipe, exec fifo, console, namespaces) are kept at their numbers, and the monitor, once detached,
 * clones the process and reports its pid on a sync pipe. The caller then goes on with futaba's protocol
 * on the go-ahead and status pipes as if it had cloned the process itself.
 */
public final class MonitorLauncher {
    private static final int MFD_CLOEXEC = 1;

    private final Syscalls sys;
    private final MonitorOptions options;
    private final String id;
    private int monitorPid;
    private int clonePid;

    public MonitorLauncher(Syscalls sys, MonitorOptions options) {
        this(sys, options, null);
    }

    /** id: the container's, shown on the monitor's command line (ps), or null. */
    public MonitorLauncher(Syscalls sys, MonitorOptions options, String id) {
        this.sys = sys;
        this.options = options;
        this.id = id;
    }

    /**
     * Where karakuri-monitor is: -Dkarakuri.monitor, else next to libfutaba.so (-Dkarakuri.libfutaba, as the
     * build's tests have it: target/native/), else ${karakuri.home}/lib/karakuri-monitor.
     */
    public static Path binary() {
        String explicit = System.getProperty("karakuri.monitor");
        if (explicit != null) {
            return Path.of(explicit);
        }
        return Native.libraryPath().resolveSibling("karakuri-monitor");
    }

    /**
     * Starts the monitor, which clones plan's process: returns its pid (the clone's, before any fork into a
     * pid namespace). planFds: the fds the plan keeps; consoleFd: the receiving end of the console pair
     * (the terminal's master arrives there), or -1. The caller keeps and closes its own fds.
     */
    public int spawn(MemorySegment plan, int[] planFds, int consoleFd) {
        Path binary = binary();
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("karakuri-monitor is missing at " + binary
                    + " (reinstall karakuri, or point -Dkarakuri.monitor at it)");
        }
        try {
            Files.createDirectories(options.runDir());
        } catch (IOException e) {
            throw new IllegalStateException("cannot make " + options.runDir() + ": " + e.getMessage(), e);
        }
        int planFd = -1;
        int[] syncPipe = null;
        try {
            planFd = memfd(plan);
            syncPipe = sys.pipe();
            List<String> argv = new ArrayList<>(List.of(binary.toString(), "--plan-fd", Integer.toString(planFd),
                    "--sync-fd", Integer.toString(syncPipe[1]), "--run-dir", options.runDir().toString()));
            if (id != null) {
                argv.addAll(List.of("--id", id));
            }
            if (consoleFd >= 0) {
                argv.addAll(List.of("--console-fd", Integer.toString(consoleFd)));
            }
            if (options.log() != null) {
                argv.addAll(List.of("--log", options.log().toString(), "--log-max", Long.toString(options.logMaxBytes())));
            }
            if (options.stdin()) {
                argv.add("--stdin");
            }
            if (options.waitForAttach()) {
                argv.add("--wait-attach");
            }
            int[] keep = new int[planFds.length + (consoleFd >= 0 ? 3 : 2)];
            System.arraycopy(planFds, 0, keep, 0, planFds.length);
            keep[planFds.length] = planFd;
            keep[planFds.length + 1] = syncPipe[1];
            if (consoleFd >= 0) {
                keep[planFds.length + 2] = consoleFd;
            }
            int status = sys.spawnDetached(binary.toString(), argv, keep);
            sys.close(syncPipe[1]);
            syncPipe[1] = -1;
            byte[] record = readFully(syncPipe[0], 8);
            if (record == null) {
                throw new IllegalStateException("karakuri-monitor exited without starting the process (wait status "
                        + status + ")");
            }
            ByteBuffer b = ByteBuffer.wrap(record).order(ByteOrder.nativeOrder());
            monitorPid = b.getInt();
            int result = b.getInt();
            if (result < 0) {
                throw new LinuxException("clone", null, -result);
            }
            clonePid = result;
            return result;
        } finally {
            sys.close(planFd);
            if (syncPipe != null) {
                sys.close(syncPipe[0]);
                sys.close(syncPipe[1]);
            }
        }
    }

    /** The monitor's pid, once {@link #spawn} has returned. */
    public int monitorPid() {
        return monitorPid;
    }

    /** The clone's pid, once {@link #spawn} has returned. */
    public int clonePid() {
        return clonePid;
    }

    /** What the caller needs to know once the process has been set up: pid is its final pid. */
    public Monitored monitored(int pid) {
        return new Monitored(pid, monitorPid, options.runDir(), options.log());
    }

    private int memfd(MemorySegment plan) {
        try (Arena arena = Arena.ofConfined()) {
            long fd = Native.syscall(Sys.MEMFD_CREATE, arena.allocateFrom("karakuri-plan").address(), MFD_CLOEXEC,
                    0, 0, 0, 0);
            if (fd < 0) {
                throw new LinuxException("memfd_create", null, (int) -fd);
            }
            try {
                sys.write((int) fd, plan.toArray(ValueLayout.JAVA_BYTE));
            } catch (RuntimeException e) {
                sys.close((int) fd);
                throw e;
            }
            return (int) fd;
        }
    }

    private byte[] readFully(int fd, int length) {
        byte[] buf = new byte[length];
        int got = 0;
        while (got < length) {
            byte[] part = new byte[length - got];
            int n;
            try {
                n = sys.read(fd, part);
            } catch (LinuxException e) {
                if (e.errno() == Errno.EINTR) {
                    continue;
                }
                throw e;
            }
            if (n == 0) {
                return null;
            }
            System.arraycopy(part, 0, buf, got, n);
            got += n;
        }
        return buf;
    }
}
