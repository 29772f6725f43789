package io.karakuri.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** {@link Syscalls} on the real kernel, through FFM. */
public final class LinuxSyscalls implements Syscalls {
    public static final LinuxSyscalls INSTANCE = new LinuxSyscalls();

    private static final int S_IFIFO = 0x1000;
    private static final int MNT_DETACH = 2;
    private static final int WNOHANG = 1;

    private LinuxSyscalls() {
    }

    /** r, or the LinuxException its -errno stands for. */
    static long check(long r, String call, String path) {
        if (r < 0) {
            throw new LinuxException(call, path, (int) -r);
        }
        return r;
    }

    @Override
    public int[] pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            check(Native.syscall(Sys.PIPE2, fds.address(), O_CLOEXEC, 0, 0, 0, 0), "pipe2", null);
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    @Override
    public void close(int fd) {
        if (fd >= 0) {
            Native.syscall(Sys.CLOSE, fd, 0, 0, 0, 0, 0);
        }
    }

    @Override
    public int read(int fd, byte[] buffer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(buffer.length);
            long r;
            do {
                r = Native.syscall(Sys.READ, fd, buf.address(), buffer.length, 0, 0, 0);
            } while (r == -Errno.EINTR);
            check(r, "read", null);
            MemorySegment.copy(buf, 0, MemorySegment.ofArray(buffer), 0, r);
            return (int) r;
        }
    }

    @Override
    public void write(int fd, byte[] data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(MemorySegment.ofArray(data), 0, buf, 0, data.length);
            long done = 0;
            while (done < data.length) {
                long r = Native.syscall(Sys.WRITE, fd, buf.address() + done, data.length - done, 0, 0, 0);
                if (r == -Errno.EINTR) {
                    continue;
                }
                done += check(r, "write", null);
            }
        }
    }

    @Override
    public int open(int dirFd, String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            long r;
            do {
                r = Native.syscall(Sys.OPENAT, dirFd, arena.allocateFrom(path).address(), flags | O_CLOEXEC, 0, 0, 0);
            } while (r == -Errno.EINTR);
            return (int) check(r, "open", path);
        }
    }

    @Override
    public void unmountDetached(String path) {
        try (Arena arena = Arena.ofConfined()) {
            long p = arena.allocateFrom(path).address();
            check(Native.syscall(Sys.UMOUNT2, p, MNT_DETACH, 0, 0, 0, 0), "umount", path);
        }
    }

    @Override
    public void mkfifo(String path, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            long p = arena.allocateFrom(path).address();
            check(Native.syscall(Sys.MKNODAT, AT_FDCWD, p, S_IFIFO | mode, 0, 0, 0), "mkfifo", path);
            // the mode itself, not the mode less the umask
            check(Native.syscall(Sys.FCHMODAT, AT_FDCWD, p, mode, 0, 0, 0), "chmod", path);
        }
    }

    @Override
    public boolean kill(int pid, int signal) {
        if (pid <= 0) {
            throw new IllegalArgumentException("refusing to signal pid " + pid);
        }
        long r = Native.syscall(Sys.KILL, pid, signal, 0, 0, 0, 0);
        if (r == -Errno.ESRCH) {
            return false;
        }
        check(r, "kill", null);
        return true;
    }

    @Override
    public WaitStatus waitpid(int pid, boolean noHang) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment status = arena.allocate(JAVA_INT);
            long r;
            do {
                r = Native.syscall(Sys.WAIT4, pid, status.address(), noHang ? WNOHANG : 0, 0, 0, 0);
            } while (r == -Errno.EINTR);
            check(r, "wait4", null);
            return r == 0 ? null : new WaitStatus((int) r, status.get(JAVA_INT, 0));
        }
    }

    @Override
    public int spawn(MemorySegment plan) {
        long r = Native.spawn(plan);
        if (r == -Errno.EBADMSG) {
            throw new IllegalStateException("libfutaba rejected the setup plan: "
                    + "the installed libfutaba.so does not match this futaba (reinstall karakuri)");
        }
        return (int) check(r, "clone", null);
    }

    @Override
    public int spawnDetached(String path, java.util.List<String> argv, int[] keepFds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment args = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, argv.size() + 1);
            for (int i = 0; i < argv.size(); i++) {
                args.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, i, arena.allocateFrom(argv.get(i)));
            }
            MemorySegment env = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, 2);
            env.setAtIndex(java.lang.foreign.ValueLayout.ADDRESS, 0, arena.allocateFrom("PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
            MemorySegment keep = arena.allocate(JAVA_INT, Math.max(1, keepFds.length));
            for (int i = 0; i < keepFds.length; i++) {
                keep.setAtIndex(JAVA_INT, i, keepFds[i]);
            }
            long r = Native.spawnDetached(arena.allocateFrom(path), args, env, keep, keepFds.length);
            return (int) check(r, "spawn", path);
        }
    }
}
