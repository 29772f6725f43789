package io.karakuri.hitoha.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads a small file of an image (/etc/passwd, /etc/group) from its unpacked layers without mounting them:
 * the topmost layer that has it wins, a whiteout ({@code .wh.NAME}) or an opaque directory above hides it.
 */
final class LayeredFiles {
    private static final long MAX = 1 << 20;

    private LayeredFiles() {
    }

    /** The file at path (absolute in the image) from layers given bottom first; empty if none has it. */
    static Optional<String> read(List<Path> layersBottomFirst, String path) throws IOException {
        Path relative = Path.of(path.substring(1));
        for (int i = layersBottomFirst.size() - 1; i >= 0; i--) {
            Path layer = layersBottomFirst.get(i);
            Path file = layer.resolve(relative);
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) <= MAX) {
                return Optional.of(Files.readString(file));
            }
            if (hidden(layer, relative)) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static boolean hidden(Path layer, Path relative) {
        Path dir = layer;
        for (int i = 0; i < relative.getNameCount(); i++) {
            Path name = relative.getName(i);
            if (Files.exists(dir.resolve(".wh." + name), LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
            dir = dir.resolve(name);
            if (i < relative.getNameCount() - 1 && Files.exists(dir.resolve(".wh..wh..opq"), LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
        }
        return false;
    }
}
