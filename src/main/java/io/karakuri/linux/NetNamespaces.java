package io.karakuri.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Network namespaces without entering them: libfutaba's helper thread (netns.c) joins the namespace,
 * makes a socket or opens a file there and ends; the JVM's threads stay where they are (entering a
 * namespace from the JVM itself is measured harmful, see ARCHITECTURE.md). A socket stays in the
 * namespace it was made in, a /proc/sys/net file refers to the namespace it was opened in.
 */
public final class NetNamespaces {
    private static final long CALL_SOCKET = -10;
    private static final long CALL_OPEN = -11;
    private static final long CALL_CREATE = -12;
    private static final int MNT_DETACH = 2;

    private NetNamespaces() {
    }

    private static final int ENOSYS = 38;

    /** r, or the error it stands for; ENOSYS: a libfutaba.so from before these helpers. */
    private static long check(long r, String call, String path) {
        if (r == -ENOSYS) {
            throw new IllegalStateException("the installed libfutaba.so has no network namespace helpers: "
                    + "it does not match this karakuri (reinstall karakuri)");
        }
        return LinuxSyscalls.check(r, call, path);
    }

    /** socket(domain, type | SOCK_CLOEXEC, protocol) made in the network namespace of netnsFd. */
    public static int socketIn(int netnsFd, int domain, int type, int protocol) {
        return (int) check(Native.netns(CALL_SOCKET, netnsFd, domain, type, protocol), "socket", "in netns");
    }

    /** open(path, flags | O_CLOEXEC) by a thread in the network namespace of netnsFd. */
    public static int openIn(int netnsFd, String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) check(
                    Native.netns(CALL_OPEN, netnsFd, arena.allocateFrom(path).address(), flags, 0), "open", path);
        }
    }

    /** An fd (O_RDONLY, O_CLOEXEC) on a network namespace file such as /run/karakuri/netns/ID. */
    public static int open(Path netns) {
        return LinuxSyscalls.INSTANCE.open(Syscalls.AT_FDCWD, netns.toString(), Syscalls.O_RDONLY);
    }

    /**
     * A new network namespace kept alive by a bind mount on file, as `ip netns add` does: the file's
     * directory is created and made a shared mount, the file created empty (it must not exist yet).
     */
    public static void create(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Files.createFile(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the network namespace file " + file + ": " + e.getMessage(), e);
        }
        try (Arena arena = Arena.ofConfined()) {
            long r = Native.netns(CALL_CREATE, arena.allocateFrom(file.toString()).address(),
                    arena.allocateFrom(dir.toString()).address(), 0, 0);
            check(r, "netns create", file.toString());
        } catch (RuntimeException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the namespace error is the one to report
            }
            throw e;
        }
    }

    /** Unmounts (detached) and deletes a namespace file made by create; nothing if it is gone already. */
    public static void remove(Path file) {
        if (!Files.exists(file)) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            long r = Native.syscall(Sys.UMOUNT2, arena.allocateFrom(file.toString()).address(), MNT_DETACH, 0, 0, 0, 0);
            if (r < 0 && r != -Errno.EINVAL) { // EINVAL: not a mount point (any more)
                LinuxSyscalls.check(r, "umount", file.toString());
            }
        }
        try {
            Files.deleteIfExists(file);
        } catch (NoSuchFileException gone) {
            // removed meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }
}
