package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.store.TestImages;
import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image commands end to end: the installed karakuri talking to an installed hitoha started on a socket
 * and an image store of the test's own, with a busybox rootfs made from Debian's busybox-static.
 */
@SuppressWarnings("unchecked")
class ImagesIT {
    @TempDir
    static Path dir;

    private static Path socket;
    private static Path root;
    private static Process hitoha;

    @BeforeAll
    static void startHitoha() throws Exception {
        socket = dir.resolve("hitoha.sock");
        root = dir.resolve("root");
        ProcessBuilder pb = new ProcessBuilder(Launcher.command("hitoha")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("hitoha.log").toFile());
        pb.environment().put("QUARKUS_HTTP_DOMAIN_SOCKET", socket.toString());
        pb.environment().put("KARAKURI_ROOT", root.toString());
        pb.environment().put("KARAKURI_CONFIG_DIR", dir.resolve("etc").toString());
        hitoha = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket)) {
            assertTrue(hitoha.isAlive(), "hitoha exited: " + Files.readString(dir.resolve("hitoha.log")));
            assertTrue(System.nanoTime() < deadline, "no socket after 60 s");
            Thread.sleep(50);
        }
        Launcher.runShell("set -e; fs='" + dir + "/fs'; mkdir -p $fs/bin $fs/etc $fs/tmp $fs/root; cp /bin/busybox $fs/bin/;"
                + " for a in sh ls cat echo true; do ln -s busybox $fs/bin/$a; done;"
                + " echo 'root:x:0:0:root:/root:/bin/sh' > $fs/etc/passwd; echo 'root:x:0:' > $fs/etc/group;"
                + " tar --numeric-owner --owner=0 --group=0 -C $fs -cf '" + dir + "/busybox.tar' .").ok();
    }

    @AfterAll
    static void stopHitoha() throws Exception {
        if (hitoha != null) {
            hitoha.destroy();
            if (!hitoha.waitFor(30, TimeUnit.SECONDS)) {
                hitoha.destroyForcibly();
            }
        }
    }

    /** After each test: no image, no blob, no layer, nothing being ingested. */
    @AfterEach
    void nothingLeftBehind() throws IOException {
        String left = karakuri("images", "--format", "json").ok().out();
        for (Object row : (List<Object>) Json.parse(left)) { // a failed test's images: removed, then reported
            karakuri("rmi", "--force", JsonObject.root(row, "row").string("digest", ""));
        }
        assertEquals("[]\n", left);
        for (String sub : List.of("content/blobs/sha256", "content/ingest", "layers/sha256")) {
            Path d = root.resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> files = Files.list(d)) {
                    assertEquals(List.of(), files.toList(), sub);
                }
            }
        }
    }

    private static Launcher.Result karakuri(String... args) {
        return Launcher.run("karakuri", List.of(args), Map.of("KARAKURI_SOCKET", socket.toString()));
    }

    /** karakuri through a shell, for redirections: binary standard output, standard input from a file. */
    private static Launcher.Result shell(String redirections, String... args) {
        StringBuilder cmd = new StringBuilder("KARAKURI_SOCKET='" + socket + "' exec");
        for (String word : Launcher.command("karakuri")) {
            cmd.append(" '").append(word).append('\'');
        }
        for (String arg : args) {
            cmd.append(" '").append(arg).append('\'');
        }
        return Launcher.runShell(cmd + " " + redirections);
    }

    private static List<String> entries(Path tar) {
        return Launcher.runShell("tar -tf '" + tar + "' | sed 's|/.*|/|' | sort -u").ok().out().lines().toList();
    }

    private static void refusedCleanly(Launcher.Result r, String command) {
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("karakuri " + command + ": "), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    }

    @Test
    void importListTagSaveRemoveAndLoadBack() throws Exception {
        String id = karakuri("import", dir.resolve("busybox.tar").toString(), "busybox").ok().out().strip();
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), id);
        String shortId = id.substring(7, 19);

        List<String> table = karakuri("images").ok().out().lines().toList();
        assertEquals(3, table.size(), table.toString());
        assertTrue(table.get(0).matches("REPOSITORY \\| TAG    \\| ID           \\| SIZE +\\| CREATED"), table.get(0));
        assertTrue(table.get(1).matches("-----------\\+--------\\+--------------\\+-+\\+-+"), table.get(1));
        assertTrue(table.get(2).matches("busybox    \\| latest \\| " + shortId
                + " \\| \\d(\\.\\d+)?MB +\\| (Less than a second|1 second|\\d+ seconds|About a minute) ago"), table.get(2));
        List<Object> json = (List<Object>) Json.parse(karakuri("images", "--format", "json").ok().out());
        JsonObject row = JsonObject.root(json.getFirst(), "row");
        assertEquals(List.of("busybox", "latest", shortId), List.of(row.string("repository", null),
                row.string("tag", null), row.string("id", null)));
        assertTrue(row.integer("unpackedSize") > 1_000_000, json.toString());

        assertEquals("", karakuri("tag", "busybox", "localhost:5000/tools/busybox:1.36").ok().out());
        assertEquals(4, karakuri("images").ok().out().lines().count());

        Path both = dir.resolve("both.tar");
        Path oci = dir.resolve("oci.tar");
        Path docker = dir.resolve("docker.tar");
        assertEquals("", karakuri("save", "-o", both.toString(), "busybox").ok().out());
        Path touched = dir.resolve("touched");
        Launcher.runShell("touch '" + touched + "'").ok();
        assertEquals(Files.getPosixFilePermissions(touched), Files.getPosixFilePermissions(both)); // umask's, not 0600
        karakuri("save", "--format", "oci", "-o", oci.toString(), "busybox").ok();
        shell("> '" + docker + "'", "save", "--format", "docker", "busybox").ok();
        assertEquals(List.of("blobs/", "index.json", "manifest.json", "oci-layout", "repositories"), entries(both));
        assertEquals(List.of("blobs/", "index.json", "oci-layout"), entries(oci));
        List<String> classic = entries(docker);
        assertTrue(classic.containsAll(List.of("manifest.json", "repositories")) && !classic.contains("index.json"),
                classic.toString());

        // by name: the name goes, the image stays while it has another; the last name takes the image with it
        assertEquals("Untagged: busybox:latest\n", karakuri("rmi", "busybox").ok().out());
        String removed = karakuri("rmi", "localhost:5000/tools/busybox:1.36").ok().out();
        assertTrue(removed.matches("Untagged: localhost:5000/tools/busybox:1.36\nDeleted: sha256:[0-9a-f]{64}\n"), removed);
        assertEquals(2, karakuri("images").ok().out().lines().count());

        assertEquals("Loaded image: busybox:latest\n", karakuri("load", "-i", both.toString()).ok().out());
        String rmiById = karakuri("rmi", "--id", shortId).ok().out();
        assertTrue(rmiById.matches("Untagged: busybox:latest\nDeleted: sha256:[0-9a-f]{64}\n"), rmiById);

        assertEquals("Loaded image: busybox:latest\n", shell("< '" + oci + "'", "load").ok().out());
        assertEquals(id, "sha256:" + JsonObject.root(((List<Object>) Json.parse(karakuri("images", "--format", "json")
                .ok().out())).getFirst(), "row").string("id", "") + id.substring(19));
        karakuri("rmi", "--id", shortId).ok();

        assertEquals("Loaded image: busybox:latest\n", shell("< '" + docker + "'", "load").ok().out());
        karakuri("rmi", "--force", "busybox").ok();
    }

    @Test
    void pushAndPullThroughARegistryWithProgressAndTheConnectedRegistry() throws Exception {
        try (RegistryFixture.Server registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")),
                null, null)) {
            String host = registry.host();
            karakuri("import", dir.resolve("busybox.tar").toString(), "tools/busybox:1").ok();
            Launcher.Result push = karakuri("push", "--image", "tools/busybox:1", "--registry", host).ok();
            assertTrue(push.out().endsWith("Pushed " + host + "/tools/busybox:1\n"), push.out());
            assertTrue(push.out().lines().anyMatch(l -> l.matches("[0-9a-f]{12}: Pushed")), push.out());
            karakuri("rmi", "tools/busybox:1").ok();

            Launcher.Result pull = karakuri("pull", "--image", host + "/tools/busybox:1").ok();
            assertTrue(pull.out().lines().anyMatch(l -> l.matches("[0-9a-f]{12}: Pull complete")), pull.out());
            assertTrue(pull.out().endsWith("Pulled " + host + "/tools/busybox:1\n"), pull.out());
            assertTrue(karakuri("images").ok().out().contains(host + "/tools/busybox | 1 "), "listed");
            String digest = karakuri("pull", "-q", host + "/tools/busybox:1").ok().out();
            assertTrue(digest.matches("sha256:[0-9a-f]{64}\n"), digest);

            // connected with regctl, push needs no --registry
            karakuri("regctl", "connect", "--registry", host).ok();
            karakuri("tag", host + "/tools/busybox:1", "tools/busybox:2").ok();
            assertTrue(karakuri("push", "tools/busybox:2").ok().out().endsWith("Pushed " + host + "/tools/busybox:2\n"));
            assertEquals(List.of("1", "2"), karakuri("regctl", "get", "tag", "--repository", "tools/busybox").ok()
                    .out().lines().skip(3).toList());
            karakuri("regctl", "disconnect").ok();

            Launcher.Result missing = karakuri("pull", "--image", host + "/tools/nope:1");
            assertEquals(1, missing.code(), missing.toString()); // the progress before the failure may show
            assertEquals("karakuri pull: registry " + host + ": manifest unknown: tools/nope:1\n", missing.err());
            refusedCleanly(karakuri("push", "--image", "tools/absent:1", "--registry", host), "push");
            karakuri("rmi", "--force", host + "/tools/busybox:1").ok();
            karakuri("rmi", "--force", "tools/busybox:2");
        }
    }

    @Test
    void pullChoosesThePlatformFromATwoPlatformIndex() throws Exception {
        try (RegistryFixture.Server registry = RegistryFixture.start(Files.createDirectories(dir.resolve("index")),
                null, null);
                io.karakuri.image.registry.RegistryClient client = io.karakuri.image.registry.RegistryClient.create(
                        io.karakuri.image.registry.RegistryOptions.defaults().withCredentialFiles(null, null)
                                .withTimeout(RegistryFixture.timeout()))) {
            RegistryFixture.Image amd = RegistryFixture.image("amd64", "");
            RegistryFixture.Image arm = RegistryFixture.image("arm64", "arm");
            io.karakuri.image.Reference ref = registry.ref("multi/busybox:1");
            amd.push(client, ref.withTag("amd64"), null);
            arm.push(client, ref.withTag("arm64"), null);
            RegistryFixture.Blob index = RegistryFixture.index(amd, arm);
            client.pushManifest(ref, io.karakuri.image.MediaTypes.OCI_INDEX, index.bytes());

            assertEquals(amd.digest() + "\n", karakuri("pull", "-q", ref.toString()).ok().out(), "the host's platform");
            assertEquals(arm.digest() + "\n", karakuri("pull", "-q", "--os", "linux:arm64", ref.toString()).ok().out());
            Launcher.Result none = karakuri("pull", "--os", "linux:arm:v7", ref.toString());
            assertEquals(1, none.code(), none.toString());
            assertEquals("karakuri pull: registry " + registry.host() + ": multi/busybox:1 has no image for linux/arm/v7 "
                    + "(it has: linux/amd64, linux/arm64)\n", none.err());
            karakuri("rmi", "--force", ref.toString()).ok();
            for (Object row : (List<Object>) Json.parse(karakuri("images", "--format", "json").ok().out())) {
                karakuri("rmi", "--force", JsonObject.root(row, "row").string("digest", "")).ok();
            }
        }
    }

    @Test
    void refusalsAreOneLineAndLeaveNothing() throws Exception {
        Launcher.Result r = karakuri("rmi", "nope");
        refusedCleanly(r, "rmi");
        assertEquals("karakuri rmi: no such image: nope\n", r.err());
        assertEquals("karakuri rmi: invalid reference \"Bad\": repository name must be lowercase\n",
                karakuri("rmi", "Bad").err());
        refusedCleanly(karakuri("tag", "nope", "x"), "tag");
        assertEquals("karakuri tag: no such image: nope\n", karakuri("tag", "nope", "x").err());

        Path out = dir.resolve("never.tar");
        r = karakuri("save", "-o", out.toString(), "nope");
        refusedCleanly(r, "save");
        assertEquals("karakuri save: no such image: nope\n", r.err());
        assertFalse(Files.exists(out));

        r = karakuri("import", "/nonexistent.tar", "x");
        refusedCleanly(r, "import");
        assertEquals("karakuri import: no such file: /nonexistent.tar\n", r.err());
        r = karakuri("import", dir.resolve("busybox.tar").toString(), "Bad");
        refusedCleanly(r, "import");
        assertEquals("karakuri import: invalid reference \"Bad\": repository name must be lowercase\n", r.err());

        Path notATar = Files.writeString(dir.resolve("not.tar"), "hello\n".repeat(200));
        r = karakuri("load", "-i", notATar.toString());
        refusedCleanly(r, "load");
        assertEquals("karakuri load: not an image archive: not a tar (plain or gzip)\n", r.err());

        r = karakuri("images", "--format", "yaml");
        refusedCleanly(r, "images");
        assertEquals("karakuri images: --format is table or json, not \"yaml\"\nRun 'karakuri images --help' for usage.\n",
                r.err());
        refusedCleanly(karakuri("rmi"), "rmi");

        r = Launcher.run("karakuri", List.of("images"), Map.of("KARAKURI_SOCKET", dir.resolve("none.sock").toString()));
        refusedCleanly(r, "images");
        assertTrue(r.err().startsWith("karakuri images: cannot reach hitoha at " + dir.resolve("none.sock")), r.err());
    }

    @Test
    void anAmbiguousIdNamesTheDigests() throws Exception {
        Path twins = Files.write(dir.resolve("twins.tar"), TestImages.twinArchive("twin-a", "twin-b"));
        List<String> loaded = new ArrayList<>(karakuri("load", "-i", twins.toString()).ok().out().lines().toList());
        loaded.sort(null);
        assertEquals(List.of("Loaded image: twin-a:latest", "Loaded image: twin-b:latest"), loaded);
        String shortId = JsonObject.root(((List<Object>) Json.parse(karakuri("images", "--format", "json").ok().out()))
                .getFirst(), "row").string("id", "");
        Launcher.Result r = karakuri("rmi", "--id", shortId);
        refusedCleanly(r, "rmi");
        assertTrue(r.err().matches("karakuri rmi: \"" + shortId + "\" matches 2 images \\(manifests sha256:[0-9a-f]{64}, "
                + "sha256:[0-9a-f]{64}\\): give more of the id, or a digest\n"), r.err());
        assertEquals(4, karakuri("images").ok().out().lines().count());
        String removed = karakuri("rmi", "twin-a", "twin-b").ok().out();
        assertEquals(2, removed.lines().filter(l -> l.startsWith("Deleted: sha256:")).count(), removed);
    }
}
