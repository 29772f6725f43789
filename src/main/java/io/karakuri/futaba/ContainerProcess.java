package io.karakuri.futaba;

import io.karakuri.futaba.plan.Plan;
import io.karakuri.futaba.plan.PlanOp;
import io.karakuri.linux.Errno;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Signals;
import io.karakuri.linux.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The container's first process between clone() and execve(): the parent's side of the protocol in
 * src/main/native/futaba_plan.h (go-ahead pipe, status records).
 */
final class ContainerProcess {
    private static final int STATUS_READY = 1;
    private static final int STATUS_ERROR = 2;
    private static final int STATUS_PID = 3;
    private static final int STATUS_SYNC = 4;
    private static final int STATUS_HOOK = 5;
    private static final int NOT_FOUND_IN_PATH = 100000;

    private final Syscalls sys;
    private final Plan plan;
    private final int clonePid;
    private final boolean ownChild; // cloned by this JVM, which may wait for it (not so with a monitor)
    private int pid;
    private int goFd;
    private int statusFd;

    private ContainerProcess(Syscalls sys, Plan plan, int clonePid, boolean ownChild, int goFd, int statusFd) {
        this.sys = sys;
        this.plan = plan;
        this.clonePid = clonePid;
        this.ownChild = ownChild;
        this.pid = clonePid;
        this.goFd = goFd;
        this.statusFd = statusFd;
    }

    /** Clones the process (libfutaba copies the plan: its memory is freed on return). */
    static ContainerProcess spawn(Syscalls sys, Plan plan, int goFd, int statusFd) {
        return spawn(sys, plan, goFd, statusFd, null, -1);
    }

    /**
     * Clones the process through spawner (null: libfutaba, here); consoleFd is the console pair's receiving
     * end for the spawner, or -1.
     */
    static ContainerProcess spawn(Syscalls sys, Plan plan, int goFd, int statusFd, Spawner spawner, int consoleFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment encoded = plan.encode(arena);
            int pid = spawner == null ? sys.spawn(encoded) : spawner.spawn(encoded, keptFds(plan), consoleFd);
            return new ContainerProcess(sys, plan, pid, spawner == null, goFd, statusFd);
        }
    }

    /** The fds the plan's first op (CLOSE_FDS) keeps. */
    static int[] keptFds(Plan plan) {
        if (plan.ops().isEmpty() || plan.ops().get(0).type() != PlanOp.Type.CLOSE_FDS) {
            return new int[0];
        }
        return java.util.Arrays.stream(plan.ops().get(0).ints()).mapToInt(Math::toIntExact).toArray();
    }

    /** Waits for a child of this JVM; a monitor's child is the monitor's to wait for. */
    private Syscalls.WaitStatus reap(int p) {
        if (!ownChild) {
            return null;
        }
        try {
            return sys.waitpid(p, false);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ECHILD) {
                return null;
            }
            throw e;
        }
    }

    /** The container's process (after a fork into a joined pid namespace, the grandchild). */
    int pid() {
        return pid;
    }

    /** Lets the child run its plan (it has been placed in its cgroup), or go on after a SYNC. */
    void go() {
        sys.write(goFd, new byte[] {'g'});
    }

    /** Waits until the child has made its user namespace and waits for its id maps (FTB_OP_SYNC). */
    void awaitSync() {
        int[] record = readStatus();
        if (record == null) {
            throw new FutabaException("the container process exited during setup" + exitText());
        }
        failOn(record);
        if (record[0] != STATUS_SYNC) {
            throw new FutabaException("unexpected status record " + record[0] + " from the container process");
        }
    }

    /** The process that made the user namespace: its maps are written at /proc/PID. */
    int clonePid() {
        return clonePid;
    }

    /**
     * Waits until the child has run its whole plan and is waiting for start; fails with its error. At a
     * SYNC on the way (before pivot_root) runs atSync, then lets the child go on.
     */
    void awaitReady(Runnable atSync) {
        while (true) {
            int[] record = readStatus();
            if (record == null) {
                throw new FutabaException("the container process exited during setup" + exitText());
            }
            switch (record[0]) {
                case STATUS_PID -> {
                    reap(clonePid); // the intermediate process exits at once
                    pid = record[3];
                }
                case STATUS_SYNC -> {
                    atSync.run();
                    go();
                }
                case STATUS_READY -> {
                    sys.close(goFd);
                    goFd = -1;
                    return;
                }
                case STATUS_ERROR, STATUS_HOOK -> failOn(record);
                default -> throw new FutabaException("unknown status record " + record[0] + " from the container process");
            }
        }
    }

    /** After start: returns when execve() succeeded, or fails with why it did not. */
    void awaitExec() {
        int[] record = readStatus();
        if (record != null) {
            failOn(record);
        }
    }

    /** For a plan without EXEC (the host's hooks): waits until the process has run it and exited. */
    void awaitExit() {
        for (int[] record = readStatus(); record != null; record = readStatus()) {
            failOn(record);
        }
        sys.close(statusFd);
        statusFd = -1;
        sys.close(goFd);
        goFd = -1;
        reap(clonePid);
    }

    private void failOn(int[] record) {
        if (record[0] == STATUS_HOOK) {
            throw new FutabaException(hookText(record[1], record[2], record[3] == 1));
        }
        if (record[0] == STATUS_ERROR) {
            throw new FutabaException(errorText(record[1], record[2]));
        }
    }

    private String hookText(int op, int waitStatus, boolean timedOut) {
        String what = plan.describe(op);
        if (timedOut) {
            return what + ": killed after its timeout";
        }
        int signal = waitStatus & 0x7f;
        return signal == 0 ? what + ": exit status " + ((waitStatus >> 8) & 0xff)
                : what + ": killed by " + Signals.name(signal);
    }

    private String errorText(int op, int errno) {
        String what = plan.describe(op);
        if (errno == NOT_FOUND_IN_PATH) {
            return what + ": executable file not found in $PATH";
        }
        return what + ": " + Errno.text(errno);
    }

    private String exitText() {
        try {
            Syscalls.WaitStatus status = reap(pid);
            if (status == null) {
                return "";
            }
            return status.exited() ? " with code " + status.exitCode() : " on " + Signals.name(status.signal());
        } catch (LinuxException e) {
            return "";
        }
    }

    /** {kind, op, err, pid}, or null at end of file. */
    private int[] readStatus() {
        byte[] buf = new byte[16];
        int got = 0;
        while (got < buf.length) {
            byte[] part = new byte[buf.length - got];
            int n = sys.read(statusFd, part);
            if (n == 0) {
                return null;
            }
            System.arraycopy(part, 0, buf, got, n);
            got += n;
        }
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        return new int[] {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
    }

    /** Stops reading the status pipe (the child then only writes to it if execve fails). */
    void detach() {
        sys.close(goFd);
        sys.close(statusFd);
        goFd = -1;
        statusFd = -1;
    }

    /** Kills and reaps the child after a failed create. */
    void abort() {
        sys.close(goFd); // end of file on the go-ahead pipe: a child still waiting exits by itself
        goFd = -1;
        for (int p : pid == clonePid ? new int[] {pid} : new int[] {pid, clonePid}) {
            sys.kill(p, Signals.SIGKILL);
            reap(p);
        }
        sys.close(statusFd);
        statusFd = -1;
    }
}
