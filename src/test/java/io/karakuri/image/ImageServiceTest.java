package io.karakuri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.archive.ImageArchive;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageException;
import io.karakuri.image.store.ImageStore;
import io.karakuri.image.store.TestImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's image operations over a real store in a temporary root (as root: layers keep owners). */
class ImageServiceTest {
    @TempDir
    Path root;

    @Test
    void importUnpacksAndNamesAsDockerDoes() throws Exception {
        try (ImageService service = ImageService.open(root)) {
            Image image = service.importRootfs(new ByteArrayInputStream(TestImages.tar("etc/motd", "hello\n")),
                    "busybox", null);
            assertEquals("docker.io/library/busybox:latest", image.names().getFirst().toString());
            assertEquals("busybox:latest", image.names().getFirst().familiar());
            Path layer = service.store().layerDirectory(image.layers().getFirst().chainId());
            assertEquals("hello\n", Files.readString(layer.resolve("etc/motd")));
            assertEquals(6L, image.unpackedSize());

            assertEquals(image.digest(), service.find("busybox").digest());
            assertEquals(image.digest(), service.find("docker.io/library/busybox:latest").digest());
            assertEquals(image.digest(), service.find(image.shortId()).digest());
            assertEquals(image.digest(), service.find(image.id().toString()).digest());
            assertEquals(image.digest(), service.find("busybox@" + image.digest()).digest());
            assertEquals("no such image: alpine", assertThrows(ImageException.class, () -> service.find("alpine"))
                    .getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> service.find("Busybox")).getMessage()
                    .contains("must be lowercase"));
        }
    }

    @Test
    void tagSaveLoadAndRemove() throws Exception {
        byte[] archive;
        Image image;
        try (ImageService service = ImageService.open(root)) {
            image = service.importRootfs(new ByteArrayInputStream(TestImages.tar("a", "a\n")), "app:1", "test");
            service.tag("app:1", "localhost:5000/app:2");
            assertEquals(List.of("app:1", "localhost:5000/app:2"),
                    service.find("app:1").names().stream().map(n -> n.familiar()).toList());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            service.save(List.of("app:1"), ImageArchive.Format.OCI_AND_DOCKER, out);
            archive = out.toByteArray();

            // by name only the name goes while the image has another; by id the image and its layer go
            ImageStore.Removal untag = service.remove("app:1", false);
            assertEquals(List.of(), untag.deleted());
            Path layer = service.store().layerDirectory(image.layers().getFirst().chainId());
            assertTrue(Files.isDirectory(layer));
            service.remove(image.shortId(), false);
            assertFalse(Files.exists(layer));
            assertEquals(List.of(), service.list());
        }
        try (ImageService service = ImageService.open(root)) {
            List<Image> loaded = service.load(new ByteArrayInputStream(archive));
            assertEquals(1, loaded.size());
            assertEquals(image.digest(), loaded.getFirst().digest());
            assertEquals("app:1", loaded.getFirst().names().getFirst().familiar());
            assertEquals("a\n", Files.readString(service.store().layerDirectory(
                    loaded.getFirst().layers().getFirst().chainId()).resolve("a")));
        }
    }

    @Test
    void whatACrashLeftInTheLayersIsSweptOrRedone() throws Exception {
        Image image;
        Path layer;
        try (ImageService service = ImageService.open(root)) {
            image = service.importRootfs(new ByteArrayInputStream(TestImages.tar("f", "f\n")), "x", null);
            layer = service.store().layerDirectory(image.layers().getFirst().chainId());
        }
        Path halfUnpacked = Files.createDirectories(layer.resolveSibling("." + layer.getFileName() + ".unpack-00ff"));
        Files.writeString(halfUnpacked.resolve("partial"), "");
        try (ImageService service = ImageService.open(root)) {
            assertFalse(Files.exists(halfUnpacked), "an unpack cut short is swept at open");
            assertTrue(Files.exists(layer.resolve("f")), "a finished layer stays");
        }
    }

    @Test
    void aLayerDirectoryWithoutItsMarkIsUnpackedAgain() throws Exception {
        try (ImageService service = ImageService.open(root)) {
            Digest manifest = TestImages.store(service.store().content(), "2026-01-01T00:00:00Z", true,
                    TestImages.tar("g", "good\n"));
            Image image = service.store().add(manifest, List.of());
            Path layer = service.store().layerDirectory(image.layers().getFirst().chainId());
            Files.createDirectories(layer); // renamed into place, then the crash came before markUnpacked
            Files.writeString(layer.resolve("stale"), "");
            Image unpacked = service.unpack(image);
            assertEquals(5L, unpacked.unpackedSize());
            assertEquals("good\n", Files.readString(layer.resolve("g")));
            assertFalse(Files.exists(layer.resolve("stale")));
        }
    }
}
