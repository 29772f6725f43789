package io.karakuri.image.layer;

import static io.karakuri.linux.FileSyscalls.O_DIRECTORY;
import static io.karakuri.linux.FileSyscalls.O_NOFOLLOW;
import static io.karakuri.linux.FileSyscalls.O_RDONLY;

import io.karakuri.image.Digest;
import io.karakuri.linux.FileSyscalls;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Unpacks a layer blob into a directory that overlayfs can use as a lower directory, in one streaming
 * pass: the blob's digest is computed over the bytes as they arrive, they are decompressed (gzip, zstd,
 * or none), the diff id is computed over the tar, and the tar is unpacked (see {@link LayerWriter} for
 * how, and why nothing outside the directory can be touched).
 *
 * <p>The layer is unpacked into a fresh directory beside the target, ".NAME.unpack-RANDOM", and renamed
 * to the target only when the whole stream was read and both digests matched; on any failure that
 * directory is removed completely and a {@link LayerException} names the layer and, where one is to
 * blame, the entry. Runs as root (it sets owners and makes device nodes); one thread per unpack.
 */
public final class LayerUnpacker {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Unpacks blob (read to its end and closed) into target, which must not exist; its parent must.
     *
     * @param mediaType the layer's media type; gzip and zstd types are taken at their word, anything
     *     else (plain tar, foreign or unknown types, null) is recognized by its first bytes
     * @param expectedDigest the blob's digest from the manifest, or null when the caller checks the blob (then
     *     the result has no digest)
     * @param expectedDiffId the diff id from the image config, or null to skip the check
     * @throws FileAlreadyExistsException if target exists (also when another unpack put it there first)
     * @throws LayerException if the layer is refused; nothing is left behind
     */
    public UnpackResult unpack(InputStream blob, String mediaType, Digest expectedDigest, Digest expectedDiffId,
            Path target) throws IOException {
        String layer = "layer" + (expectedDigest == null ? "" : " " + expectedDigest);
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new IllegalArgumentException("cannot unpack a layer into " + target);
        }
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(absolute.toString(), null, "the layer directory exists already");
        }
        Path temporary = parent.resolve("." + absolute.getFileName() + ".unpack-"
                + HexFormat.of().formatHex(randomBytes()));
        Files.createDirectory(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int rootFd = -1;
        try (InputStream input = blob) {
            rootFd = FileSyscalls.openat2(Syscalls.AT_FDCWD, bytes(temporary), O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, 0);
            // no expected digest: the caller checks the blob itself (a pull's content store does); count only
            HashingInputStream compressed = new HashingInputStream(input,
                    expectedDigest == null ? null : expectedDigest.newMessageDigest());
            HashingInputStream tar;
            try {
                tar = new HashingInputStream(Decompression.open(compressed, mediaType),
                        expectedDiffId == null ? Digest.newSha256() : expectedDiffId.newMessageDigest());
            } catch (IOException e) { // a gzip or zstd stream whose header is wrong
                throw new LayerException(layer + ": " + reason(e), e);
            }
            TarEntry entry = null;
            UnpackResult result;
            // closing tar frees the decompressor's native state (zlib's, zstd's), and closes the blob
            try (tar; LayerWriter writer = new LayerWriter(rootFd)) {
                try {
                    TarReader reader = new TarReader(tar);
                    while ((entry = readNext(reader, layer, entry)) != null) {
                        try {
                            writer.write(entry, reader.content());
                        } catch (IOException | RuntimeException e) {
                            throw new LayerException(layer + ": entry \"" + entry.displayName() + "\": " + reason(e), e);
                        }
                    }
                    // the digests cover all the bytes, also what follows the tar's end and the compression's
                    tar.drain();
                    compressed.drain();
                    writer.finish();
                } catch (LayerException e) {
                    throw e;
                } catch (IOException | RuntimeException e) {
                    throw new LayerException(layer + ": " + reason(e), e);
                }
                Digest digest = expectedDigest == null ? null : Digest.of(expectedDigest.algorithm(), compressed.digest());
                Digest diffId = Digest.of(expectedDiffId == null ? "sha256" : expectedDiffId.algorithm(), tar.digest());
                if (expectedDigest != null && !digest.equals(expectedDigest)) {
                    throw new LayerException(layer + ": the blob's digest is " + digest + " (" + compressed.count()
                            + " bytes): corrupt or not this layer", null);
                }
                if (expectedDiffId != null && !diffId.equals(expectedDiffId)) {
                    throw new LayerException(layer + ": the diff id is " + diffId + ", expected " + expectedDiffId, null);
                }
                result = new UnpackResult(absolute, digest, diffId, writer.size(), writer.warnings());
            }
            FileSyscalls.close(rootFd);
            rootFd = -1;
            try {
                FileSyscalls.renameat2(Syscalls.AT_FDCWD, bytes(temporary), Syscalls.AT_FDCWD, bytes(absolute),
                        FileSyscalls.RENAME_NOREPLACE);
            } catch (LinuxException e) {
                if (e.errno() == FileSyscalls.EEXIST) {
                    throw new FileAlreadyExistsException(absolute.toString(), null,
                            "the layer directory appeared while unpacking");
                }
                throw e;
            }
            return result;
        } catch (IOException | RuntimeException | Error e) {
            FileSyscalls.close(rootFd);
            try {
                Trees.removeAll(temporary);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static TarEntry readNext(TarReader reader, String layer, TarEntry previous) throws LayerException {
        try {
            return reader.next();
        } catch (IOException | RuntimeException e) {
            throw new LayerException(layer + ": " + reason(e)
                    + (previous == null ? "" : " (after entry \"" + previous.displayName() + "\")"), e);
        }
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8);
    }
}
