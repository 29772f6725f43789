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

/** Removal of a whole tree relative to a directory fd, never following a symbolic link. */
final class Trees {
    private static final int DT_UNKNOWN = 0;
    private static final int DT_DIR = 4;

    private Trees() {
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
