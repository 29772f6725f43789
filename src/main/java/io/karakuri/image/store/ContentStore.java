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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
 * store at a time. The exception: {@link #resumableWriter}'s partial files, the start of a blob whose
 * download broke, kept for {@link #PARTIAL_KEEP} so that the next download continues it.
 *
 * <p>Every path comes from a {@link Digest}, whose constructor admits only sha256 / sha512 and lowercase hex.
 */
public final class ContentStore {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/karakuri");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PARTIAL = ".partial";
    /** How long a partial download is kept for a pull to resume. */
    public static final Duration PARTIAL_KEEP = Duration.ofHours(24);

    private final Path root;
    private final Path blobs;
    private final Path ingest;
    /** Partial files a writer has open: two downloads of one blob never share one. */
    private final Set<Path> busy = ConcurrentHashMap.newKeySet();

    /** Opens (creating if need be) the store under root and removes leftover ingest files (partial ones a day old). */
    public ContentStore(Path root) throws IOException {
        this.root = root;
        this.blobs = root.resolve("content/blobs");
        this.ingest = root.resolve("content/ingest");
        Files.createDirectories(blobs.resolve("sha256"));
        Files.createDirectories(blobs.resolve("sha512"));
        Files.createDirectories(ingest);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(ingest)) {
            for (Path p : leftovers) {
                if (!p.getFileName().toString().endsWith(PARTIAL)) {
                    Files.deleteIfExists(p);
                }
            }
        }
        removePartials(PARTIAL_KEEP);
    }

    /**
     * Removes the partial downloads ({@link #resumableWriter}) not written to for olderThan: a pull that
     * wants one again within that time resumes it. Not while a pull is running (hitoha's GC runs at start).
     */
    public int removePartials(Duration olderThan) throws IOException {
        int removed = 0;
        long limit = System.currentTimeMillis() - olderThan.toMillis();
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(ingest, "*" + PARTIAL)) {
            for (Path p : partials) {
                try {
                    if (!busy.contains(p) && Files.getLastModifiedTime(p).toMillis() <= limit
                            && Files.deleteIfExists(p)) {
                        removed++;
                    }
                } catch (NoSuchFileException gone) {
                    // removed meanwhile
                }
            }
        }
        return removed;
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

    /**
     * A writer for a download that may be resumed: its file is {@code content/ingest/<algorithm>-<hex>.partial}
     * and may hold the first {@link Writer#kept()} bytes of the blob from a download that broke. Call
     * {@link Writer#resumeFrom} before writing. When another writer has that file open, a writer into a fresh
     * file (nothing kept). A partial file is never a blob: only {@link Writer#commit} links one in place.
     */
    public Writer resumableWriter(Digest digest, long size) throws IOException {
        Path partial = ingest.resolve(digest.algorithm() + "-" + digest.hex() + PARTIAL);
        if (!busy.add(partial)) {
            return writer(digest.algorithm());
        }
        try {
            return new Writer(digest.algorithm(), partial, size);
        } catch (IOException | RuntimeException e) {
            busy.remove(partial);
            throw e;
        }
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
        /** The blob's size for a resumable writer (its file is a partial one), else -1. */
        private final long partialOf;
        private final long kept;
        private long written;
        private boolean done;
        private boolean keep;

        private Writer(String algorithm) throws IOException {
            this(algorithm, ingest.resolve(randomName()), -1);
        }

        private Writer(String algorithm, Path temp, long partialOf) throws IOException {
            this.algorithm = algorithm;
            this.md = messageDigest(algorithm);
            this.temp = temp;
            this.partialOf = partialOf;
            this.channel = partialOf < 0
                    ? FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)
                    : FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
            this.kept = channel.size();
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

        /** Bytes of the blob a resumable writer's file holds from an earlier download (0 for a fresh file). */
        public long kept() {
            return kept;
        }

        /**
         * Before the first write: continue after the first from bytes of the file (0: start over, dropping
         * what was kept). The kept bytes are hashed and also go to replay and into alsoHash (the registry
         * client's digest), so that whoever reads the stream sees the blob from byte 0.
         */
        public void resumeFrom(long from, OutputStream replay, MessageDigest alsoHash) throws IOException {
            if (written != 0 || from < 0 || from > kept) {
                throw new IllegalStateException("cannot resume at " + from + " after " + written + " bytes, "
                        + kept + " kept");
            }
            channel.truncate(from);
            channel.position(0);
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 16);
            while (written < from) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), from - written));
                int n = channel.read(buffer);
                if (n < 0) {
                    throw new IOException("partial file " + temp + " ended early");
                }
                md.update(buffer.array(), 0, n);
                alsoHash.update(buffer.array(), 0, n);
                written += n;
                replay.write(buffer.array(), 0, n);
            }
            channel.position(from);
        }

        /**
         * A resumable writer closed without a commit keeps its file when it holds part of the blob (some
         * bytes, fewer than the blob's size): for a download that broke, not for content that was refused.
         */
        public void keepPartial() {
            keep = partialOf >= 0;
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
            try {
                long length = channel.isOpen() ? channel.size() : -1;
                if (channel.isOpen()) {
                    channel.close();
                }
                if (!(keep && length > 0 && length < partialOf)) {
                    Files.deleteIfExists(temp);
                }
            } finally {
                busy.remove(temp);
            }
        }
    }

    private static String randomName() {
        byte[] name = new byte[16];
        RANDOM.nextBytes(name);
        return HexFormat.of().formatHex(name);
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
