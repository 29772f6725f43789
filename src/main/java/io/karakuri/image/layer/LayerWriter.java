package io.karakuri.image.layer;

import static io.karakuri.linux.FileSyscalls.AT_SYMLINK_NOFOLLOW;
import static io.karakuri.linux.FileSyscalls.O_CREAT;
import static io.karakuri.linux.FileSyscalls.O_DIRECTORY;
import static io.karakuri.linux.FileSyscalls.O_EXCL;
import static io.karakuri.linux.FileSyscalls.O_NOFOLLOW;
import static io.karakuri.linux.FileSyscalls.O_RDONLY;
import static io.karakuri.linux.FileSyscalls.O_WRONLY;
import static io.karakuri.linux.FileSyscalls.RESOLVE_BENEATH;
import static io.karakuri.linux.FileSyscalls.RESOLVE_NO_MAGICLINKS;
import static io.karakuri.linux.FileSyscalls.RESOLVE_NO_SYMLINKS;
import static io.karakuri.linux.FileSyscalls.RESOLVE_NO_XDEV;
import static io.karakuri.linux.FileSyscalls.S_IFBLK;
import static io.karakuri.linux.FileSyscalls.S_IFCHR;
import static io.karakuri.linux.FileSyscalls.S_IFIFO;

import io.karakuri.linux.Errno;
import io.karakuri.linux.FileSyscalls;
import io.karakuri.linux.LinuxException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tar entries into a layer directory, an overlayfs lower directory, open as rootFd.
 *
 * <p>Every lookup is an openat2 relative to rootFd with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS, and every change a *at() call on the parent's fd and the last component's name,
 * so nothing outside the directory can be reached. RESOLVE_BENEATH rather than RESOLVE_IN_ROOT: an
 * escape must be refused with an error, not clamped into the root, which would put content where the
 * archive did not say. RESOLVE_NO_SYMLINKS as well: a tar made from a file system never has a member
 * below a symbolic link, so a member that would go through one (even one pointing inside the layer,
 * which could later be replaced) is an attack or an error either way; it also covers hard-link targets.
 * RESOLVE_NO_XDEV too: nothing in a fresh layer directory is a mount point.
 * The last component is never followed: files are created with O_CREAT | O_EXCL | O_NOFOLLOW after
 * whatever was there is removed, and metadata goes through the new file's own fd or the *at() calls
 * with AT_SYMLINK_NOFOLLOW.
 *
 * <p>Whiteouts become what overlayfs reads: ".wh.NAME" a character device 0:0 named NAME,
 * ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its directory.
 */
final class LayerWriter implements AutoCloseable {
    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    static final String OPAQUE_XATTR = "trusted.overlay.opaque";

    private static final long RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    // no O_NOFOLLOW: with O_DIRECTORY it turns a final symbolic link into ENOTDIR, where RESOLVE_NO_SYMLINKS
    // (which covers the final component too) answers ELOOP
    private static final int DIRECTORY_OPEN = O_RDONLY | O_DIRECTORY;
    private static final int CHUNK = 128 * 1024;
    private static final int EOPNOTSUPP = 95;
    private static final int EPERM = 1;

    private final int rootFd;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buffer = arena.allocate(CHUNK);
    private final byte[] chunk = new byte[CHUNK];
    /** Directories whose mtime is set at the end, once their content is complete; key: path bytes as latin-1. */
    private final Map<String, TarEntry> directoryTimes = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private boolean rootGiven;
    private String cachedKey;
    private int cachedFd = -1;
    private long size;

    LayerWriter(int rootFd) {
        this.rootFd = rootFd;
    }

    /** Bytes of regular-file content written. */
    long size() {
        return size;
    }

    List<String> warnings() {
        return warnings;
    }

    /** Writes one entry; content is its data (read only for regular files). */
    void write(TarEntry entry, InputStream content) throws IOException {
        List<byte[]> parts = LayerPath.components(entry.name());
        for (String xattr : entry.xattrs().keySet()) {
            if (xattr.startsWith("trusted.overlay.") || xattr.startsWith("user.overlay.")) {
                throw new IOException("xattr " + xattr + " is overlayfs's own and not accepted from a layer");
            }
        }
        if (parts.isEmpty()) {
            if (entry.type() != TarEntry.DIRECTORY) {
                throw new IOException("names the layer's root but is not a directory");
            }
            rootGiven = true;
            directoryMetadata(rootFd, entry);
            directoryTimes.put("", entry);
            return;
        }
        byte[] leaf = parts.getLast();
        List<byte[]> parentParts = parts.subList(0, parts.size() - 1);
        if (LayerPath.startsWith(leaf, WHITEOUT)) {
            whiteout(entry, parentParts, leaf);
            return;
        }
        int parent = parent(parentParts);
        FileSyscalls.Stat existing = statOrNull(parent, leaf);
        String key = key(parts);
        if (entry.type() == TarEntry.DIRECTORY) {
            if (existing != null && !existing.isDirectory()) {
                remove(parent, leaf, existing, key);
                existing = null;
            }
            if (existing == null) {
                FileSyscalls.mkdirat(parent, leaf, 0700);
            }
            int fd = FileSyscalls.openat2(parent, leaf, DIRECTORY_OPEN, 0, RESOLVE);
            try {
                directoryMetadata(fd, entry);
            } finally {
                FileSyscalls.close(fd);
            }
            directoryTimes.put(key, entry);
            return;
        }
        if (existing != null) {
            remove(parent, leaf, existing, key);
        }
        if (entry.isRegular()) {
            regular(parent, leaf, entry, content);
        } else if (entry.type() == TarEntry.HARD_LINK) {
            hardLink(parent, leaf, entry);
        } else if (entry.type() == TarEntry.SYMLINK) {
            FileSyscalls.symlinkat(entry.linkName(), parent, leaf);
            nodeMetadata(parent, leaf, entry, false);
        } else if (entry.type() == TarEntry.CHAR_DEVICE || entry.type() == TarEntry.BLOCK_DEVICE
                || entry.type() == TarEntry.FIFO) {
            int kind = entry.type() == TarEntry.CHAR_DEVICE ? S_IFCHR
                    : entry.type() == TarEntry.BLOCK_DEVICE ? S_IFBLK : S_IFIFO;
            long dev = kind == S_IFIFO ? 0 : FileSyscalls.makedev(entry.devMajor(), entry.devMinor());
            FileSyscalls.mknodat(parent, leaf, kind | 0600, dev);
            nodeMetadata(parent, leaf, entry, true);
        } else {
            throw new IOException("unsupported tar entry type '" + printable(entry.type()) + "'");
        }
    }

    /** Sets the directories' mtimes, now that nothing more is written into them, and the root's mode. */
    void finish() throws IOException {
        if (!rootGiven) {
            FileSyscalls.fchmod(rootFd, 0755);
        }
        for (Map.Entry<String, TarEntry> d : directoryTimes.entrySet()) {
            TarEntry e = d.getValue();
            if (d.getKey().isEmpty()) {
                FileSyscalls.utimensat(rootFd, null, e.mtimeSeconds(), e.mtimeNanos(), 0);
                continue;
            }
            List<byte[]> parts = LayerPath.components(d.getKey().getBytes(StandardCharsets.ISO_8859_1));
            int parent = openDirectory(parts.subList(0, parts.size() - 1), false);
            try {
                FileSyscalls.utimensat(parent, parts.getLast(), e.mtimeSeconds(), e.mtimeNanos(), AT_SYMLINK_NOFOLLOW);
            } finally {
                FileSyscalls.close(parent);
            }
        }
    }

    private void whiteout(TarEntry entry, List<byte[]> parentParts, byte[] leaf) throws IOException {
        if (new String(leaf, StandardCharsets.ISO_8859_1).equals(OPAQUE)) {
            int dir = openDirectory(parentParts, true);
            try {
                FileSyscalls.fsetxattr(dir, OPAQUE_XATTR, new byte[] {'y'});
            } finally {
                FileSyscalls.close(dir);
            }
            return;
        }
        byte[] name = Arrays.copyOfRange(leaf, WHITEOUT.length(), leaf.length);
        if (name.length == 0 || LayerPath.startsWith(name, WHITEOUT) || (name.length == 1 && name[0] == '.')
                || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            throw new IOException("unsupported whiteout name");
        }
        int parent = parent(parentParts);
        List<byte[]> target = new ArrayList<>(parentParts);
        target.add(name);
        FileSyscalls.Stat existing = statOrNull(parent, name);
        if (existing != null) {
            remove(parent, name, existing, key(target));
        }
        FileSyscalls.mknodat(parent, name, S_IFCHR, 0);
        FileSyscalls.fchownat(parent, name, (int) entry.uid(), (int) entry.gid(), AT_SYMLINK_NOFOLLOW);
        FileSyscalls.utimensat(parent, name, entry.mtimeSeconds(), entry.mtimeNanos(), AT_SYMLINK_NOFOLLOW);
    }

    private void regular(int parent, byte[] leaf, TarEntry entry, InputStream content) throws IOException {
        int fd = FileSyscalls.openat2(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, RESOLVE);
        try {
            long left = entry.size();
            while (left > 0) {
                int n = content.read(chunk, 0, (int) Math.min(chunk.length, left));
                if (n < 0) {
                    throw new IOException("truncated tar stream");
                }
                MemorySegment.copy(chunk, 0, buffer, ValueLayout.JAVA_BYTE, 0, n);
                FileSyscalls.write(fd, buffer, n);
                left -= n;
            }
            size += entry.size();
            // chown clears setuid and file capabilities: mode and xattrs after it, the time last
            FileSyscalls.fchown(fd, (int) entry.uid(), (int) entry.gid());
            FileSyscalls.fchmod(fd, entry.mode());
            for (Map.Entry<String, byte[]> x : entry.xattrs().entrySet()) {
                setXattr(() -> FileSyscalls.fsetxattr(fd, x.getKey(), x.getValue()), x.getKey());
            }
            FileSyscalls.utimensat(fd, null, entry.mtimeSeconds(), entry.mtimeNanos(), 0);
        } finally {
            FileSyscalls.close(fd);
        }
    }

    /** A hard link to an earlier member: its target too must be beneath the root, through no symbolic link. */
    private void hardLink(int parent, byte[] leaf, TarEntry entry) throws IOException {
        try {
            List<byte[]> target = LayerPath.components(entry.linkName());
            if (target.isEmpty()) {
                throw new IOException("the layer's root");
            }
            int targetParent = openDirectory(target.subList(0, target.size() - 1), false);
            try {
                FileSyscalls.linkat(targetParent, target.getLast(), parent, leaf);
            } catch (LinuxException e) {
                throw new IOException(e.errno() == FileSyscalls.ENOENT ? "no such file or directory in the layer"
                        : Errno.text(e.errno()), e);
            } finally {
                FileSyscalls.close(targetParent);
            }
        } catch (IOException e) {
            throw new IOException("hard link target \"" + FileSyscalls.text(entry.linkName()) + "\": " + e.getMessage(), e);
        }
    }

    /** Owner, mode (not for symbolic links, which have none), xattrs and time of a node named in parent. */
    private void nodeMetadata(int parent, byte[] leaf, TarEntry entry, boolean mode) {
        FileSyscalls.fchownat(parent, leaf, (int) entry.uid(), (int) entry.gid(), AT_SYMLINK_NOFOLLOW);
        if (mode) {
            FileSyscalls.fchmodat(parent, leaf, entry.mode()); // just made by mknodat: not a link
        }
        if (!entry.xattrs().isEmpty()) {
            // no fd to use: a device or FIFO must not be opened, an O_PATH fd takes no xattrs. The parent's
            // fd as a /proc magic link, then the name, which lsetxattr does not follow
            byte[] prefix = ("/proc/self/fd/" + parent + "/").getBytes(StandardCharsets.US_ASCII);
            byte[] path = Arrays.copyOf(prefix, prefix.length + leaf.length);
            System.arraycopy(leaf, 0, path, prefix.length, leaf.length);
            for (Map.Entry<String, byte[]> x : entry.xattrs().entrySet()) {
                setXattr(() -> FileSyscalls.lsetxattr(path, x.getKey(), x.getValue()), x.getKey());
            }
        }
        FileSyscalls.utimensat(parent, leaf, entry.mtimeSeconds(), entry.mtimeNanos(), AT_SYMLINK_NOFOLLOW);
    }

    private void directoryMetadata(int fd, TarEntry entry) {
        FileSyscalls.fchown(fd, (int) entry.uid(), (int) entry.gid());
        FileSyscalls.fchmod(fd, entry.mode());
        for (Map.Entry<String, byte[]> x : entry.xattrs().entrySet()) {
            setXattr(() -> FileSyscalls.fsetxattr(fd, x.getKey(), x.getValue()), x.getKey());
        }
    }

    /**
     * An xattr the file system does not support (EOPNOTSUPP) or refuses for this kind of file (EPERM: user.*
     * on a symbolic link or a device) is a warning, as with Docker; any other failure an error.
     */
    private void setXattr(Runnable set, String name) {
        try {
            set.run();
        } catch (LinuxException e) {
            if (e.errno() != EOPNOTSUPP && e.errno() != EPERM) {
                throw e;
            }
            warnings.add("xattr " + name + " left out: " + Errno.text(e.errno()));
        }
    }

    /** Removes what an earlier entry made at leaf (with all below it), and its pending directory times. */
    private void remove(int parent, byte[] leaf, FileSyscalls.Stat existing, String key) {
        if (existing.isDirectory()) {
            Trees.removeAll(parent, leaf);
            String below = key + "/";
            // the cached parent is never at or below what is removed for an entry in it, so it stays open
            if (cachedKey != null && (cachedKey.equals(key) || cachedKey.startsWith(below))) {
                forgetParent();
            }
            for (Iterator<String> i = directoryTimes.keySet().iterator(); i.hasNext(); ) {
                String k = i.next();
                if (k.equals(key) || k.startsWith(below)) {
                    i.remove();
                }
            }
        } else {
            FileSyscalls.unlinkat(parent, leaf, 0);
        }
    }

    /**
     * The directory at parts, made if missing, as an fd the writer keeps (callers do not close it): entries
     * come grouped by directory, and this saves an openat2 and a close for most of them. The fd stays
     * right because directories are never renamed here, and one removed is forgotten (see remove).
     */
    private int parent(List<byte[]> parts) throws IOException {
        String key = key(parts);
        if (!key.equals(cachedKey)) {
            int fd = openDirectory(parts, true);
            forgetParent();
            cachedFd = fd;
            cachedKey = key;
        }
        return cachedFd;
    }

    private void forgetParent() {
        FileSyscalls.close(cachedFd);
        cachedFd = -1;
        cachedKey = null;
    }

    /**
     * An fd (O_RDONLY, so that it takes xattrs) of the directory at parts, beneath the root and through
     * no symbolic link; with create, missing directories are made (0755, root's) as Docker does.
     */
    private int openDirectory(List<byte[]> parts, boolean create) throws IOException {
        byte[] path = parts.isEmpty() ? new byte[] {'.'} : LayerPath.join(parts);
        try {
            return FileSyscalls.openat2(rootFd, path, DIRECTORY_OPEN, 0, RESOLVE);
        } catch (LinuxException e) {
            if (e.errno() != FileSyscalls.ENOENT || !create) {
                throw lookupError(e);
            }
        }
        int fd = FileSyscalls.openat2(rootFd, new byte[] {'.'}, DIRECTORY_OPEN, 0, RESOLVE);
        try {
            for (byte[] part : parts) {
                int next;
                try {
                    next = FileSyscalls.openat2(fd, part, DIRECTORY_OPEN, 0, RESOLVE);
                } catch (LinuxException e) {
                    if (e.errno() != FileSyscalls.ENOENT) {
                        throw lookupError(e);
                    }
                    FileSyscalls.mkdirat(fd, part, 0755);
                    next = FileSyscalls.openat2(fd, part, DIRECTORY_OPEN, 0, RESOLVE);
                    FileSyscalls.fchmod(next, 0755);
                }
                FileSyscalls.close(fd);
                fd = next;
            }
            return fd;
        } catch (RuntimeException | IOException e) {
            FileSyscalls.close(fd);
            throw e;
        }
    }

    private static IOException lookupError(LinuxException e) {
        String reason = switch (e.errno()) {
            case FileSyscalls.EXDEV -> "path leaves the layer";
            case FileSyscalls.ELOOP -> "path goes through a symbolic link";
            case FileSyscalls.ENOTDIR -> "a parent is not a directory";
            case FileSyscalls.ENOENT -> "no such file or directory in the layer";
            default -> e.getMessage();
        };
        return new IOException(reason, e);
    }

    private static FileSyscalls.Stat statOrNull(int dirFd, byte[] name) {
        try {
            return FileSyscalls.statx(dirFd, name, AT_SYMLINK_NOFOLLOW);
        } catch (LinuxException e) {
            if (e.errno() == FileSyscalls.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    private static String key(List<byte[]> parts) {
        return new String(LayerPath.join(parts), StandardCharsets.ISO_8859_1);
    }

    private static String printable(byte type) {
        return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("\\x%02x", type & 0xff);
    }

    @Override
    public void close() {
        forgetParent();
        arena.close();
    }
}
