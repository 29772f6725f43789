package io.karakuri.image.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.state.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    @TempDir
    Path root;
    Database db;
    ContentStore content;
    ImageStore images;
    byte[] base;
    byte[] app;
    byte[] other;

    @BeforeEach
    void open() throws Exception {
        db = Database.open(root.resolve("karakuri.db"));
        content = new ContentStore(root);
        images = new ImageStore(db, content);
        base = TestImages.tar("etc/os-release", "base");
        app = TestImages.tar("app/run", "app");
        other = TestImages.tar("srv/other", "other");
    }

    @AfterEach
    void close() throws Exception {
        db.close();
    }

    private static ImageName name(String text) {
        return ImageName.parse(text);
    }

    @Test
    void addsListsAndFindsImagesWithSharedLayers() throws Exception {
        Digest m1 = TestImages.store(content, "2024-01-01T00:00:00Z", true, base);
        Digest m2 = TestImages.store(content, "2025-01-01T00:00:00Z", true, base, app);
        Image one = images.add(m1, List.of(name("base:1"), name("base:latest")));
        Image two = images.add(m2, List.of(name("localhost:5000/app")));

        assertEquals(MediaTypes.OCI_MANIFEST, two.mediaType());
        assertEquals("linux/amd64", two.platform().toString());
        assertEquals("2025-01-01T00:00:00Z", two.created());
        assertEquals(List.of(name("localhost:5000/app:latest")), two.names());
        assertEquals(ChainIds.of(List.of(Digest.sha256(base), Digest.sha256(app))), two.chainIds());
        assertEquals(Digest.sha256(base), two.layers().get(0).diffId());
        assertEquals(2, two.layers().get(0).references(), "the base layer is shared");
        assertEquals(1, two.layers().get(1).references());
        assertNull(two.layers().get(0).path(), "not unpacked");
        assertNull(two.unpackedSize());
        long expected = content.size(two.configDigest()) + content.size(two.layers().get(0).blob())
                + content.size(two.layers().get(1).blob());
        assertEquals(expected, two.size());

        List<ImageStore.Row> rows = images.rows();
        assertEquals(List.of("localhost:5000/app:latest", "docker.io/library/base:1", "docker.io/library/base:latest"),
                rows.stream().map(r -> r.repository() + ":" + r.tag()).toList(), "newest first");
        assertEquals(two.configDigest().hex().substring(0, 12), rows.getFirst().id());

        assertEquals(one.digest(), images.findByName(name("base:1")).orElseThrow().digest());
        assertTrue(images.findByName(name("base:2")).isEmpty());
        assertEquals(two.digest(), images.findByDigest(m2).orElseThrow().digest());
        assertEquals(two.digest(), images.findByDigest(two.configDigest()).orElseThrow().digest());
        assertEquals(two.digest(), images.findById(two.shortId()).orElseThrow().digest());
        assertEquals(two.digest(), images.findById(two.configDigest().toString()).orElseThrow().digest());
        assertTrue(images.findById("not-hex").isEmpty());

        // adding again only adds names
        assertEquals(3, images.add(m1, List.of(name("base:again"))).names().size());
        assertEquals(2, images.list().size());

        images.markUnpacked(two.chainIds().get(0), 100);
        images.markUnpacked(two.chainIds().get(1), 20);
        Image unpacked = images.findByDigest(m2).orElseThrow();
        assertEquals(120L, unpacked.unpackedSize());
        assertEquals("layers/sha256/" + two.chainIds().get(1).hex(), unpacked.layers().get(1).path());
        assertEquals(root.resolve(unpacked.layers().get(1).path()), images.layerDirectory(two.chainIds().get(1)));
    }

    @Test
    void taggingMovesANameAndUntaggingLeavesADanglingImage() throws Exception {
        Image one = images.add(TestImages.store(content, "2024-01-01T00:00:00Z", false, base), List.of(name("x:1")));
        Image two = images.add(TestImages.store(content, "2025-01-01T00:00:00Z", false, app), List.of());
        images.tag(two, name("x:1"));
        assertEquals(two.digest(), images.findByName(name("x:1")).orElseThrow().digest());
        assertEquals(List.of(), images.findByDigest(one.digest()).orElseThrow().names());
        List<ImageStore.Row> rows = images.rows();
        assertEquals(2, rows.size());
        assertNull(rows.get(1).repository(), "a dangling image is listed without a name");
        assertTrue(images.untag(name("x:1")));
        assertFalse(images.untag(name("x:1")));
        assertEquals(2, images.list().size(), "untag removes no image");
    }

    @Test
    void contentAPullKeepsOutlivesACollectionUntilAnImageUsesIt() throws Exception {
        Digest manifest = TestImages.store(content, "2026-01-01T00:00:00Z", true, base);
        Digest loose = content.write("a blob of a pull that failed".getBytes()).digest();
        Digest chain = ChainIds.of(List.of(Digest.sha256(base))).getFirst();
        Files.createDirectories(images.layerDirectory(chain));
        for (Digest d : content.list()) {
            images.keep(d);
        }
        images.keepLayer(chain, 4);
        assertEquals(Long.valueOf(4), images.keptLayerSize(chain));
        assertEquals(List.of(), images.collectGarbage().blobs());
        assertTrue(Files.isDirectory(images.layerDirectory(chain)), "the kept layer directory stays");

        Image image = images.add(manifest, List.of(ImageName.parse("base:1")));
        assertNull(images.keptLayerSize(chain), "an image uses it now");
        images.remove(image, false);
        assertEquals(List.of(loose), content.list(), "the image's content went with it; the loose blob is kept");
    }

    @Test
    void anAmbiguousIdPrefixIsAClearError() throws Exception {
        Map<Character, Image> byFirst = new HashMap<>();
        Image[] pair = null;
        for (int day = 1; pair == null; day++) {
            Image image = images.add(TestImages.store(content, "2024-01-%02dT00:00:00Z".formatted(day), false, base),
                    List.of());
            Image before = byFirst.putIfAbsent(image.configDigest().hex().charAt(0), image);
            if (before != null) {
                pair = new Image[] {before, image};
            }
        }
        String prefix = pair[0].configDigest().hex().substring(0, 1);
        var e = assertThrows(ImageException.class, () -> images.findById(prefix));
        assertEquals(ImageException.Kind.AMBIGUOUS, e.kind());
        assertTrue(e.getMessage().startsWith("\"" + prefix + "\" matches 2 images"), e.getMessage());
        assertEquals(pair[1].digest(), images.findById(pair[1].configDigest().hex()).orElseThrow().digest());
    }

    @Test
    void removingCollectsOnlyWhatNoOtherImageUses() throws Exception {
        Image one = images.add(TestImages.store(content, "2024-01-01T00:00:00Z", true, base), List.of(name("base:1")));
        Image two = images.add(TestImages.store(content, "2025-01-01T00:00:00Z", true, base, app),
                List.of(name("app:1"), name("app:2")));
        for (Digest chain : two.chainIds()) {
            Files.createDirectories(images.layerDirectory(chain).resolve("etc"));
            Files.writeString(images.layerDirectory(chain).resolve("etc/f"), "x");
            Files.createSymbolicLink(images.layerDirectory(chain).resolve("link"), root.resolve("karakuri.db"));
            images.markUnpacked(chain, 1);
        }

        // by name, with another name left: only untagged
        assertEquals(new ImageStore.Removal(List.of(name("app:1")), List.of()), images.remove(name("app:1"), false));
        assertTrue(images.findByDigest(two.digest()).isPresent());
        images.tag(two, name("app:1"));
        var e = assertThrows(ImageException.class, () -> images.remove(two, false));
        assertEquals(ImageException.Kind.CONFLICT, e.kind());

        ImageStore.Removal removed = images.remove(two, true);
        assertEquals(List.of(name("app:1"), name("app:2")), removed.untagged());
        assertEquals(List.of(two.digest()), removed.deleted());
        assertFalse(content.has(two.digest()));
        assertFalse(content.has(two.configDigest()));
        assertFalse(content.has(two.layers().get(1).blob()), "its own layer blob is gone");
        assertTrue(content.has(two.layers().get(0).blob()), "the shared base layer stays");
        assertFalse(Files.exists(images.layerDirectory(two.chainIds().get(1))));
        assertTrue(Files.exists(images.layerDirectory(two.chainIds().get(0))));
        assertTrue(Files.exists(root.resolve("karakuri.db")), "a link in a layer is not followed");
        assertEquals(1, images.findByDigest(one.digest()).orElseThrow().layers().getFirst().references());

        assertEquals(new ImageStore.Removal(List.of(name("base:1")), List.of(one.digest())),
                images.remove(name("base:1"), false));
        assertEquals(List.of(), content.list());
        assertFalse(Files.exists(images.layerDirectory(two.chainIds().get(0))));
        assertEquals(List.of(), images.list());
        var missing = assertThrows(ImageException.class, () -> images.remove(name("base:1"), false));
        assertEquals(ImageException.Kind.NOT_FOUND, missing.kind());
    }

    @Test
    void anImageInUseIsRefusedUnlessForcedAndItsLayersStay() throws Exception {
        Image one = images.add(TestImages.store(content, "2024-01-01T00:00:00Z", true, base), List.of(name("base:1")));
        Digest chain = one.chainIds().getFirst();
        Files.createDirectories(images.layerDirectory(chain));
        images.setUsage(new ImageUsage() {
            @Override
            public List<String> containersUsing(Image image) {
                return image.digest().equals(one.digest()) ? List.of("web") : List.of();
            }

            @Override
            public boolean layerInUse(Digest chainId) {
                return chainId.equals(chain);
            }
        });
        var e = assertThrows(ImageException.class, () -> images.remove(one, false));
        assertEquals(ImageException.Kind.IN_USE, e.kind());
        assertEquals("image " + one.shortId() + " is used by container web: remove it first, or force", e.getMessage());
        images.remove(one, true);
        assertTrue(images.list().isEmpty());
        assertTrue(Files.isDirectory(images.layerDirectory(chain)), "a container still stacks it");

        images.setUsage(ImageUsage.NONE);
        Files.write(content.path(Digest.sha256(new byte[] {1})), new byte[] {1}); // a blob no image names
        Digest stray = Digest.sha256(new byte[] {2});
        Files.createDirectories(images.layerDirectory(stray)); // a directory without a record
        ImageStore.Collected collected = images.collectGarbage();
        assertEquals(Set.of(chain, stray), Set.copyOf(collected.layers()));
        assertEquals(List.of(Digest.sha256(new byte[] {1})), collected.blobs());
        assertEquals(List.of(), content.list());
        assertFalse(Files.exists(images.layerDirectory(chain)));
    }

    @Test
    void refusesAnImageWhoseContentIsIncomplete() throws Exception {
        Digest m = TestImages.store(content, "2024-01-01T00:00:00Z", true, base, app);
        Image probe = images.add(m, List.of());
        images.remove(probe, false);
        // the layer blobs are gone now, the manifest and config stored again
        m = TestImages.store(content, "2024-01-01T00:00:00Z", true, base, app);
        content.delete(Digest.sha256(TestImages.gzip(app)));
        Digest manifest = m;
        var e = assertThrows(ImageException.class, () -> images.add(manifest, List.of(name("x:1"))));
        assertEquals(ImageException.Kind.INVALID, e.kind());
        assertTrue(e.getMessage().endsWith("is not in the content store"), e.getMessage());
        assertTrue(images.list().isEmpty());
        var notManifest = assertThrows(ImageException.class,
                () -> images.add(content.write("{\"schemaVersion\":2}".getBytes()).digest(), List.of()));
        assertEquals(ImageException.Kind.INVALID, notManifest.kind());
    }
}
