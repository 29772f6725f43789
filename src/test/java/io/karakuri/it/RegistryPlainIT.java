package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.Reference;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.registry.Platforms;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryClient.BlobPush;
import io.karakuri.image.registry.RegistryException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry client against Debian's docker-registry over plain HTTP on 127.0.0.1, and with skopeo. */
class RegistryPlainIT {
    @TempDir
    static Path dir;
    static RegistryFixture.Server registry;
    static RegistryClient client;
    static RegistryFixture.Image image;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")), null, null);
        client = RegistryClient.create(RegistryFixture.options(dir).withUploads(64 << 10, 256 << 10).withPageSize(1));
        image = RegistryFixture.image("amd64", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void pushesAndPullsBackAnImage() throws Exception {
        Reference ref = registry.ref("test/busybox:1");
        assertFalse(client.blobExists(ref, image.layer().digest()));
        // the layer (about 1 MiB) goes in 256 KiB PATCH chunks, the config in one PUT
        assertEquals(BlobPush.UPLOADED, client.pushBlob(ref, image.layer().descriptor(), image.layer().source(), null));
        assertEquals(BlobPush.UPLOADED, client.pushBlob(ref, image.config().descriptor(), image.config().source(), null));
        assertEquals(BlobPush.EXISTS, client.pushBlob(ref, image.config().descriptor(), image.config().source(), null));
        assertTrue(client.blobExists(ref, image.layer().digest()));
        assertEquals(image.digest(), client.pushManifest(ref, MediaTypes.OCI_MANIFEST, image.manifest().bytes()));

        RegistryClient.ResolvedImage pulled = client.resolve(ref);
        assertNull(pulled.index());
        assertEquals(image.digest(), pulled.manifest().digest());
        assertArrayEquals(image.manifest().bytes(), pulled.manifest().bytes());
        assertEquals(MediaTypes.OCI_MANIFEST, pulled.manifest().mediaType());
        assertEquals(ref.withDigest(image.digest()), pulled.reference());
        Descriptor layer = pulled.parsed().layers().getFirst();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        client.fetchBlob(ref, layer, sink);
        assertArrayEquals(image.layer().bytes(), sink.toByteArray());
        assertArrayEquals(image.config().bytes(), client.fetchBlobBytes(ref, pulled.parsed().config()));

        // by digest too
        assertEquals(image.digest(), client.fetchManifest(registry.ref("test/busybox@" + image.digest())).digest());
    }

    @Test
    void aBlobThatIsNotWhatItsDescriptorSaysIsRefused() throws Exception {
        Reference ref = registry.ref("test/short:1");
        image.push(client, ref, null);
        Descriptor lying = Descriptor.of(MediaTypes.OCI_CONFIG, image.config().digest(), image.config().bytes().length + 1);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.fetchBlob(ref, lying, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("the descriptor says " + (image.config().bytes().length + 1)), e.getMessage());
        // an upload whose content is not its descriptor's is cancelled before it is committed
        Descriptor wrong = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(new byte[] {1}), image.config().bytes().length);
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> client.pushBlob(ref, wrong, image.config().source(), null));
        assertTrue(u.getMessage().startsWith("the source of test/short@" + wrong.digest() + " has digest "), u.getMessage());
        assertFalse(client.blobExists(ref, wrong.parsedDigest()));
    }

    @Test
    void errorsAreSentences() throws Exception {
        image.push(client, registry.ref("test/errors:1"), null);
        RegistryException e = assertThrows(RegistryException.class,
                () -> client.fetchManifest(registry.ref("test/errors:nope")));
        assertEquals("registry " + registry.host() + ": manifest unknown: test/errors:nope", e.getMessage());
        assertTrue(e.notFound());
        assertEquals(404, e.status());

        int closed = RegistryFixture.freePort();
        RegistryException refused = assertThrows(RegistryException.class,
                () -> client.fetchManifest(Reference.parse("127.0.0.1:" + closed + "/x:1")));
        assertTrue(refused.getMessage().startsWith("registry 127.0.0.1:" + closed + ": cannot connect: "),
                refused.getMessage());
    }

    @Test
    void choosesThePlatformFromAnIndex() throws Exception {
        RegistryFixture.Image arm = RegistryFixture.image("arm64", "arm");
        Reference ref = registry.ref("test/multi:1");
        image.push(client, ref.withTag("amd64"), null);
        arm.push(client, ref.withTag("arm64"), null);
        RegistryFixture.Blob index = RegistryFixture.index(image, arm);
        assertEquals(index.digest(), client.pushManifest(ref, MediaTypes.OCI_INDEX, index.bytes()));

        RegistryClient.ResolvedImage amd = client.resolve(ref);
        assertEquals(index.digest(), amd.index().digest());
        assertEquals(image.digest(), amd.manifest().digest());
        assertEquals("linux/amd64", amd.platform().toString());
        RegistryClient.ResolvedImage a64 = client.resolve(ref, Platforms.parse("linux:arm64"));
        assertEquals(arm.digest(), a64.manifest().digest());
        RegistryException none = assertThrows(RegistryException.class,
                () -> client.resolve(ref, Platforms.parse("linux:arm:v7")));
        assertEquals("registry " + registry.host() + ": test/multi:1 has no image for linux/arm/v7 (it has: linux/amd64, "
                + "linux/arm64)", none.getMessage());
        assertTrue(client.fetchManifest(ref).isIndex());
    }

    @Test
    void listsWithPaginationDeletesByTagAndMounts() throws Exception {
        image.push(client, registry.ref("list/a:1"), null);
        image.push(client, registry.ref("list/a:2"), null);
        RegistryFixture.Image other = RegistryFixture.image("amd64", "other");
        other.push(client, registry.ref("list/a:3"), null);
        // mounted from list/a: nothing sent
        assertEquals(BlobPush.MOUNTED, client.pushBlob(registry.ref("list/b:1"), image.layer().descriptor(),
                () -> {
                    throw new AssertionError("a mounted blob is not read");
                }, "list/a"));
        // from a repository without it: the registry answers 202 and the client uploads
        assertEquals(BlobPush.UPLOADED, client.pushBlob(registry.ref("list/c:1"), image.config().descriptor(),
                image.config().source(), "list/nothing"));
        image.push(client, registry.ref("list/b:1"), "list/a");

        List<String> catalog = client.catalog(registry.host());
        assertTrue(catalog.containsAll(List.of("list/a", "list/b")), catalog.toString());
        assertEquals(catalog.stream().distinct().sorted().toList(), catalog, "each once, in order: " + catalog);
        assertEquals(Set.of("1", "2", "3"), Set.copyOf(client.tags(registry.ref("list/a"))));

        // delete by tag: the tag is resolved to its digest first
        assertEquals(other.digest(), client.deleteManifest(registry.ref("list/a:3")));
        assertThrows(RegistryException.class, () -> client.fetchManifest(registry.ref("list/a:3")));
        assertEquals(Set.of("1", "2"), Set.copyOf(client.tags(registry.ref("list/a"))));
        assertEquals(image.digest(), client.fetchManifest(registry.ref("list/a:1")).digest());
    }

    @Test
    void skopeoAndTheClientAgree() throws Exception {
        // skopeo pushes, the client pulls
        Path layout = dir.resolve("layout");
        image.writeLayout(layout, "v1");
        RegistryFixture.run(dir, "skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
                "oci:" + layout + ":v1", "docker://" + registry.host() + "/skopeo/pushed:v1");
        RegistryClient.ResolvedImage pulled = client.resolve(registry.ref("skopeo/pushed:v1"));
        assertEquals(image.digest(), pulled.manifest().digest());
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        client.fetchBlob(registry.ref("skopeo/pushed"), pulled.parsed().layers().getFirst(), sink);
        assertEquals(image.layer().digest().hex(), RegistryFixture.sha256(sink.toByteArray()));

        // the client pushes, skopeo pulls
        image.push(client, registry.ref("client/pushed:v2"), null);
        Path out = dir.resolve("out");
        RegistryFixture.run(dir, "skopeo", "--insecure-policy", "copy", "--src-tls-verify=false",
                "docker://" + registry.host() + "/client/pushed:v2", "oci:" + out + ":v2");
        String index = Files.readString(out.resolve("index.json"));
        assertEquals(image.digest().toString(),
                new ObjectMapper().readTree(index).path("manifests").get(0).path("digest").asText());
        assertArrayEquals(image.layer().bytes(), Files.readAllBytes(out.resolve("blobs/sha256/" + image.layer().digest().hex())));
        String inspected = RegistryFixture.run(dir, "skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                "docker://" + registry.host() + "/client/pushed:v2");
        assertEquals(image.digest().toString(), inspected.strip());
    }
}
