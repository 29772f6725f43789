package io.karakuri.image.layer;

import io.karakuri.image.Digest;
import java.nio.file.Path;
import java.util.List;

/**
 * A layer unpacked: where it is, the digest of its blob (the compressed bytes as received; null when none
 * was expected), its diff id (the sha256 of the uncompressed tar, what an image config's rootfs.diff_ids
 * lists), the bytes of regular-file content written (hard links counted once), and what was left out with
 * a warning (xattrs the file system cannot hold).
 */
public record UnpackResult(Path directory, Digest digest, Digest diffId, long size, List<String> warnings) {
    public UnpackResult {
        warnings = List.copyOf(warnings);
    }
}
