package io.karakuri.image.layer;

import static io.karakuri.linux.FileSyscalls.AT_REMOVEDIR;
import static io.karakuri.linux.FileSyscalls.AT_SYMLINK_NOFOLLOW;
import static io.karakuri.linux.FileSyscalls.O_DIRECTORY;
import static io.karakuri.linux.FileSyscalls.O_NOFOLLOW;
import static io.karakuri.linux.FileSyscalls.O_RDONLY;
import static io.karakuri.linux.FileSyscalls.RESOLVE_BENEATH;
import static io.karakuri.linux.FileSyscalls.RESOLVE_NO_MAGICLINKS;
import static io.karakuri.linux.FileSyscalls.RESOLVE_NO_SYMLINKS;

import io.karakuri.linux.FileSyscalls;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Removal of a whole tree relative to a directory fd, never following a symbolic link: what an unpacked
 * layer holds (links to anywhere, device nodes, read-only directories) is taken away, never what it
 * points at. The one way karakuri deletes a layer, an unpack's leftovers or a store.
 */
public final class Trees {
    private static final int DT_UNKNOWN = 0;
    private static final int DT_DIR = 4;

    private Trees() {
    }

    /** Removes path and everything in it; nothing there is no error. */
    public static void removeAll(Path path) throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        if (absolute.getParent() == null) {
            throw new IllegalArgumentException("will not remove " + path);
        }
        int parentFd = -1;
        try {
            parentFd = FileSyscalls.openat2(Syscalls.AT_FDCWD, bytes(absolute.getParent()), O_RDONLY | O_DIRECTORY,
                    0, 0);
            removeAll(parentFd, bytes(absolute.getFileName()));
        } catch (LinuxException e) {
            if (e.errno() != FileSyscalls.ENOENT) {
                throw new IOException("cannot remove " + path + ": " + e.getMessage(), e);
            }
        } finally {
            if (parentFd >= 0) {
                FileSyscalls.close(parentFd);
            }
        }
    }

    private static byte[] bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Removes name in dirFd: a directory with everything in it, anything else by unlinking it. */
    static void removeAll(int dirFd, byte[] name) {
        FileSyscalls.Stat stat = FileSyscalls.statx(dirFd, name, AT_SYMLINK_NOFOLLOW);
        if (!stat.isDirectory()) {
            FileSyscalls.unlinkat(dirFd, name, 0);
            return;
        }
        int fd = FileSyscalls.openat2(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
                RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        try {
            for (FileSyscalls.DirEntry e : FileSyscalls.readDirectory(fd)) {
                if (e.type() == DT_DIR || e.type() == DT_UNKNOWN) {
                    removeAll(fd, e.name());
                } else {
                    FileSyscalls.unlinkat(fd, e.name(), 0);
                }
            }
        } finally {
            FileSyscalls.close(fd);
        }
        FileSyscalls.unlinkat(dirFd, name, AT_REMOVEDIR);
    }
}
