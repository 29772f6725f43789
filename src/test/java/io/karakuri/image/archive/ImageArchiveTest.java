package io.karakuri.image.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.oci.ImageConfig;
import io.karakuri.image.store.ContentStore;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageException;
import io.karakuri.image.store.ImageName;
import io.karakuri.image.store.ImageStore;
import io.karakuri.image.store.TestImages;
import io.karakuri.state.Database;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageArchiveTest {
    @TempDir
    Path dir;
    Store source;
    Store target;

    /** One karakuri root: database, content, images. */
    record Store(Database db, ContentStore content, ImageStore images, ImageArchive archive) {
        static Store open(Path root) throws Exception {
            Database db = Database.open(root.resolve("karakuri.db"));
            ContentStore content = new ContentStore(root);
            ImageStore images = new ImageStore(db, content);
            return new Store(db, content, images, new ImageArchive(images));
        }
    }

    @BeforeEach
    void open() throws Exception {
        source = Store.open(dir.resolve("source"));
        target = Store.open(dir.resolve("target"));
    }

    @AfterEach
    void close() throws Exception {
        source.db().close();
        target.db().close();
    }

    private List<ImageArchive.Selection> twoImages(boolean compress) throws Exception {
        byte[] base = TestImages.tar("etc/os-release", "base");
        byte[] app = TestImages.tar("app/run", "app");
        Image one = source.images().add(TestImages.store(source.content(), "2024-01-01T00:00:00Z", compress, base),
                List.of(ImageName.parse("base:1")));
        Image two = source.images().add(TestImages.store(source.content(), "2025-01-01T00:00:00Z", compress, base, app),
                List.of(ImageName.parse("localhost:5000/app:v2"), ImageName.parse("app:latest")));
        return List.of(new ImageArchive.Selection(one, one.names()), new ImageArchive.Selection(two, two.names()));
    }

    private byte[] save(List<ImageArchive.Selection> selections, ImageArchive.Format format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        source.archive().save(selections, format, out);
        return out.toByteArray();
    }

    private static List<String> entryNames(byte[] tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        return names;
    }

    private static List<Digest> layerBlobs(Image image) {
        return image.layers().stream().map(Image.Layer::blob).toList();
    }

    @Test
    void ociRoundTripKeepsEveryDigestAndName() throws Exception {
        List<ImageArchive.Selection> selections = twoImages(true);
        byte[] tar = save(selections, ImageArchive.Format.OCI);
        assertArrayEquals(tar, save(selections, ImageArchive.Format.OCI), "saving is reproducible");
        List<String> entries = entryNames(tar);
        assertTrue(entries.containsAll(List.of("oci-layout", "index.json", "blobs/", "blobs/sha256/")), entries.toString());
        assertTrue(entries.stream().noneMatch(e -> e.equals("manifest.json")));

        List<Image> loaded = target.archive().load(new ByteArrayInputStream(tar)).images();
        assertEquals(2, loaded.size());
        for (int i = 0; i < 2; i++) {
            Image before = selections.get(i).image();
            Image after = loaded.get(i);
            assertEquals(before.digest(), after.digest());
            assertEquals(before.configDigest(), after.configDigest());
            assertEquals(layerBlobs(before), layerBlobs(after));
            assertEquals(before.chainIds(), after.chainIds());
            assertEquals(before.names(), after.names());
            assertEquals(before.size(), after.size());
        }
        assertEquals(java.util.Set.copyOf(source.content().list()), java.util.Set.copyOf(target.content().list()));
        for (Digest d : target.content().list()) {
            assertArrayEquals(source.content().read(d, 1 << 20), target.content().read(d, 1 << 20));
        }
    }

    @Test
    void dockerRoundTripKeepsConfigAndLayerBlobs() throws Exception {
        List<ImageArchive.Selection> selections = twoImages(false);
        byte[] tar = save(selections, ImageArchive.Format.DOCKER);
        List<String> entries = entryNames(tar);
        Image two = selections.get(1).image();
        assertTrue(entries.containsAll(List.of("manifest.json", "repositories", two.configDigest().hex() + ".json",
                two.layers().get(1).blob().hex() + "/layer.tar")), entries.toString());
        assertTrue(entries.stream().noneMatch(e -> e.startsWith("blobs/") || e.equals("index.json")));

        List<Image> loaded = target.archive().load(new ByteArrayInputStream(tar)).images();
        assertEquals(2, loaded.size());
        for (int i = 0; i < 2; i++) {
            Image before = selections.get(i).image();
            Image after = loaded.get(i);
            assertEquals(before.configDigest(), after.configDigest());
            assertEquals(layerBlobs(before), layerBlobs(after));
            assertEquals(before.names(), after.names());
            assertEquals(MediaTypes.OCI_LAYER, after.layers().getFirst().mediaType(), "a plain tar is seen as one");
        }
        // the manifest is written anew from manifest.json: same content, same digest here
        assertEquals(two.digest(), loaded.get(1).digest());
    }

    @Test
    void bothFormatsInOneTarAsDocker25WritesThem() throws Exception {
        List<ImageArchive.Selection> selections = twoImages(true);
        byte[] tar = save(selections, ImageArchive.Format.OCI_AND_DOCKER);
        assertTrue(entryNames(tar).containsAll(List.of("oci-layout", "index.json", "manifest.json", "repositories")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> manifest = new ObjectMapper().readValue(readEntry(tar, "manifest.json"), List.class);
        Image two = selections.get(1).image();
        assertEquals("blobs/sha256/" + two.configDigest().hex(), manifest.get(1).get("Config"));
        assertEquals(List.of("app:latest", "localhost:5000/app:v2"), manifest.get(1).get("RepoTags"));

        List<Image> loaded = target.archive().load(new ByteArrayInputStream(TestImages.gzip(tar))).images();
        assertEquals(List.of(selections.get(0).image().digest(), two.digest()), loaded.stream().map(Image::digest).toList());
        assertEquals(two.names(), loaded.get(1).names(), "no name twice");
        // by id only: no names in the archive, none when loaded
        Store third = Store.open(dir.resolve("third"));
        try {
            byte[] byId = save(List.of(new ImageArchive.Selection(two, List.of())), ImageArchive.Format.OCI_AND_DOCKER);
            Image anonymous = third.archive().load(new ByteArrayInputStream(byId)).images().getFirst();
            assertEquals(two.digest(), anonymous.digest());
            assertEquals(List.of(), anonymous.names());
        } finally {
            third.db().close();
        }
    }

    private static byte[] readEntry(byte[] tar, String name) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new AssertionError("no " + name);
    }

    // --------------------------------------------------------------------------------------- hostile archives

    private static byte[] tar(Consumer<TarArchiveOutputStream> body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            body.accept(tar);
        }
        return out.toByteArray();
    }

    private static void put(TarArchiveOutputStream tar, TarArchiveEntry e, byte[] data) {
        try {
            e.setSize(data.length);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        } catch (IOException x) {
            throw new RuntimeException(x);
        }
    }

    private String loadFails(byte[] tar) {
        var e = assertThrows(ImageException.class, () -> target.archive().load(new ByteArrayInputStream(tar)));
        assertEquals(ImageException.Kind.INVALID, e.kind());
        return e.getMessage();
    }

    @Test
    void hostileEntriesAreRefusedWithAClearError() throws Exception {
        byte[] x = "x".getBytes(StandardCharsets.UTF_8);
        assertEquals("archive entry \"../evil\" is refused: it climbs out of the archive with \"..\"",
                loadFails(tar(t -> put(t, new TarArchiveEntry("../evil"), x))));
        assertEquals("archive entry \"blobs/sha256/../../../etc/passwd\" is refused: it climbs out of the archive with \"..\"",
                loadFails(tar(t -> put(t, new TarArchiveEntry("blobs/sha256/../../../etc/passwd"), x))));
        TarArchiveEntry absolute = new TarArchiveEntry("/etc/index.json", true); // true: keep the slash
        assertEquals("archive entry \"/etc/index.json\" is refused: it is an absolute path",
                loadFails(tar(t -> put(t, absolute, x))));
        TarArchiveEntry symlink = new TarArchiveEntry("index.json", TarArchiveEntry.LF_SYMLINK);
        symlink.setLinkName("/etc/shadow");
        assertEquals("archive entry \"index.json\" is refused: it links to \"/etc/shadow\", an absolute path",
                loadFails(tar(t -> put(t, symlink, new byte[0]))));
        TarArchiveEntry climbing = new TarArchiveEntry("a/layer.tar", TarArchiveEntry.LF_SYMLINK);
        climbing.setLinkName("../../etc/passwd");
        assertEquals("archive entry \"a/layer.tar\" is refused: it links to \"../../etc/passwd\", outside the archive",
                loadFails(tar(t -> put(t, climbing, new byte[0]))));
        TarArchiveEntry hardlink = new TarArchiveEntry("manifest.json", TarArchiveEntry.LF_LINK);
        hardlink.setLinkName("etc/passwd");
        assertEquals("archive entry \"manifest.json\" links to \"etc/passwd\", which the archive does not hold",
                loadFails(tar(t -> put(t, hardlink, new byte[0]))));
        TarArchiveEntry loop1 = new TarArchiveEntry("a", TarArchiveEntry.LF_SYMLINK);
        loop1.setLinkName("b");
        TarArchiveEntry loop2 = new TarArchiveEntry("b", TarArchiveEntry.LF_SYMLINK);
        loop2.setLinkName("a");
        assertTrue(loadFails(tar(t -> {
            put(t, loop1, new byte[0]);
            put(t, loop2, new byte[0]);
        })).contains("a chain of more than 8 links"));
        TarArchiveEntry device = new TarArchiveEntry("blobs/dev", TarArchiveEntry.LF_CHR);
        String deviceMessage = loadFails(tar(t -> put(t, device, new byte[0])));
        assertTrue(deviceMessage.contains("device"), deviceMessage);
        assertTrue(loadFails(tar(t -> put(t, new TarArchiveEntry("blobs/sha256/nothex"), x))).contains("is not a blob"));
        assertEquals(List.of(), target.content().list());
    }

    @Test
    void aBlobThatDoesNotHashToItsNameIsRefusedAndNothingIsKept() throws Exception {
        byte[] good = save(twoImages(true), ImageArchive.Format.OCI);
        byte[] layer = TestImages.tar("a", "b");
        Digest claimed = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        byte[] bad = tar(t -> {
            try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(good))) {
                for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                    put(t, new TarArchiveEntry(e.getName()), in.readAllBytes());
                }
                put(t, new TarArchiveEntry("blobs/sha256/" + claimed.hex()), layer);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        String message = loadFails(bad);
        assertTrue(message.startsWith("archive entry \"blobs/sha256/" + claimed.hex() + "\": digest mismatch"), message);
        assertEquals(List.of(), target.content().list(), "what the failed load stored is deleted again");
        assertEquals(List.of(), target.images().list());
    }

    @Test
    void aLayerThatDoesNotMatchItsDiffIdIsRefused() throws Exception {
        byte[] layer = TestImages.tar("app/run", "app");
        ImageConfig config = new ImageConfig("2024-01-01T00:00:00Z", null, "amd64", "linux", null, null,
                new ImageConfig.RootFs("layers", List.of(Digest.sha256(new byte[] {1}).toString())), null);
        byte[] configBytes = new ObjectMapper().writeValueAsBytes(config);
        String configName = Digest.sha256(configBytes).hex() + ".json";
        byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"l/layer.tar\"]}]")
                .getBytes(StandardCharsets.UTF_8);
        byte[] archive = tar(t -> {
            put(t, new TarArchiveEntry("l/layer.tar"), layer);
            put(t, new TarArchiveEntry(configName), configBytes);
            put(t, new TarArchiveEntry("manifest.json"), manifest);
        });
        String message = loadFails(archive);
        assertTrue(message.contains("unpacks to " + Digest.sha256(layer) + ", but its config says"), message);
        assertEquals(List.of(), target.content().list());

        // a classic config whose name is not its digest
        byte[] renamed = tar(t -> {
            put(t, new TarArchiveEntry("l/layer.tar"), layer);
            put(t, new TarArchiveEntry("a".repeat(64) + ".json"), configBytes);
            put(t, new TarArchiveEntry("manifest.json"), ("[{\"Config\":\"" + "a".repeat(64)
                    + ".json\",\"Layers\":[\"l/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
        });
        assertTrue(loadFails(renamed).contains("not what its name says"));
        assertTrue(loadFails(tar(t -> put(t, new TarArchiveEntry("hello.txt"), new byte[1]))).contains("not an image archive"));
    }

    @Test
    void aClassicDockerArchiveWithLinkedLayersLoads() throws Exception {
        // as skopeo, podman and docker before 25 write it: <id>/layer.tar a symbolic link to ../<hex>.tar
        byte[] layer = TestImages.tar("bin/sh", "sh");
        ImageConfig config = new ImageConfig("2024-01-01T00:00:00Z", null, "amd64", "linux", null, null,
                new ImageConfig.RootFs("layers", List.of(Digest.sha256(layer).toString())), null);
        byte[] configBytes = new ObjectMapper().writeValueAsBytes(config);
        String configName = Digest.sha256(configBytes).hex() + ".json";
        String layerName = Digest.sha256(layer).hex() + ".tar";
        TarArchiveEntry link = new TarArchiveEntry("0123/layer.tar", TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("../" + layerName);
        byte[] archive = tar(t -> {
            put(t, new TarArchiveEntry(layerName), layer);
            put(t, new TarArchiveEntry(configName), configBytes);
            put(t, link, new byte[0]);
            put(t, new TarArchiveEntry("manifest.json"), ("[{\"Config\":\"" + configName
                    + "\",\"RepoTags\":[\"localhost/bb:skopeo\"],\"Layers\":[\"0123/layer.tar\"]}]")
                    .getBytes(StandardCharsets.UTF_8));
        });
        Image image = target.archive().load(new ByteArrayInputStream(archive)).images().getFirst();
        assertEquals(List.of(ImageName.parse("localhost/bb:skopeo")), image.names());
        assertEquals(Digest.sha256(layer), image.layers().getFirst().blob());
        assertEquals(Digest.sha256(configBytes), image.configDigest());
    }

    // --------------------------------------------------------------------------------------------- import

    @Test
    void importsARootfsTarAsAOneLayerImage() throws Exception {
        byte[] rootfs = tar(t -> {
            put(t, new TarArchiveEntry("bin/"), new byte[0]);
            put(t, new TarArchiveEntry("bin/sh"), "#!/bin/true\n".getBytes(StandardCharsets.UTF_8));
            put(t, new TarArchiveEntry("etc/hostname"), "box\n".getBytes(StandardCharsets.UTF_8));
        });
        var created = java.time.Instant.parse("2026-01-02T03:04:05Z");
        Image image = RootfsImport.importRootfs(target.images(), new ByteArrayInputStream(rootfs),
                List.of(ImageName.parse("imported:v1")), "from a test", created, RootfsImport.hostPlatform());
        assertEquals(List.of(ImageName.parse("imported:v1")), image.names());
        assertEquals(MediaTypes.OCI_MANIFEST, image.mediaType());
        assertEquals("2026-01-02T03:04:05Z", image.created());
        assertEquals(RootfsImport.hostPlatform().architecture(), image.platform().architecture());
        assertEquals(1, image.layers().size());
        Image.Layer layer = image.layers().getFirst();
        assertEquals(Digest.sha256(rootfs), layer.diffId());
        assertEquals(layer.diffId(), layer.chainId());
        assertEquals(MediaTypes.OCI_LAYER_GZIP, layer.mediaType());
        try (var in = new java.util.zip.GZIPInputStream(target.content().open(layer.blob()))) {
            assertArrayEquals(rootfs, in.readAllBytes());
        }
        ImageConfig config = new ObjectMapper().readValue(target.content().read(image.configDigest(), 1 << 20),
                ImageConfig.class);
        assertEquals("linux", config.os());
        assertEquals(List.of(Digest.sha256(rootfs).toString()), config.rootfs().diffIds());
        assertEquals("from a test", config.history().getFirst().comment());

        // a gzip rootfs gives the same image; the same time and platform make it reproducible
        Image again = RootfsImport.importRootfs(target.images(), new ByteArrayInputStream(TestImages.gzip(rootfs)),
                List.of(), "from a test", created, RootfsImport.hostPlatform());
        assertEquals(image.digest(), again.digest());
        // the JVM's names are mapped to OCI's (x86_64 and amd64 are both amd64, aarch64 is arm64)
        assertEquals("linux", RootfsImport.hostPlatform().os());
        assertNotEquals("x86_64", RootfsImport.hostPlatform().architecture());
        assertNotEquals("aarch64", RootfsImport.hostPlatform().architecture());

        int blobs = target.content().list().size();
        var e = assertThrows(ImageException.class, () -> RootfsImport.importRootfs(target.images(),
                new ByteArrayInputStream("not a tar at all".repeat(100).getBytes(StandardCharsets.UTF_8)), List.of(), null));
        assertEquals("the root file system to import is not a tar archive (plain or gzip)", e.getMessage());
        assertEquals(blobs, target.content().list().size());
    }
}
