package io.karakuri.linux;

import java.lang.foreign.Arena;

/** mount(2) in the calling process's mount namespace, which every thread of the JVM shares. */
public final class Mounts {
    private Mounts() {
    }

    /** mount(source, target, type, flags, data); data null for none. */
    public static void mount(String source, String target, String type, long flags, String data) {
        try (Arena arena = Arena.ofConfined()) {
            long d = data == null ? 0 : arena.allocateFrom(data).address();
            LinuxSyscalls.check(Native.syscall(Sys.MOUNT, arena.allocateFrom(source).address(),
                    arena.allocateFrom(target).address(), arena.allocateFrom(type).address(), flags, d, 0),
                    "mount", target);
        }
    }

    /** Whether something is mounted at the absolute, normalized path. */
    public static boolean isMountPoint(String path) {
        return MountInfo.mountsAt(path) > 0;
    }

    /** Detaches the mount at path and all below it. */
    public static void unmount(String path) {
        LinuxSyscalls.INSTANCE.unmountDetached(path);
    }
}
