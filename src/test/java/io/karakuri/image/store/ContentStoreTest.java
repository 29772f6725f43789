package io.karakuri.image.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.Digest;
import io.karakuri.image.oci.Descriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
    @TempDir
    Path root;

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private long ingestFiles() throws IOException {
        try (var s = Files.list(root.resolve("content/ingest"))) {
            return s.count();
        }
    }

    @Test
    void ingestsStreamingChecksAndReads() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] data = bytes(300_000, 1);
        Digest d = Digest.sha256(data);
        ContentStore.Ingested in = store.ingest(Descriptor.of("x", d, data.length), new ByteArrayInputStream(data));
        assertEquals(new ContentStore.Ingested(d, data.length, true), in);
        assertEquals(root.resolve("content/blobs/sha256/" + d.hex()), store.path(d));
        assertTrue(store.has(d));
        assertEquals(data.length, store.size(d));
        try (InputStream s = store.open(d)) {
            assertArrayEquals(data, s.readAllBytes());
        }
        assertEquals(List.of(d), store.list());
        assertEquals(data.length, store.totalSize());
        assertEquals(0, ingestFiles());

        // stored again: reused, the stream not even read
        InputStream unread = new ByteArrayInputStream(data);
        assertFalse(store.ingest(d, data.length, unread).created());
        assertEquals(data.length, unread.available());

        assertTrue(store.delete(d));
        assertFalse(store.has(d));
        assertFalse(store.delete(d));
        assertThrows(NoSuchFileException.class, () -> store.open(d));
    }

    @Test
    void wrongDigestOrSizeLeavesNoBlobAndNoTempFile() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        Digest other = Digest.sha256("world".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(ContentStore.BlobMismatchException.class,
                () -> store.ingest(other, data.length, new ByteArrayInputStream(data)));
        assertTrue(e.getMessage().startsWith("digest mismatch: expected " + other), e.getMessage());
        Digest right = Digest.sha256(data);
        e = assertThrows(ContentStore.BlobMismatchException.class,
                () -> store.ingest(right, 6, new ByteArrayInputStream(data)));
        assertEquals("blob " + right + ": 5 bytes received, 6 expected", e.getMessage());
        assertEquals(List.of(), store.list());
        assertEquals(0, ingestFiles());
    }

    @Test
    void interruptedStreamLeavesNothing() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] data = bytes(100_000, 2);
        InputStream breaks = new InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                if (pos == 50_000) {
                    throw new IOException("connection reset");
                }
                return data[pos++] & 0xff;
            }
        };
        assertThrows(IOException.class, () -> store.ingest(Digest.sha256(data), data.length, breaks));
        assertEquals(List.of(), store.list());
        assertEquals(0, ingestFiles());
    }

    @Test
    void leftoverIngestFilesAreRemovedAtOpen() throws Exception {
        new ContentStore(root);
        Files.write(root.resolve("content/ingest/0123abcd"), new byte[10]);
        new ContentStore(root);
        assertEquals(0, ingestFiles());
    }

    @Test
    void unknownDigestAndWriterAbandoned() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] data = bytes(1000, 3);
        ContentStore.Ingested in = store.ingest(new ByteArrayInputStream(data));
        assertEquals(Digest.sha256(data), in.digest());
        try (ContentStore.Writer w = store.writer()) {
            w.stream().write(data, 0, 10);
            assertEquals(1, ingestFiles());
        }
        assertEquals(0, ingestFiles());
        assertEquals(1, store.list().size());
        // sha512 blobs live beside sha256 ones
        try (ContentStore.Writer w = store.writer("sha512")) {
            w.stream().write(data);
            Digest d = w.commit(null, data.length).digest();
            assertEquals("sha512", d.algorithm());
            assertEquals(root.resolve("content/blobs/sha512/" + d.hex()), store.path(d));
        }
        assertEquals(2, store.list().size());
    }

    @Test
    void concurrentIngestsOfTheSameBlobStoreItOnce() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] data = bytes(2_000_000, 4);
        Digest d = Digest.sha256(data);
        int n = 6;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<ContentStore.Ingested>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    // bypass the "already stored" shortcut so the writers really race to the link
                    try (ContentStore.Writer w = store.writer()) {
                        w.stream().write(data);
                        return w.commit(d, data.length);
                    }
                }));
            }
            start.countDown();
            int created = 0;
            for (Future<ContentStore.Ingested> f : results) {
                if (f.get().created()) {
                    created++;
                }
            }
            assertEquals(1, created);
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(data, Files.readAllBytes(store.path(d)));
        assertEquals(0, ingestFiles());
    }

    /** A resumable writer of data's blob that gets its first n bytes, then is closed (keeping them or not). */
    private static void writeStart(ContentStore store, byte[] data, int n, boolean keep) throws IOException {
        try (ContentStore.Writer w = store.resumableWriter(Digest.sha256(data), data.length)) {
            assertEquals(0, w.kept());
            w.resumeFrom(0, OutputStream.nullOutputStream(), Digest.newSha256());
            w.stream().write(data, 0, n);
            if (keep) {
                w.keepPartial();
            }
        }
    }

    @Test
    void aPartialDownloadIsKeptResumedAndNeverShared() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] data = bytes(200_000, 5);
        Digest d = Digest.sha256(data);
        writeStart(store, data, 70_000, true); // the download broke
        store = new ContentStore(root); // a restart keeps it
        assertEquals(1, ingestFiles());
        assertFalse(store.has(d));
        try (ContentStore.Writer w = store.resumableWriter(d, data.length);
                ContentStore.Writer other = store.resumableWriter(d, data.length)) {
            assertEquals(70_000, w.kept());
            assertEquals(0, other.kept(), "a second download of the blob writes its own file");
            ByteArrayOutputStream replayed = new ByteArrayOutputStream();
            MessageDigest md = Digest.newSha256();
            w.resumeFrom(70_000, replayed, md);
            assertArrayEquals(Arrays.copyOf(data, 70_000), replayed.toByteArray());
            md.update(data, 70_000, data.length - 70_000);
            assertEquals(d, Digest.of("sha256", md));
            w.stream().write(data, 70_000, data.length - 70_000);
            assertEquals(new ContentStore.Ingested(d, data.length, true), w.commit(d, data.length));
        }
        assertArrayEquals(data, store.read(d, data.length));
        assertEquals(0, ingestFiles());
    }

    @Test
    void refusedOrWholePartialsAreNotKeptAndOldOnesGo() throws Exception {
        ContentStore store = new ContentStore(root);
        byte[] data = bytes(1000, 6);
        Digest d = Digest.sha256(data);
        writeStart(store, data, 500, false); // closed without keepPartial: content refused
        assertEquals(0, ingestFiles());
        try (ContentStore.Writer w = store.resumableWriter(d, data.length)) {
            w.resumeFrom(0, OutputStream.nullOutputStream(), Digest.newSha256());
            w.stream().write(bytes(1000, 7)); // all of it came, and it is wrong
            w.keepPartial();
            assertThrows(ContentStore.BlobMismatchException.class, () -> w.commit(d, data.length));
        }
        assertEquals(0, ingestFiles());
        writeStart(store, data, 500, true);
        assertEquals(0, store.removePartials(ContentStore.PARTIAL_KEEP));
        assertEquals(1, store.removePartials(Duration.ZERO));
        assertEquals(0, ingestFiles());
    }
}
