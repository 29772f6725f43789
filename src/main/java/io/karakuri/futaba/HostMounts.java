package io.karakuri.futaba;

import io.karakuri.linux.IoErrors;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.MountInfo;
import io.karakuri.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The mounts of a container without a mount namespace of its own: futaba-init makes them in the host's,
 * on a bind mount of the root onto itself. What was mounted at the root before (podman's overlay, say)
 * stays; only the mounts stacked on it since are taken off, each with everything below it.
 */
final class HostMounts {
    private HostMounts() {
    }

    /** The root's path with its links resolved, as mountinfo shows it. */
    static String realPath(String rootfs) {
        try {
            return Path.of(rootfs).toRealPath().toString();
        } catch (IOException e) {
            throw new FutabaException("cannot resolve the root file system " + rootfs + ": " + IoErrors.reason(e), e);
        }
    }

    /** How many mounts the root has now, to be given back to {@link #remove} later. */
    static int count(String rootfs) {
        return MountInfo.mountsAt(rootfs);
    }

    static void remove(Syscalls sys, String rootfs, int before) {
        for (int n = MountInfo.mountsAt(rootfs); n > before; n--) {
            try {
                sys.unmountDetached(rootfs);
            } catch (LinuxException e) {
                throw new FutabaException("cannot unmount the container's mounts at " + rootfs + ": " + e.getMessage(), e);
            }
        }
    }
}
