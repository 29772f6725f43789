package io.karakuri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.TestRegistryClients;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.TestImages;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull whose layer download breaks in the middle keeps what came and resumes it with a Range request; a
 * fake registry on 127.0.0.1 cuts the first download of the layer short.
 */
class PullResumeTest {
    private static final int CUT = 100_000;

    @TempDir
    Path root;
    @TempDir
    Path dir;
    Vertx vertx;
    HttpServer registry;
    RegistryClient client;
    byte[] tar;
    byte[] layer;
    Digest layerDigest;
    byte[] config;
    byte[] manifest;
    /** The Range header of each layer request ("-" for none). */
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final AtomicInteger layerRequests = new AtomicInteger();
    volatile boolean honourRange = true;

    @BeforeEach
    void start() throws Exception {
        byte[] data = new byte[400_000];
        new Random(7).nextBytes(data); // incompressible: the gzip blob is as big
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            TarArchiveEntry e = new TarArchiveEntry("data.bin");
            e.setSize(data.length);
            t.putArchiveEntry(e);
            t.write(data);
            t.closeArchiveEntry();
        }
        tar = out.toByteArray();
        layer = TestImages.gzip(tar);
        layerDigest = Digest.sha256(layer);
        config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digest.sha256(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\""
                + layerDigest + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        vertx = Vertx.vertx();
        registry = vertx.createHttpServer().requestHandler(this::serve).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().join();
        client = TestRegistryClients.create(dir);
    }

    @AfterEach
    void stop() {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private void serve(HttpServerRequest req) {
        String path = req.path();
        if (path.equals("/v2/") || path.equals("/v2")) {
            req.response().end();
        } else if (path.equals("/v2/app/manifests/1")) {
            req.response().putHeader("Content-Type", MediaTypes.OCI_MANIFEST).end(Buffer.buffer(manifest));
        } else if (path.equals("/v2/app/blobs/" + Digest.sha256(config))) {
            req.response().end(Buffer.buffer(config));
        } else if (path.equals("/v2/app/blobs/" + layerDigest)) {
            String range = req.getHeader("Range");
            ranges.add(range == null ? "-" : range);
            if (layerRequests.getAndIncrement() == 0) { // the first time: the connection breaks after CUT bytes
                req.response().putHeader("Content-Length", Integer.toString(layer.length));
                req.response().write(Buffer.buffer(Arrays.copyOf(layer, CUT)))
                        .onComplete(v -> vertx.setTimer(200, t -> req.connection().close()));
            } else if (range != null && honourRange) {
                int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
                req.response().setStatusCode(206)
                        .putHeader("Content-Range", "bytes " + from + "-" + (layer.length - 1) + "/" + layer.length)
                        .end(Buffer.buffer(Arrays.copyOfRange(layer, from, layer.length)));
            } else {
                req.response().end(Buffer.buffer(layer));
            }
        } else {
            req.response().setStatusCode(404).end();
        }
    }

    private String ref() {
        return "127.0.0.1:" + registry.actualPort() + "/app:1";
    }

    private Path ingest() {
        return root.resolve("content/ingest");
    }

    private List<Path> ingestFiles() throws Exception {
        try (Stream<Path> s = Files.list(ingest())) {
            return s.toList();
        }
    }

    private Path partial() {
        return ingest().resolve("sha256-" + layerDigest.hex() + ".partial");
    }

    private void assertPulled(ImageService service, Image image) throws Exception {
        assertEquals(Digest.sha256(tar), image.layers().getFirst().diffId());
        Path unpacked = service.store().layerDirectory(image.layers().getFirst().chainId());
        assertEquals(400_000L, Files.size(unpacked.resolve("data.bin")));
        assertTrue(service.store().content().has(layerDigest));
        assertEquals(List.of(), ingestFiles(), "nothing left in the ingest area");
    }

    @Test
    void aBrokenDownloadResumesWithARangeRequest() throws Exception {
        try (ImageService service = ImageService.open(root, client)) {
            assertThrows(Exception.class, () -> service.pull(ref(), null, p -> { }));
            assertFalse(service.store().content().has(layerDigest));
            long kept = Files.size(partial());
            assertTrue(kept > 0 && kept <= CUT, "kept " + kept);

            Image image = service.pull(ref(), null, p -> { });
            assertEquals(List.of("-", "bytes=" + kept + "-"), ranges);
            assertPulled(service, image);
        }
    }

    @Test
    void aRegistryThatIgnoresRangeSendsTheWholeBlob() throws Exception {
        honourRange = false;
        try (ImageService service = ImageService.open(root, client)) {
            assertThrows(Exception.class, () -> service.pull(ref(), null, p -> { }));
            long kept = Files.size(partial());
            assertTrue(kept > 0);

            Image image = service.pull(ref(), null, p -> { });
            assertEquals(List.of("-", "bytes=" + kept + "-"), ranges);
            assertPulled(service, image);
        }
    }

    @Test
    void aPartialDownloadSurvivesARestart() throws Exception {
        try (ImageService service = ImageService.open(root, client)) {
            assertThrows(Exception.class, () -> service.pull(ref(), null, p -> { }));
        }
        long kept = Files.size(partial());
        try (ImageService service = ImageService.open(root, client)) {
            Image image = service.pull(ref(), null, p -> { });
            assertEquals("bytes=" + kept + "-", ranges.get(1));
            assertPulled(service, image);
        }
    }

    @Test
    void aCorruptedPartialFileIsNeverCommittedAndTheNextPullStartsOver() throws Exception {
        try (ImageService service = ImageService.open(root, client)) {
            assertThrows(Exception.class, () -> service.pull(ref(), null, p -> { }));
            byte[] kept = Files.readAllBytes(partial());
            for (int i = kept.length / 2; i < kept.length; i++) {
                kept[i] ^= 0x55; // the disk lies about the second half
            }
            Files.write(partial(), kept);

            // the registry client's digest check over the whole blob (or the unpacker, should it see it first)
            assertThrows(IOException.class, () -> service.pull(ref(), null, p -> { }));
            assertFalse(service.store().content().has(layerDigest), "no blob with wrong content");
            assertEquals(List.of(), ingestFiles(), "the wrong bytes are not kept");

            Image image = service.pull(ref(), null, p -> { });
            assertEquals("-", ranges.get(2), "started over");
            assertPulled(service, image);
        }
    }

    @Test
    void aPartialFileLongerThanTheBlobIsDropped() throws Exception {
        layerRequests.set(1); // no cut
        Files.createDirectories(ingest());
        try (ImageService service = ImageService.open(root, client)) {
            byte[] tooLong = Arrays.copyOf(layer, layer.length + 10);
            Files.write(partial(), tooLong);
            Image image = service.pull(ref(), null, p -> { });
            assertEquals(List.of("-"), ranges);
            assertPulled(service, image);
        }
    }
}
