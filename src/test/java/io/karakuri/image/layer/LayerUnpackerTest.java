package io.karakuri.image.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.linux.FileSyscalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs as root, as CI does: owners, device nodes and trusted.* xattrs need it. */
class LayerUnpackerTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** A v2 vfs_cap_data (cap_setuid and cap_net_bind_service, effective): 0x80 is not UTF-8 on its own. */
    private static final byte[] CAPABILITY = {
        0x01, 0x00, 0x00, 0x02, (byte) 0x80, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };

    @TempDir
    Path tmp;
    Path store;
    Path outside;
    Path target;

    @BeforeEach
    void sandbox() throws IOException {
        store = Files.createDirectory(tmp.resolve("store"));
        outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "outside");
        target = store.resolve("layer");
    }

    private UnpackResult unpack(byte[] blob, String mediaType) throws IOException {
        return new LayerUnpacker().unpack(new ByteArrayInputStream(blob), mediaType, Digest.sha256(blob), null, target);
    }

    private Map<String, Object> attrs(String path) throws IOException {
        return Files.readAttributes(target.resolve(path), "unix:*", NOFOLLOW);
    }

    /** The unpack fails with a message naming the entry and the reason, and leaves nothing anywhere. */
    private LayerException refused(byte[] tar, String entry, String reason) throws IOException {
        LayerException e = assertThrows(LayerException.class, () -> unpack(tar, MediaTypes.OCI_LAYER));
        String expected = "entry \"" + entry + "\": " + reason;
        assertTrue(e.getMessage().contains(expected), () -> "message: " + e.getMessage() + "\nexpected: " + expected);
        assertTrue(e.getMessage().startsWith("layer " + Digest.sha256(tar) + ": "), e.getMessage());
        assertNothingLeft();
        return e;
    }

    private void assertNothingLeft() throws IOException {
        try (Stream<Path> s = Files.list(store)) {
            assertEquals(List.of(), s.toList(), "the store holds nothing: no layer, no temporary directory");
        }
        try (Stream<Path> s = Files.walk(outside)) {
            assertEquals(List.of(outside, outside.resolve("keep")), s.sorted().toList());
        }
        assertEquals("outside", Files.readString(outside.resolve("keep")));
    }

    @Test
    void keepsFilesDirectoriesLinksDevicesOwnersModesTimesAndXattrs() throws IOException {
        byte[] tar = new TestTar()
                .dir("etc", 0750).entry("etc/", TarConstants.LF_DIR, null, e -> {
                    e.setMode(0750);
                    e.setUserId(1000);
                    e.setGroupId(1001);
                    e.setModTime(1_500_000_000_000L);
                })
                .pax(Map.of("SCHILY.xattr.user.comment", "hosts".getBytes(StandardCharsets.UTF_8),
                        "mtime", "1400000000.123456789".getBytes(StandardCharsets.UTF_8)))
                .file("etc/hosts", "127.0.0.1 localhost\n".getBytes(StandardCharsets.UTF_8), e -> {
                    e.setUserId(1000);
                    e.setGroupId(1001);
                    e.setMode(0640);
                })
                .paxXattrs(Map.of("security.capability", CAPABILITY))
                .file("bin/ping", "ELF".getBytes(StandardCharsets.UTF_8), e -> e.setMode(04755))
                .file("bin/sg", "x".getBytes(StandardCharsets.UTF_8), e -> {
                    e.setMode(02711);
                    e.setGroupId(42);
                })
                .dir("tmp", 01777)
                .hardLink("bin/ping-again", "bin/ping")
                .symlink("etc/abs", "/etc/passwd")
                .symlink("etc/rel", "../../../outside")
                .entry("dev/null", TarConstants.LF_CHR, null, e -> {
                    e.setDevMajor(1);
                    e.setDevMinor(3);
                    e.setMode(0666);
                })
                .entry("dev/loop300", TarConstants.LF_BLK, null, e -> {
                    e.setDevMajor(7);
                    e.setDevMinor(300);
                    e.setMode(0660);
                    e.setGroupId(6);
                })
                .entry("run/fifo", TarConstants.LF_FIFO, null, e -> e.setMode(0620))
                .tar();
        byte[] blob = TestTar.gzip(tar);
        UnpackResult r = new LayerUnpacker().unpack(new ByteArrayInputStream(blob), MediaTypes.OCI_LAYER_GZIP,
                Digest.sha256(blob), Digest.sha256(tar), target);

        assertEquals(Digest.sha256(blob), r.digest());
        Files.walk(target).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        UnpackResult unchecked = new LayerUnpacker().unpack(new ByteArrayInputStream(blob), MediaTypes.OCI_LAYER_GZIP,
                null, Digest.sha256(tar), target); // the caller checks the blob: the diff id is still checked
        assertEquals(null, unchecked.digest());
        assertEquals(Digest.sha256(tar), unchecked.diffId());
        assertEquals(Digest.sha256(tar), r.diffId());
        assertEquals(20 + 3 + 1, r.size());
        assertEquals(target.toAbsolutePath(), r.directory());

        Map<String, Object> etc = attrs("etc");
        assertEquals(040750, etc.get("mode"));
        assertEquals(1000, etc.get("uid"));
        assertEquals(1001, etc.get("gid"));
        assertEquals(FileTime.fromMillis(1_500_000_000_000L), etc.get("lastModifiedTime"), "set after its content");

        Map<String, Object> hosts = attrs("etc/hosts");
        assertEquals(0100640, hosts.get("mode"));
        assertEquals(1000, hosts.get("uid"));
        assertEquals(FileTime.from(java.time.Instant.ofEpochSecond(1_400_000_000L, 123_456_789)),
                hosts.get("lastModifiedTime"));
        assertEquals("127.0.0.1 localhost\n", Files.readString(target.resolve("etc/hosts")));
        assertArrayEquals("hosts".getBytes(StandardCharsets.UTF_8), xattr("etc/hosts", "user.comment"));

        assertEquals(0104755, attrs("bin/ping").get("mode"), "setuid survives the chown");
        assertArrayEquals(CAPABILITY, xattr("bin/ping", "security.capability"), "binary xattr, byte for byte");
        assertEquals(attrs("bin/ping").get("ino"), attrs("bin/ping-again").get("ino"));
        assertEquals(2, attrs("bin/ping").get("nlink"));
        assertEquals(0102711, attrs("bin/sg").get("mode"));
        assertEquals(42, attrs("bin/sg").get("gid"));
        assertEquals(041777, attrs("tmp").get("mode"));
        assertEquals(040755, attrs("bin").get("mode"), "a missing parent is made 0755");

        assertEquals(Path.of("/etc/passwd"), Files.readSymbolicLink(target.resolve("etc/abs")));
        assertEquals(Path.of("../../../outside"), Files.readSymbolicLink(target.resolve("etc/rel")));
        assertEquals(FileTime.fromMillis(TestTar.MTIME * 1000), attrs("etc/abs").get("lastModifiedTime"));

        FileSyscalls.Stat nul = FileSyscalls.lstat(target.resolve("dev/null").toString());
        assertEquals(FileSyscalls.S_IFCHR | 0666, nul.mode());
        assertEquals(1, nul.rdevMajor());
        assertEquals(3, nul.rdevMinor());
        FileSyscalls.Stat loop = FileSyscalls.lstat(target.resolve("dev/loop300").toString());
        assertEquals(FileSyscalls.S_IFBLK | 0660, loop.mode());
        assertEquals(7, loop.rdevMajor());
        assertEquals(300, loop.rdevMinor());
        assertEquals(6, loop.gid());
        assertEquals(FileSyscalls.S_IFIFO | 0620, FileSyscalls.lstat(target.resolve("run/fifo").toString()).mode());

        assertEquals(040755, attrs("").get("mode"), "the layer's root");
        assertEquals(List.of(target), listStore(), "renamed into place, no temporary directory left");
    }

    @Test
    void readsZstdPlainTarAndSniffsUnknownTypes() throws IOException {
        TestTar t = new TestTar().file("a", "zstd");
        byte[] tar = t.tar();
        for (Object[] c : new Object[][] {
            {TestTar.zstd(tar), MediaTypes.OCI_LAYER_ZSTD},
            {tar, MediaTypes.OCI_LAYER},
            {TestTar.zstd(tar), MediaTypes.OCI_LAYER},
            {TestTar.gzip(tar), "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"},
            {TestTar.gzip(tar), null},
            {tar, null},
        }) {
            UnpackResult r = unpack((byte[]) c[0], (String) c[1]);
            assertEquals(Digest.sha256(tar), r.diffId(), String.valueOf(c[1]));
            assertEquals("zstd", Files.readString(target.resolve("a")));
            FileSystemsCleanup.remove(target);
        }
    }

    @Test
    void whiteoutsAndOpaqueDirectories() throws IOException {
        byte[] tar = new TestTar()
                .dir("d", 0755)
                .file("d/.wh..wh..opq", "")
                .file(".wh.gone", "")
                .file("d/.wh.old", "")
                .file("fresh/.wh..wh..opq", "")
                .tar();
        unpack(tar, MediaTypes.OCI_LAYER);
        FileSyscalls.Stat gone = FileSyscalls.lstat(target.resolve("gone").toString());
        assertEquals(FileSyscalls.S_IFCHR, gone.type());
        assertEquals(0, gone.rdevMajor());
        assertEquals(0, gone.rdevMinor());
        assertEquals(FileSyscalls.S_IFCHR, FileSyscalls.lstat(target.resolve("d/old").toString()).type());
        assertArrayEquals(new byte[] {'y'}, xattr("d", "trusted.overlay.opaque"));
        assertArrayEquals(new byte[] {'y'}, xattr("fresh", "trusted.overlay.opaque"));
        assertNull(xattr("", "trusted.overlay.opaque"));
        assertFalse(Files.exists(target.resolve(".wh.gone"), NOFOLLOW));
        assertFalse(Files.exists(target.resolve("d/.wh..wh..opq"), NOFOLLOW));
    }

    @Test
    void refusesOtherWhiteoutsAndOverlayXattrs() throws IOException {
        refused(new TestTar().file(".wh..wh.plnk", "").tar(), ".wh..wh.plnk", "unsupported whiteout name");
        refused(new TestTar().file("a/.wh.", "").tar(), "a/.wh.", "unsupported whiteout name");
        refused(new TestTar().dir("up", 0755).paxXattrs(Map.of("trusted.overlay.redirect", "/etc".getBytes()))
                .dir("x", 0755).tar(), "x", "xattr trusted.overlay.redirect is overlayfs's own");
    }

    @Test
    void refusesDotDotAboveTheRoot() throws IOException {
        refused(new TestTar().raw("../outside/pwned", '0', "x".getBytes(), "").tar(), "../outside/pwned",
                "path leaves the layer");
        refused(new TestTar().file("a/b", "ok").raw("a/../../outside/pwned", '0', "x".getBytes(), "").tar(),
                "a/../../outside/pwned", "path leaves the layer");
        refused(new TestTar().raw("/../outside/pwned", '5', new byte[0], "").tar(), "/../outside/pwned",
                "path leaves the layer");
    }

    @Test
    void takesAbsoluteNamesRelativeToTheRoot() throws IOException {
        byte[] tar = new TestTar().raw(outside.resolve("pwned").toString(), '0', "in".getBytes(), "")
                .raw("/a/../b", '0', "b".getBytes(), "").tar();
        unpack(tar, MediaTypes.OCI_LAYER);
        assertEquals("in", Files.readString(target.resolve(outside.toString().substring(1)).resolve("pwned")));
        assertEquals("b", Files.readString(target.resolve("b")));
        assertFalse(Files.exists(outside.resolve("pwned")));
    }

    @Test
    void refusesToWriteThroughSymbolicLinks() throws IOException {
        refused(new TestTar().symlink("abs", outside.toString()).file("abs/pwned", "x").tar(), "abs/pwned",
                "path goes through a symbolic link");
        refused(new TestTar().symlink("rel", "../../outside").file("rel/pwned", "x").tar(), "rel/pwned",
                "path goes through a symbolic link");
        refused(new TestTar().dir("d", 0755).symlink("d/up", "../..").dir("d/up/outside/newdir", 0755).tar(),
                "d/up/outside/newdir", "path goes through a symbolic link");
        // even one that stays inside the layer: no real file system tar has a member below a link
        refused(new TestTar().dir("real", 0755).symlink("alias", "real").file("alias/f", "x").tar(), "alias/f",
                "path goes through a symbolic link");
        refused(new TestTar().symlink("abs", outside.toString()).raw("abs/../abs/pwned", '0', "x".getBytes(), "")
                .tar(), "abs/../abs/pwned", "path goes through a symbolic link");
    }

    @Test
    void refusesHardLinksOutOfTheLayerOrThroughLinks() throws IOException {
        refused(new TestTar().hardLink("h", "../outside/keep").tar(), "h",
                "hard link target \"../outside/keep\": path leaves the layer");
        refused(new TestTar().symlink("s", outside.toString()).hardLink("h", "s/keep").tar(), "h",
                "hard link target \"s/keep\": path goes through a symbolic link");
        refused(new TestTar().symlink("s", "../../outside").hardLink("h", "s/keep").tar(), "h",
                "hard link target \"s/keep\": path goes through a symbolic link");
        // an absolute target is inside the layer, where there is no such file
        String absolute = outside.resolve("keep").toString();
        refused(new TestTar().hardLink("h", absolute).tar(), "h",
                "hard link target \"" + absolute + "\": no such file or directory in the layer");
        refused(new TestTar().dir("d", 0755).hardLink("h", "d/missing").tar(), "h",
                "hard link target \"d/missing\": no such file or directory in the layer");
        refused(new TestTar().dir("d", 0755).hardLink("h", "d").tar(), "h",
                "hard link target \"d\": Operation not permitted");
    }

    @Test
    void hardLinkToASymbolicLinkLinksTheLinkItself() throws IOException {
        unpack(new TestTar().symlink("s", outside.resolve("keep").toString()).hardLink("h", "s").tar(), null);
        assertTrue(Files.isSymbolicLink(target.resolve("h")));
        assertEquals(attrs("s").get("ino"), attrs("h").get("ino"));
        assertNothingOutsideChanged();
    }

    @Test
    void refusesOverlongNames() throws IOException {
        String component = "n".repeat(256);
        refused(new TestTar().file(component, "x").tar(), component.substring(0, 100) + "…" + component.substring(157), "a component of 256 bytes is too long");
        String path = ("d".repeat(200) + "/").repeat(21) + "f";
        refused(new TestTar().file(path, "x").tar(), path.substring(0, 100) + "…" + path.substring(path.length() - 99),
                "name of 4222 bytes is too long (at most 4095)");
        unpack(new TestTar().file("n".repeat(255), "ok").tar(), null);
        assertEquals("ok", Files.readString(target.resolve("n".repeat(255))));
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws IOException {
        byte[] tar = new TestTar()
                .file("f", "first")
                .file("f", "second")
                .symlink("s", outside.resolve("keep").toString())
                .file("s", "replaces the link, not its target")
                .dir("d", 0700).file("d/inner", "kept")
                .entry("d", TarConstants.LF_DIR, null, e -> {
                    e.setMode(0751);
                    e.setUserId(7);
                })
                .dir("gone", 0755).file("gone/inner", "x").dir("gone/sub", 0755)
                .file("gone", "a file now")
                .file("was-file", "x").dir("was-file", 0755)
                .dir("linked", 0755).symlink("linked", "/")
                .file("c/sub/x", "1").file("c", "now a file").dir("c", 0755).file("c/sub/y", "2")
                .symlink("sd", outside.toString()).dir("sd", 0777)
                .symlink("sf", outside.resolve("keep").toString()).entry("sf", TarConstants.LF_FIFO, null, e -> {})
                .tar();
        Object outsideMode = Files.getAttribute(outside, "unix:mode");
        unpack(tar, null);
        assertTrue(Files.isDirectory(target.resolve("sd"), NOFOLLOW), "a directory replaces the link");
        assertEquals(040777, attrs("sd").get("mode"));
        assertEquals(outsideMode, Files.getAttribute(outside, "unix:mode"), "not chmod-ed through the link");
        assertEquals(FileSyscalls.S_IFIFO, FileSyscalls.lstat(target.resolve("sf").toString()).type());
        assertEquals("second", Files.readString(target.resolve("f")));
        assertFalse(Files.isSymbolicLink(target.resolve("s")));
        assertEquals("replaces the link, not its target", Files.readString(target.resolve("s")));
        assertEquals("kept", Files.readString(target.resolve("d/inner")));
        assertEquals(040751, attrs("d").get("mode"));
        assertEquals(7, attrs("d").get("uid"));
        assertEquals("a file now", Files.readString(target.resolve("gone")));
        assertTrue(Files.isDirectory(target.resolve("was-file"), NOFOLLOW));
        assertEquals(Path.of("/"), Files.readSymbolicLink(target.resolve("linked")));
        assertFalse(Files.exists(target.resolve("c/sub/x")));
        assertEquals("2", Files.readString(target.resolve("c/sub/y")));
        assertNothingOutsideChanged();
    }

    @Test
    void refusesWrongDigestsAndLeavesNothing() throws IOException {
        byte[] tar = new TestTar().dir("d", 0755).file("d/f", "content").tar();
        byte[] blob = TestTar.gzip(tar);
        Digest wrong = Digest.sha256("other".getBytes());
        LayerException e = assertThrows(LayerException.class, () -> new LayerUnpacker().unpack(
                new ByteArrayInputStream(blob), MediaTypes.OCI_LAYER_GZIP, wrong, null, target));
        assertEquals("layer " + wrong + ": the blob's digest is " + Digest.sha256(blob) + " (" + blob.length
                + " bytes): corrupt or not this layer", e.getMessage());
        assertNothingLeft();

        e = assertThrows(LayerException.class, () -> new LayerUnpacker().unpack(
                new ByteArrayInputStream(blob), MediaTypes.OCI_LAYER_GZIP, Digest.sha256(blob), wrong, target));
        assertTrue(e.getMessage().endsWith("the diff id is " + Digest.sha256(tar) + ", expected " + wrong), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void digestsCoverBytesAfterTheEndOfTheTar() throws IOException {
        byte[] tar = new TestTar().file("f", "x").tar();
        byte[] padded = Arrays.copyOf(tar, tar.length + 10240); // as tar(1) pads to its record size
        byte[] blob = TestTar.gzip(padded);
        UnpackResult r = unpack(blob, MediaTypes.OCI_LAYER_GZIP);
        assertEquals(Digest.sha256(padded), r.diffId());
    }

    @Test
    void refusesTruncatedStreams() throws IOException {
        byte[] random = new byte[100_000];
        new java.util.Random(1).nextBytes(random);
        byte[] tar = new TestTar().file("big", random, e -> {}).file("after", "x").tar();
        byte[] gz = TestTar.gzip(tar);
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        LayerException e = assertThrows(LayerException.class, () -> unpack(cut, MediaTypes.OCI_LAYER_GZIP));
        assertTrue(e.getMessage().contains("entry \"big\""), e.getMessage());
        assertNothingLeft();

        byte[] plainCut = Arrays.copyOf(tar, 50_000);
        e = assertThrows(LayerException.class, () -> unpack(plainCut, MediaTypes.OCI_LAYER));
        assertTrue(e.getMessage().endsWith("entry \"big\": truncated tar stream"), e.getMessage());
        assertNothingLeft();

        byte[] headerCut = Arrays.copyOf(tar, 512 + 100_352 + 100);
        e = assertThrows(LayerException.class, () -> unpack(headerCut, MediaTypes.OCI_LAYER));
        assertTrue(e.getMessage().endsWith("truncated tar stream (after entry \"big\")"), e.getMessage());
        assertNothingLeft();

        byte[] headerOnly = new TestTar().file("f", "x").pax(Map.of("path", "lost".getBytes())).tar();
        e = assertThrows(LayerException.class, () -> unpack(headerOnly, null));
        assertTrue(e.getMessage().endsWith("an extended header without its entry (after entry \"f\")"), e.getMessage());
        assertNothingLeft();

        byte[] zst = TestTar.zstd(tar);
        byte[] zstCut = Arrays.copyOf(zst, zst.length - 5);
        assertThrows(LayerException.class, () -> unpack(zstCut, MediaTypes.OCI_LAYER_ZSTD));
        assertNothingLeft();
    }

    @Test
    void refusesWhatIsNotATar() throws IOException {
        byte[] junk = "this is not a tar archive, just text".repeat(20).getBytes();
        LayerException e = assertThrows(LayerException.class, () -> unpack(junk, null));
        assertTrue(e.getMessage().contains("not a tar stream"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void readsGnuLongNamesAndBase256Numbers() throws IOException {
        String dir = "long-".repeat(30);
        String link = "target-".repeat(20);
        byte[] tar = new TestTar(true)
                .file(dir + "/file", "x".getBytes(), e -> {
                    e.setUserId(3_000_000);
                    e.setGroupId(2_500_000);
                })
                .symlink(dir + "/link", link)
                .raw("PaxHeaders/global", 'g', TestTar.paxRecord("path", "ignored".getBytes()), "")
                .file("after-global", "y")
                .tar();
        unpack(tar, null);
        assertEquals(3_000_000, attrs(dir + "/file").get("uid"));
        assertEquals(2_500_000, attrs(dir + "/file").get("gid"));
        assertEquals(Path.of(link), Files.readSymbolicLink(target.resolve(dir + "/link")));
        assertEquals("y", Files.readString(target.resolve("after-global")));
    }

    @Test
    void refusesSparseFilesAndUnknownTypes() throws IOException {
        LayerException e = assertThrows(LayerException.class, () -> unpack(new TestTar()
                .pax(Map.of("GNU.sparse.major", "1".getBytes(), "GNU.sparse.minor", "0".getBytes()))
                .file("sparse", "x").tar(), null));
        assertTrue(e.getMessage().endsWith("sparse files are not supported"), e.getMessage());
        assertNothingLeft();
        refused(new TestTar().raw("volume", 'V', new byte[0], "").tar(), "volume", "unsupported tar entry type 'V'");
    }

    @Test
    void xattrsASymbolicLinkCannotHoldAreWarnings() throws IOException {
        UnpackResult r = unpack(new TestTar()
                .paxXattrs(Map.of("user.note", "x".getBytes(), "trusted.note", new byte[] {(byte) 0xff, 0}))
                .symlink("s", "/nowhere").tar(), null);
        assertEquals(List.of("xattr user.note left out: Operation not permitted"), r.warnings());
        assertArrayEquals(new byte[] {(byte) 0xff, 0}, xattr("s", "trusted.note"));
    }

    @Test
    void rootEntryAndDirectoryXattrs() throws IOException {
        unpack(new TestTar()
                .entry("./", TarConstants.LF_DIR, null, e -> {
                    e.setMode(0711);
                    e.setModTime(1_000_000_000_000L);
                })
                .paxXattrs(Map.of("trusted.dir", new byte[] {(byte) 0xc3, 0x28}))
                .dir("d", 0755)
                .file("./d/f", "x")
                .tar(), null);
        assertEquals(040711, attrs("").get("mode"));
        assertEquals(FileTime.fromMillis(1_000_000_000_000L), attrs("").get("lastModifiedTime"));
        assertArrayEquals(new byte[] {(byte) 0xc3, 0x28}, xattr("d", "trusted.dir"));
    }

    @Test
    void refusesARootThatIsNotADirectory() throws IOException {
        refused(new TestTar().raw("./", '0', new byte[0], "").tar(), "./", "names the layer's root but is not a directory");
    }

    /** Corrupted tars (bytes flipped at random): a LayerException or a layer, never an escape or a leftover. */
    @Test
    void survivesCorruptedTars() throws IOException {
        byte[] good = new TestTar().dir("d", 0755).symlink("d/s", "../..").file("d/f", "content")
                .hardLink("h", "d/f").paxXattrs(Map.of("user.x", CAPABILITY)).file("g", "y")
                .file(".wh.w", "").tar();
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 300; i++) {
            byte[] bad = good.clone();
            for (int n = 0; n < 1 + random.nextInt(4); n++) {
                int at = random.nextInt(bad.length);
                bad[at] = switch (random.nextInt(4)) {
                    case 0 -> '/';
                    case 1 -> '.';
                    case 2 -> 0;
                    default -> (byte) random.nextInt(256);
                };
            }
            try {
                unpack(bad, null);
                FileSystemsCleanup.remove(target);
            } catch (LayerException expected) {
                assertNothingLeft();
            }
            assertNothingOutsideChanged();
        }
    }

    @Test
    void refusesAnExistingTarget() throws IOException {
        Files.createDirectory(target);
        byte[] tar = new TestTar().file("f", "x").tar();
        assertThrows(FileAlreadyExistsException.class, () -> unpack(tar, null));
    }

    @Test
    void keepsNamesThatAreNotUtf8() throws IOException {
        byte[] name = {'c', 'a', 'f', (byte) 0xe9};
        unpack(new TestTar().raw(name, '0', "latin-1".getBytes(), "").tar(), null);
        boolean found = false;
        for (FileSyscalls.DirEntry e : listRaw()) {
            found |= Arrays.equals(name, e.name());
        }
        assertTrue(found);
    }

    private List<FileSyscalls.DirEntry> listRaw() {
        int fd = FileSyscalls.openat2(-100, target.toString().getBytes(), FileSyscalls.O_RDONLY
                | FileSyscalls.O_DIRECTORY, 0, 0);
        try {
            return FileSyscalls.readDirectory(fd);
        } finally {
            FileSyscalls.close(fd);
        }
    }

    private void assertNothingOutsideChanged() throws IOException {
        try (Stream<Path> s = Files.walk(outside)) {
            assertEquals(List.of(outside, outside.resolve("keep")), s.sorted().toList());
        }
        assertEquals("outside", Files.readString(outside.resolve("keep")));
    }

    private List<Path> listStore() throws IOException {
        try (Stream<Path> s = Files.list(store)) {
            return s.toList();
        }
    }

    private byte[] xattr(String path, String name) {
        return FileSyscalls.lgetxattr(target.resolve(path).toString(), name);
    }

    /** Removes an unpacked layer between cases (plain recursion: the tests' own files). */
    private static final class FileSystemsCleanup {
        static void remove(Path dir) throws IOException {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
