package io.karakuri.linux;

import java.lang.foreign.MemorySegment;

/**
 * The system calls futaba's operations make, behind an interface so that logic above them can be
 * tested without root. Failures are {@link LinuxException}s.
 */
public interface Syscalls {
    int O_RDONLY = 0;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;
    int AT_FDCWD = -100;

    /** A pipe with O_CLOEXEC on both ends: {read, write}. */
    int[] pipe();

    void close(int fd);

    /** Reads up to buffer.length bytes, retrying on EINTR; 0 at end of file. */
    int read(int fd, byte[] buffer);

    void write(int fd, byte[] data);

    int open(int dirFd, String path, int flags);

    /** mkfifo(path, mode). */
    void mkfifo(String path, int mode);

    /** umount2(path, MNT_DETACH): the top mount at path and every mount below it. */
    void unmountDetached(String path);

    /** Sends signal; false if the process does not exist. */
    boolean kill(int pid, int signal);

    /** Waits for a child; null with noHang when it has not changed state. */
    WaitStatus waitpid(int pid, boolean noHang);

    /** Clones the first process of a container from an encoded setup plan; returns its pid. */
    int spawn(MemorySegment plan);

    /**
     * Runs the program at path (argv[0] first) with the fds keepFds open across its execve, at the same
     * numbers; waits for that first process and returns its wait status (a program that detaches, such as
     * karakuri-monitor, forks and exits at once). Cloned with CLONE_VM, as {@link #spawn} is.
     */
    int spawnDetached(String path, java.util.List<String> argv, int[] keepFds);

    /** How a child process ended. */
    record WaitStatus(int pid, int raw) {
        public boolean exited() {
            return (raw & 0x7f) == 0;
        }

        public boolean signaled() {
            int low = raw & 0x7f;
            return low != 0 && low != 0x7f;
        }

        public int exitCode() {
            return (raw >> 8) & 0xff;
        }

        public int signal() {
            return raw & 0x7f;
        }

        /** The shell's view: the exit code, or 128 + the signal that killed it. */
        public int shellCode() {
            return exited() ? exitCode() : 128 + signal();
        }
    }
}
