package io.karakuri.image.store;

import io.karakuri.image.Digest;
import io.karakuri.image.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Content-addressed blobs on disk: {@code ROOT/content/blobs/<algorithm>/<hex>}.
 *
 * <p>A blob only ever appears complete and checked. {@link #writer()} streams into
 * {@code ROOT/content/ingest/<random>} while hashing; {@link Writer#commit} checks the digest and size
 * against what was expected, fsyncs the file, then hard-links it under its digest (a link, not a rename:
 * link(2) fails when the name exists, so a blob already there is kept, never rewritten, even when two
 * ingests of the same blob race) and fsyncs the directory. A writer closed without a commit, a wrong
 * digest or size, or a read error removes its temporary file; whatever a crash leaves in
 * {@code content/ingest} is removed when the store is opened, so only one process (the daemon) may open a
 * store at a time.
 *
 * <p>Every path comes from a {@link Digest}, whose constructor admits only sha256 / sha512 and lowercase hex.
 */
public final class ContentStore {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/karakuri");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;
    private final Path blobs;
    private final Path ingest;

    /** Opens (creating if need be) the store under root and removes leftover ingest files. */
    public ContentStore(Path root) throws IOException {
        this.root = root;
        this.blobs = root.resolve("content/blobs");
        this.ingest = root.resolve("content/ingest");
        Files.createDirectories(blobs.resolve("sha256"));
        Files.createDirectories(blobs.resolve("sha512"));
        Files.createDirectories(ingest);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(ingest)) {
            for (Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Path root() {
        return root;
    }

    /** Where the blob of this digest is (or would be) stored. */
    public Path path(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    public boolean has(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    /** The size of a stored blob; NoSuchFileException naming the digest if it is not stored. */
    public long size(Digest digest) throws IOException {
        try {
            return Files.size(path(digest));
        } catch (NoSuchFileException e) {
            throw missing(digest);
        }
    }

    /** Opens a stored blob for reading; NoSuchFileException naming the digest if it is not stored. */
    public InputStream open(Digest digest) throws IOException {
        try {
            return Files.newInputStream(path(digest));
        } catch (NoSuchFileException e) {
            throw missing(digest);
        }
    }

    /** A whole stored blob, for the small ones (manifests, configs, indexes): at most maxBytes. */
    public byte[] read(Digest digest, int maxBytes) throws IOException {
        long size = size(digest);
        if (size > maxBytes) {
            throw new IOException("blob " + digest + " has " + size + " bytes, more than the " + maxBytes
                    + " expected of a manifest or config");
        }
        return Files.readAllBytes(path(digest));
    }

    /** Removes a blob; false if it was not there. */
    public boolean delete(Digest digest) throws IOException {
        return Files.deleteIfExists(path(digest));
    }

    /** Every stored blob. */
    public List<Digest> list() throws IOException {
        List<Digest> all = new ArrayList<>();
        for (String algorithm : List.of("sha256", "sha512")) {
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(blobs.resolve(algorithm))) {
                for (Path p : dir) {
                    try {
                        all.add(new Digest(algorithm, p.getFileName().toString()));
                    } catch (IllegalArgumentException notABlob) {
                        // a stray file someone put there: not content, not listed
                    }
                }
            }
        }
        return all;
    }

    /** The bytes all stored blobs take. */
    public long totalSize() throws IOException {
        long total = 0;
        for (Digest d : list()) {
            try {
                total += Files.size(path(d));
            } catch (NoSuchFileException deletedMeanwhile) {
                // gone between list and size
            }
        }
        return total;
    }

    /**
     * Stores what the stream gives, which must be exactly the blob the descriptor names (digest and size).
     * If that blob is already stored the stream is not read at all. The stream is not closed.
     */
    public Ingested ingest(Descriptor expected, InputStream in) throws IOException {
        return ingest(expected.parsedDigest(), expected.size(), in);
    }

    /** As {@link #ingest(Descriptor, InputStream)}; expectedSize -1 when not known. */
    public Ingested ingest(Digest expected, long expectedSize, InputStream in) throws IOException {
        if (has(expected)) {
            long size = size(expected);
            if (expectedSize >= 0 && size != expectedSize) {
                throw new BlobMismatchException("blob " + expected + " is stored with " + size
                        + " bytes but " + expectedSize + " were expected");
            }
            return new Ingested(expected, size, false);
        }
        try (Writer w = writer(expected.algorithm())) {
            in.transferTo(w.stream());
            return w.commit(expected, expectedSize);
        }
    }

    /** Stores a stream whose digest is not known beforehand (sha256); the stream is not closed. */
    public Ingested ingest(InputStream in) throws IOException {
        try (Writer w = writer("sha256")) {
            in.transferTo(w.stream());
            return w.commit(null, -1);
        }
    }

    /** Stores bytes under their sha256 digest. */
    public Ingested write(byte[] bytes) throws IOException {
        Digest digest = Digest.sha256(bytes);
        if (has(digest)) {
            return new Ingested(digest, bytes.length, false);
        }
        try (Writer w = writer("sha256")) {
            w.stream().write(bytes);
            return w.commit(digest, bytes.length);
        }
    }

    /** A sha256 writer into a fresh ingest file. */
    public Writer writer() throws IOException {
        return writer("sha256");
    }

    /** A writer hashing with the given algorithm (sha256 or sha512). */
    public Writer writer(String algorithm) throws IOException {
        return new Writer(algorithm);
    }

    /** What an ingest stored: the digest, the size, and whether this ingest created the blob. */
    public record Ingested(Digest digest, long size, boolean created) {
    }

    /** The content did not match the digest or size it was announced with. */
    public static final class BlobMismatchException extends IOException {
        public BlobMismatchException(String message) {
            super(message);
        }
    }

    private static NoSuchFileException missing(Digest digest) {
        return new NoSuchFileException("blob " + digest + " is not in the content store");
    }

    /**
     * One ingest in progress: write to {@link #stream()}, then {@link #commit}. Closing without a
     * successful commit removes the temporary file.
     */
    public final class Writer implements AutoCloseable {
        private final String algorithm;
        private final Path temp;
        private final FileChannel channel;
        private final MessageDigest md;
        private final OutputStream stream;
        private long written;
        private boolean done;

        private Writer(String algorithm) throws IOException {
            this.algorithm = algorithm;
            this.md = messageDigest(algorithm);
            byte[] name = new byte[16];
            RANDOM.nextBytes(name);
            this.temp = ingest.resolve(HexFormat.of().formatHex(name));
            this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            OutputStream file = Channels.newOutputStream(channel);
            this.stream = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (done) {
                        throw new IOException("ingest already finished");
                    }
                    md.update(b, off, len);
                    file.write(b, off, len);
                    written += len;
                }
            };
        }

        /** Where to write the blob's bytes; hashed as they pass. */
        public OutputStream stream() {
            return stream;
        }

        /** Bytes written so far. */
        public long written() {
            return written;
        }

        /**
         * Checks what was written against expected (null: any digest) and expectedSize (-1: any size),
         * makes it durable and puts it in place. On a mismatch the temporary file is removed and
         * BlobMismatchException says what differed.
         */
        public Ingested commit(Digest expected, long expectedSize) throws IOException {
            if (done) {
                throw new IllegalStateException("ingest already finished");
            }
            done = true;
            try {
                Digest actual = Digest.of(algorithm, md);
                if (expectedSize >= 0 && written != expectedSize) {
                    throw new BlobMismatchException("blob " + (expected != null ? expected : actual) + ": "
                            + written + " bytes received, " + expectedSize + " expected");
                }
                if (expected != null && !expected.equals(actual)) {
                    throw new BlobMismatchException("digest mismatch: expected " + expected + ", content is "
                            + actual);
                }
                channel.force(true);
                channel.close();
                Path target = path(actual);
                boolean created;
                try {
                    Files.createLink(target, temp);
                    created = true;
                } catch (FileAlreadyExistsException alreadyStored) {
                    created = false; // another ingest stored the same bytes first: keep that one
                }
                Files.deleteIfExists(temp);
                if (created) {
                    fsyncDirectory(target.getParent());
                }
                return new Ingested(actual, written, created);
            } finally {
                cleanUp();
            }
        }

        @Override
        public void close() throws IOException {
            done = true;
            cleanUp();
        }

        private void cleanUp() throws IOException {
            if (channel.isOpen()) {
                channel.close();
            }
            Files.deleteIfExists(temp);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static MessageDigest messageDigest(String algorithm) {
        return switch (algorithm) {
            case "sha256" -> Digest.newSha256();
            case "sha512" -> {
                try {
                    yield MessageDigest.getInstance("SHA-512");
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException("the JDK lacks SHA-512", e);
                }
            }
            default -> throw new IllegalArgumentException("unsupported digest algorithm \"" + algorithm
                    + "\" (sha256 or sha512)");
        };
    }
}
