package io.karakuri.hitoha.container;

import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's root file system: an overlay of its image's unpacked layers (shared, read-only) under
 * its own upper and work directories, mounted at {@code DIR/rootfs}.
 */
final class RootFilesystem {
    /** The kernel takes mount options up to a page. */
    private static final int MAX_OPTIONS = 4095;

    private RootFilesystem() {
    }

    /** Mounts the overlay at dir/rootfs unless it is mounted already. */
    static void mount(Path dir, List<Path> layersBottomFirst) throws IOException {
        Path rootfs = dir.resolve("rootfs");
        Path upper = dir.resolve("upper");
        Path work = dir.resolve("work");
        Files.createDirectories(rootfs);
        Files.createDirectories(upper);
        Files.createDirectories(work);
        if (Mounts.isMountPoint(rootfs.toString())) {
            return;
        }
        List<String> lower = new ArrayList<>();
        for (int i = layersBottomFirst.size() - 1; i >= 0; i--) {
            lower.add(layersBottomFirst.get(i).toString());
        }
        if (lower.isEmpty()) {
            Path empty = dir.resolve("empty");
            Files.createDirectories(empty);
            lower.add(empty.toString());
        }
        String options = "lowerdir=" + String.join(":", lower) + ",upperdir=" + upper + ",workdir=" + work;
        if (options.length() > MAX_OPTIONS) {
            throw new IllegalStateException("the image has too many layers (" + lower.size()
                    + ") for one overlay mount");
        }
        try {
            Mounts.mount("overlay", rootfs.toString(), "overlay", 0, options);
        } catch (LinuxException e) {
            throw new IOException("cannot mount the container's root file system at " + rootfs + ": " + e.getMessage(), e);
        }
    }

    /** Unmounts dir/rootfs if mounted. */
    static void unmount(Path dir) {
        Path rootfs = dir.resolve("rootfs");
        while (Mounts.isMountPoint(rootfs.toString())) {
            Mounts.unmount(rootfs.toString());
        }
    }
}
