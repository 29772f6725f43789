package io.karakuri.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Unix-domain stream sockets as raw fds, for the console socket: the JDK's channels hide their fds
 * and cannot pass one (SCM_RIGHTS).
 */
public final class UnixSockets {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SOCKADDR_UN_SIZE = 110;

    /** An fd received over a socket, with the message that came with it (runc: the pty's path). */
    public record ReceivedFd(int fd, String payload) {}

    private UnixSockets() {
    }

    private static long check(long r, String call, String path) {
        if (r < 0) {
            throw new LinuxException(call, path, (int) -r);
        }
        return r;
    }

    private static MemorySegment address(Arena arena, String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= SOCKADDR_UN_SIZE - 2) {
            throw new IllegalArgumentException("socket path too long: " + path);
        }
        MemorySegment sa = arena.allocate(SOCKADDR_UN_SIZE);
        sa.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, sa, JAVA_BYTE, 2, bytes.length);
        return sa;
    }

    /** A socket connected to path. */
    public static int connect(String path) {
        int fd = (int) check(Native.syscall(Sys.SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0), "socket", null);
        try (Arena arena = Arena.ofConfined()) {
            long r;
            do {
                r = Native.syscall(Sys.CONNECT, fd, address(arena, path).address(), SOCKADDR_UN_SIZE, 0, 0, 0);
            } while (r == -Errno.EINTR);
            check(r, "connect", path);
            return fd;
        } catch (RuntimeException e) {
            LinuxSyscalls.INSTANCE.close(fd);
            throw e;
        }
    }

    /** A listening socket at path (which must not exist). */
    public static int listen(String path) {
        int fd = (int) check(Native.syscall(Sys.SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0), "socket", null);
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.BIND, fd, address(arena, path).address(), SOCKADDR_UN_SIZE, 0, 0, 0), "bind", path);
            check(Native.syscall(Sys.LISTEN, fd, 1, 0, 0, 0, 0), "listen", path);
            return fd;
        } catch (RuntimeException e) {
            LinuxSyscalls.INSTANCE.close(fd);
            throw e;
        }
    }

    public static int accept(int listening) {
        long r;
        do {
            r = Native.syscall(Sys.ACCEPT4, listening, 0, 0, SOCK_CLOEXEC, 0, 0);
        } while (r == -Errno.EINTR);
        return (int) check(r, "accept", null);
    }

    /** Two connected sockets. */
    public static int[] pair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            check(Native.syscall(Sys.SOCKETPAIR, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.address(), 0, 0),
                    "socketpair", null);
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** Receives one fd (SCM_RIGHTS) and its message; blocks until it comes. */
    public static ReceivedFd receiveFd(int sock) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(4096);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(JAVA_LONG, 0, data.address());
            iov.set(JAVA_LONG, 8, data.byteSize());
            MemorySegment control = arena.allocate(64, 8);
            MemorySegment msg = arena.allocate(56, 8); // struct msghdr
            msg.set(JAVA_LONG, 16, iov.address());
            msg.set(JAVA_LONG, 24, 1);
            msg.set(JAVA_LONG, 32, control.address());
            msg.set(JAVA_LONG, 40, control.byteSize());
            long n;
            do {
                n = Native.syscall(Sys.RECVMSG, sock, msg.address(), MSG_CMSG_CLOEXEC, 0, 0, 0);
            } while (n == -Errno.EINTR);
            check(n, "recvmsg", null);
            long controlLength = msg.get(JAVA_LONG, 40);
            // struct cmsghdr: length (8), level (4), type (4), then the fds
            if (controlLength < 20 || control.get(JAVA_INT, 8) != SOL_SOCKET || control.get(JAVA_INT, 12) != SCM_RIGHTS) {
                throw new IllegalStateException("the console socket's message carried no file descriptor");
            }
            byte[] payload = data.asSlice(0, n).toArray(JAVA_BYTE);
            return new ReceivedFd(control.get(JAVA_INT, 16), new String(payload, StandardCharsets.UTF_8));
        }
    }
}
