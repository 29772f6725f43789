package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.ImageService;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.Progress;
import io.karakuri.image.Reference;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.TestImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's pull and push against Debian's docker-registry on 127.0.0.1: store, unpack, digests kept. */
class RegistryPullPushIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static RegistryFixture.Server registry;
    static RegistryClient client;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")), null, null);
        client = RegistryClient.create(RegistryFixture.options(dir));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void anImportedImagePushedAndPulledIntoAnotherStoreKeepsItsDigestAndFiles() throws Exception {
        Image local;
        Reference target;
        List<Progress> pushed = new ArrayList<>();
        try (ImageService source = ImageService.open(Files.createDirectories(dir.resolve("source")), client)) {
            local = source.importRootfs(new ByteArrayInputStream(TestImages.tar("etc/motd", "from the source\n")),
                    "app:1", null);
            target = source.push("app:1", registry.host(), pushed::add);
            assertEquals(registry.host() + "/app:1", target.toString());
            assertEquals("Pushed", pushed.stream().filter(p -> p.id().equals(local.layers().getFirst().blob().shortHex()))
                    .reduce((a, b) -> b).orElseThrow().status());
            pushed.clear();
            source.push("app:1", registry.host(), pushed::add);
            assertTrue(pushed.stream().anyMatch(p -> p.status().equals("Layer already exists")), pushed.toString());
        }
        try (ImageService other = ImageService.open(Files.createDirectories(dir.resolve("other")), client)) {
            List<Progress> progress = new ArrayList<>();
            Image pulled = other.pull(target.toString(), null, progress::add);
            assertEquals(local.digest(), pulled.digest());
            assertEquals(List.of(registry.host() + "/app:1"), pulled.names().stream().map(n -> n.familiar()).toList());
            assertEquals("from the source\n", Files.readString(
                    other.store().layerDirectory(pulled.layers().getFirst().chainId()).resolve("etc/motd")));
            assertTrue(progress.stream().anyMatch(p -> p.status().equals("Pull complete")), progress.toString());

            progress.clear();
            other.pull(target.toString(), null, progress::add);
            assertTrue(progress.stream().anyMatch(p -> p.status().equals("Already exists")), progress.toString());

            // known in registry/app, pushed to registry/copies/app: the registry mounts the blobs
            other.tag(target.toString(), registry.host() + "/copies/app:1");
            progress.clear();
            other.push(registry.host() + "/copies/app:1", null, progress::add);
            assertEquals(2, progress.stream().filter(p -> p.status().equals("Mounted")).count(), progress.toString());
            assertEquals(pulled.digest(), client.manifestDigest(registry.ref("copies/app:1")));
        }
    }

    @Test
    void busyboxFromTheRegistryIsUnpackedWithItsLinks() throws Exception {
        RegistryFixture.Image busybox = RegistryFixture.image("amd64", "");
        Reference ref = registry.ref("tools/busybox:1");
        busybox.push(client, ref, null);
        try (ImageService service = ImageService.open(Files.createDirectories(dir.resolve("busybox")), client)) {
            Image pulled = service.pull(ref.toString(), null, p -> { });
            assertEquals(busybox.digest(), pulled.digest());
            Path layer = service.store().layerDirectory(pulled.layers().getFirst().chainId());
            assertTrue(Files.isExecutable(layer.resolve("bin/busybox")));
            assertEquals(Path.of("busybox"), Files.readSymbolicLink(layer.resolve("bin/sh")));
            assertEquals(Files.size(Path.of("/bin/busybox")), pulled.unpackedSize());
        }
    }

    @Test
    void aHostileLayerFailsThePullAndLeavesNothing() throws Exception {
        byte[] tar = hostileTar();
        byte[] layer = gzip(tar);
        Map<String, Object> config = Map.of("architecture", "amd64", "os", "linux",
                "rootfs", Map.of("type", "layers", "diff_ids", List.of(Digest.sha256(tar).toString())));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.put("config", io.karakuri.image.oci.Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(configBytes),
                configBytes.length));
        manifest.put("layers", List.of(io.karakuri.image.oci.Descriptor.of(MediaTypes.OCI_LAYER_GZIP,
                Digest.sha256(layer), layer.length)));
        Reference ref = registry.ref("evil/escape:1");
        client.pushBlob(ref, io.karakuri.image.oci.Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(layer),
                layer.length), () -> new ByteArrayInputStream(layer), null);
        client.pushBlob(ref, io.karakuri.image.oci.Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(configBytes),
                configBytes.length), () -> new ByteArrayInputStream(configBytes), null);
        client.pushManifest(ref, MediaTypes.OCI_MANIFEST, JSON.writeValueAsBytes(manifest));

        Path root = Files.createDirectories(dir.resolve("hostile"));
        try (ImageService service = ImageService.open(root, client)) {
            IOException e = assertThrows(IOException.class, () -> service.pull(ref.toString(), null, p -> { }));
            assertTrue(e.getMessage().contains("entry \"../escaped\""), e.getMessage());
            assertEquals(List.of(), service.list());
            assertFalse(Files.exists(root.resolve("escaped")));
            try (Stream<Path> blobs = Files.list(root.resolve("content/blobs/sha256"));
                    Stream<Path> layers = Files.list(root.resolve("layers/sha256"))) {
                assertEquals(List.of(Digest.sha256(configBytes).hex()),
                        blobs.map(b -> b.getFileName().toString()).toList(), "only the (checked) config is kept");
                assertEquals(0, layers.count(), "no layer directory, finished or not");
            }
        }
    }

    @Test
    void theLayersAFailedPullFinishedAreReusedByTheNext() throws Exception {
        byte[] base = TestImages.tar("base", "shared\n");
        byte[] top = TestImages.tar("top", "top\n");
        Reference broken = pushImage("reuse/broken:1", List.of(base, top), List.of(Digest.sha256(base),
                Digest.sha256("not the top layer".getBytes())));
        Reference good = pushImage("reuse/good:1", List.of(base, top), List.of(Digest.sha256(base), Digest.sha256(top)));
        Path root = Files.createDirectories(dir.resolve("reuse"));
        try (ImageService service = ImageService.open(root, client)) {
            IOException e = assertThrows(IOException.class, () -> service.pull(broken.toString(), null, p -> { }));
            assertTrue(e.getMessage().contains("diff"), e.getMessage());
            assertEquals(List.of(), service.list());
        }
        try (ImageService service = ImageService.open(root, client)) { // a restart: the collection spares them
            List<Progress> progress = new ArrayList<>();
            Image image = service.pull(good.toString(), null, progress::add);
            String baseId = image.layers().getFirst().blob().shortHex();
            assertTrue(progress.stream().anyMatch(p -> p.id().equals(baseId) && p.status().equals("Already exists")),
                    progress.toString());
            assertTrue(progress.stream().noneMatch(p -> p.id().equals(baseId) && p.status().equals("Downloading")),
                    progress.toString());
            assertEquals(2, image.layers().stream().filter(l -> l.unpackedSize() != null).count());
            assertEquals("shared\n", Files.readString(service.store().layerDirectory(
                    image.layers().getFirst().chainId()).resolve("base")));
        }
    }

    @Test
    void aDockerSchema2ImageWithZstdAndPlainLayersIsUnpacked() throws Exception {
        byte[] zstdTar = TestImages.tar("z", "zstd\n");
        byte[] plainTar = TestImages.tar("p", "plain\n");
        Reference ref = pushImage("formats/mixed:1", MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_CONFIG,
                List.of(new Layer(MediaTypes.OCI_LAYER_ZSTD, zstd(zstdTar)), new Layer(MediaTypes.OCI_LAYER, plainTar)),
                List.of(Digest.sha256(zstdTar), Digest.sha256(plainTar)));
        try (ImageService service = ImageService.open(Files.createDirectories(dir.resolve("formats")), client)) {
            Image image = service.pull(ref.toString(), null, p -> { });
            assertEquals(MediaTypes.DOCKER_MANIFEST, image.mediaType());
            assertEquals("zstd\n", Files.readString(service.store().layerDirectory(
                    image.layers().get(0).chainId()).resolve("z")));
            assertEquals("plain\n", Files.readString(service.store().layerDirectory(
                    image.layers().get(1).chainId()).resolve("p")));
        }
    }

    private record Layer(String mediaType, byte[] blob) {
    }

    /** Pushes an OCI image of the given layer tars (gzip) whose config lists diffIds; returns its reference. */
    private static Reference pushImage(String name, List<byte[]> tars, List<Digest> diffIds) throws IOException {
        List<Layer> layers = new ArrayList<>();
        for (byte[] tar : tars) {
            layers.add(new Layer(MediaTypes.OCI_LAYER_GZIP, gzip(tar)));
        }
        return pushImage(name, MediaTypes.OCI_MANIFEST, MediaTypes.OCI_CONFIG, layers, diffIds);
    }

    private static Reference pushImage(String name, String manifestType, String configType, List<Layer> blobs,
            List<Digest> diffIds) throws IOException {
        Reference ref = registry.ref(name);
        List<io.karakuri.image.oci.Descriptor> layers = new ArrayList<>();
        for (Layer layer : blobs) {
            io.karakuri.image.oci.Descriptor d = io.karakuri.image.oci.Descriptor.of(layer.mediaType(),
                    Digest.sha256(layer.blob()), layer.blob().length);
            client.pushBlob(ref, d, () -> new ByteArrayInputStream(layer.blob()), null);
            layers.add(d);
        }
        byte[] config = JSON.writeValueAsBytes(Map.of("architecture", "amd64", "os", "linux", "rootfs",
                Map.of("type", "layers", "diff_ids", diffIds.stream().map(Digest::toString).toList())));
        io.karakuri.image.oci.Descriptor c = io.karakuri.image.oci.Descriptor.of(configType,
                Digest.sha256(config), config.length);
        client.pushBlob(ref, c, () -> new ByteArrayInputStream(config), null);
        client.pushManifest(ref, manifestType, JSON.writeValueAsBytes(new io.karakuri.image.oci.Manifest(2,
                manifestType, c, layers, null)));
        return ref;
    }

    private static byte[] zstd(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(out)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] hostileTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            byte[] data = "x\n".getBytes();
            TarArchiveEntry ok = new TarArchiveEntry("fine");
            ok.setSize(data.length);
            tar.putArchiveEntry(ok);
            tar.write(data);
            tar.closeArchiveEntry();
            TarArchiveEntry evil = new TarArchiveEntry("fine", true);
            evil.setName("../escaped");
            evil.setSize(data.length);
            tar.putArchiveEntry(evil);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }
}
