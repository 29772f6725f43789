package io.karakuri.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The *at() file system calls, relative to directory fds, for code that must not be led astray by what
 * it creates (the layer unpacker). Names are byte arrays, as Linux's are (a name need not be UTF-8); a
 * null name is the fd itself where the call allows it. Failures are {@link LinuxException}s naming the
 * call and the path as given.
 */
public final class FileSyscalls {
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_DIRECTORY = AARCH64 ? 0x4000 : 0x10000;
    public static final int O_NOFOLLOW = AARCH64 ? 0x8000 : 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;

    /** openat2's resolve flags (linux/openat2.h). */
    public static final long RESOLVE_NO_XDEV = 0x01;
    public static final long RESOLVE_NO_MAGICLINKS = 0x02;
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;
    public static final long RESOLVE_IN_ROOT = 0x10;

    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int RENAME_NOREPLACE = 1;

    public static final int S_IFMT = 0xf000;
    public static final int S_IFIFO = 0x1000;
    public static final int S_IFCHR = 0x2000;
    public static final int S_IFDIR = 0x4000;
    public static final int S_IFBLK = 0x6000;
    public static final int S_IFREG = 0x8000;
    public static final int S_IFLNK = 0xa000;

    public static final int ENOENT = 2;
    public static final int EAGAIN = 11;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    public static final int EXDEV = 18;

    private static final int STATX_BASIC_STATS = 0x7ff;

    private FileSyscalls() {
    }

    /** What statx reports, the fields the unpacker and its tests read. */
    public record Stat(int mode, int uid, int gid, long size, long nlink, long ino, int rdevMajor, int rdevMinor,
            long mtimeSeconds, int mtimeNanos) {
        public int type() {
            return mode & S_IFMT;
        }

        public boolean isDirectory() {
            return type() == S_IFDIR;
        }
    }

    /** One directory entry from getdents64 ("." and ".." left out). */
    public record DirEntry(byte[] name, int type) {}

    private static long check(long r, String call, byte[] path) {
        if (r < 0) {
            throw new LinuxException(call, path == null ? null : text(path), (int) -r);
        }
        return r;
    }

    /** A name for messages: UTF-8 where it is, U+FFFD where it is not. */
    public static String text(byte[] name) {
        return new String(name, StandardCharsets.UTF_8);
    }

    private static long cstring(Arena arena, byte[] name) {
        if (name == null) {
            return 0;
        }
        MemorySegment s = arena.allocate(name.length + 1L);
        MemorySegment.copy(name, 0, s, JAVA_BYTE, 0, name.length);
        s.set(JAVA_BYTE, name.length, (byte) 0);
        return s.address();
    }

    private static long cstring(Arena arena, String name) {
        return arena.allocateFrom(name).address();
    }

    /**
     * openat2(dirFd, path, {flags | O_CLOEXEC, mode, resolve}): an fd. Retries EINTR, and EAGAIN, which
     * RESOLVE_BENEATH answers when a rename elsewhere raced the lookup.
     */
    public static int openat2(int dirFd, byte[] path, int flags, int mode, long resolve) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(24, 8); // struct open_how
            how.set(JAVA_LONG, 0, (flags | O_CLOEXEC) & 0xffffffffL);
            how.set(JAVA_LONG, 8, (flags & O_CREAT) != 0 ? mode : 0);
            how.set(JAVA_LONG, 16, resolve);
            long p = cstring(arena, path);
            long r;
            int tries = 0;
            do {
                r = Native.syscall(Sys.OPENAT2, dirFd, p, how.address(), how.byteSize(), 0, 0);
            } while (r == -Errno.EINTR || (r == -EAGAIN && ++tries < 100));
            return (int) check(r, "openat2", path);
        }
    }

    public static void mkdirat(int dirFd, byte[] name, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.MKDIRAT, dirFd, cstring(arena, name), mode, 0, 0, 0), "mkdirat", name);
        }
    }

    /** mknodat; dev as makedev(3) builds it, see {@link #makedev}. */
    public static void mknodat(int dirFd, byte[] name, int mode, long dev) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.MKNODAT, dirFd, cstring(arena, name), mode, dev, 0, 0), "mknodat", name);
        }
    }

    /** glibc's makedev: the dev_t the kernel takes. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffL) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xffL) | ((minor & ~0xffL) << 12);
    }

    /** symlinkat(target, dirFd, name): target is written as it is, never resolved. */
    public static void symlinkat(byte[] target, int dirFd, byte[] name) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.SYMLINKAT, cstring(arena, target), dirFd, cstring(arena, name), 0, 0, 0),
                    "symlinkat", name);
        }
    }

    /** linkat without AT_SYMLINK_FOLLOW: a symbolic link at the old name is linked itself, not followed. */
    public static void linkat(int oldDirFd, byte[] oldName, int newDirFd, byte[] newName) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.LINKAT, oldDirFd, cstring(arena, oldName), newDirFd, cstring(arena, newName), 0, 0),
                    "linkat", newName);
        }
    }

    public static void unlinkat(int dirFd, byte[] name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.UNLINKAT, dirFd, cstring(arena, name), flags, 0, 0, 0), "unlinkat", name);
        }
    }

    public static void renameat2(int oldDirFd, byte[] oldName, int newDirFd, byte[] newName, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.RENAMEAT2, oldDirFd, cstring(arena, oldName), newDirFd, cstring(arena, newName),
                    flags, 0), "renameat2", newName);
        }
    }

    public static void fchownat(int dirFd, byte[] name, int uid, int gid, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.FCHOWNAT, dirFd, cstring(arena, name), uid & 0xffffffffL, gid & 0xffffffffL,
                    flags, 0), "fchownat", name);
        }
    }

    public static void fchown(int fd, int uid, int gid) {
        check(Native.syscall(Sys.FCHOWN, fd, uid & 0xffffffffL, gid & 0xffffffffL, 0, 0, 0), "fchown", null);
    }

    public static void fchmod(int fd, int mode) {
        check(Native.syscall(Sys.FCHMOD, fd, mode, 0, 0, 0, 0), "fchmod", null);
    }

    /** fchmodat follows a symbolic link at name: call it only on what is known not to be one. */
    public static void fchmodat(int dirFd, byte[] name, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            check(Native.syscall(Sys.FCHMODAT, dirFd, cstring(arena, name), mode, 0, 0, 0), "fchmodat", name);
        }
    }

    /** Sets the modification time (and the access time to the same); name null: the fd itself. */
    public static void utimensat(int dirFd, byte[] name, long seconds, int nanos, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment times = arena.allocate(32, 8);
            times.set(JAVA_LONG, 0, seconds);
            times.set(JAVA_LONG, 8, nanos);
            times.set(JAVA_LONG, 16, seconds);
            times.set(JAVA_LONG, 24, nanos);
            check(Native.syscall(Sys.UTIMENSAT, dirFd, cstring(arena, name), times.address(), flags, 0, 0),
                    "utimensat", name);
        }
    }

    /** fsetxattr on an open (not O_PATH) fd. */
    public static void fsetxattr(int fd, String name, byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
            check(Native.syscall(Sys.FSETXATTR, fd, cstring(arena, name), v.address(), value.length, 0, 0),
                    "fsetxattr " + name, null);
        }
    }

    /** lsetxattr: a symbolic link at path's end is given the attribute itself, not followed. */
    public static void lsetxattr(byte[] path, String name, byte[] value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
            check(Native.syscall(Sys.LSETXATTR, cstring(arena, path), cstring(arena, name), v.address(),
                    value.length, 0, 0), "lsetxattr " + name, path);
        }
    }

    /** lgetxattr: the value's bytes, or null when path has no such attribute. */
    public static byte[] lgetxattr(String path, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(65536);
            long r = Native.syscall(Sys.LGETXATTR, cstring(arena, path), cstring(arena, name), v.address(),
                    v.byteSize(), 0, 0);
            if (r == -ENODATA) {
                return null;
            }
            check(r, "lgetxattr " + name, path.getBytes(StandardCharsets.UTF_8));
            return v.asSlice(0, r).toArray(JAVA_BYTE);
        }
    }

    /** statx(dirFd, name, flags); flags AT_SYMLINK_NOFOLLOW to see a symbolic link itself. */
    public static Stat statx(int dirFd, byte[] name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256, 8);
            byte[] path = name == null ? new byte[0] : name;
            int f = name == null ? flags | AT_EMPTY_PATH : flags;
            check(Native.syscall(Sys.STATX, dirFd, cstring(arena, path), f, STATX_BASIC_STATS, buf.address(), 0),
                    "statx", name);
            return new Stat(Short.toUnsignedInt(buf.get(JAVA_SHORT, 28)), buf.get(JAVA_INT, 20), buf.get(JAVA_INT, 24),
                    buf.get(JAVA_LONG, 40), Integer.toUnsignedLong(buf.get(JAVA_INT, 16)), buf.get(JAVA_LONG, 32),
                    buf.get(JAVA_INT, 128), buf.get(JAVA_INT, 132), buf.get(JAVA_LONG, 112), buf.get(JAVA_INT, 120));
        }
    }

    /** statx of a path, for tests and callers holding no fd. */
    public static Stat lstat(String path) {
        return statx(Syscalls.AT_FDCWD, path.getBytes(StandardCharsets.UTF_8), AT_SYMLINK_NOFOLLOW);
    }

    /** Every entry of the directory open at fd (read from its current offset to the end). */
    public static List<DirEntry> readDirectory(int fd) {
        List<DirEntry> entries = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32768, 8);
            while (true) {
                long n = check(Native.syscall(Sys.GETDENTS64, fd, buf.address(), buf.byteSize(), 0, 0, 0),
                        "getdents64", null);
                if (n == 0) {
                    return entries;
                }
                // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name (NUL-terminated)
                for (long at = 0; at < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT, at + 16));
                    int type = Byte.toUnsignedInt(buf.get(JAVA_BYTE, at + 18));
                    long nameAt = at + 19;
                    long end = nameAt;
                    while (buf.get(JAVA_BYTE, end) != 0) {
                        end++;
                    }
                    byte[] name = buf.asSlice(nameAt, end - nameAt).toArray(JAVA_BYTE);
                    if (!(name.length == 1 && name[0] == '.') && !(name.length == 2 && name[0] == '.' && name[1] == '.')) {
                        entries.add(new DirEntry(name, type));
                    }
                    at += reclen;
                }
            }
        }
    }

    /** Writes length bytes of buffer to fd, all of them (retrying short writes and EINTR). */
    public static void write(int fd, MemorySegment buffer, long length) {
        long done = 0;
        while (done < length) {
            long r = Native.syscall(Sys.WRITE, fd, buffer.address() + done, length - done, 0, 0, 0);
            if (r == -Errno.EINTR) {
                continue;
            }
            done += check(r, "write", null);
        }
    }

    public static void close(int fd) {
        if (fd >= 0) {
            Native.syscall(Sys.CLOSE, fd, 0, 0, 0, 0, 0);
        }
    }
}
