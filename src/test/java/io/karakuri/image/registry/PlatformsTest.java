package io.karakuri.image.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.Index;
import io.karakuri.image.oci.Platform;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlatformsTest {
    private static Descriptor entry(String hex, Platform p) {
        return new Descriptor(MediaTypes.OCI_MANIFEST, "sha256:" + hex.repeat(64), 10, null, null, p, null);
    }

    private final Index index = new Index(2, MediaTypes.OCI_INDEX, List.of(
            entry("a", Platform.of("linux", "amd64", null)),
            entry("b", Platform.of("linux", "arm", "v6")),
            entry("c", Platform.of("linux", "arm", "v7")),
            entry("d", Platform.of("linux", "arm64", null)),
            entry("e", Platform.of("unknown", "unknown", null))), null);

    @Test
    void parsesTheOption() {
        assertEquals("linux/amd64", Platforms.parse("linux:amd64").toString());
        assertEquals("linux/arm/v7", Platforms.parse("linux:arm:v7").toString());
        assertEquals("linux/arm64/v8", Platforms.parse("linux/aarch64").toString());
        assertEquals("linux/amd64", Platforms.parse("Linux:x86_64").toString());
        assertEquals("invalid platform \"linux\": os:arch[:variant] expected, as linux:amd64 or linux:arm:v7",
                assertThrows(IllegalArgumentException.class, () -> Platforms.parse("linux")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Platforms.parse("linux:amd64:"));
    }

    @Test
    void hostIsLinuxOnThisMachine() {
        assertEquals("linux", Platforms.host().os());
    }

    @Test
    void selectsByOsArchAndVariant() {
        assertEquals(Digest.parse("sha256:" + "a".repeat(64)), Platforms.select(index, Platforms.parse("linux:amd64"), "x").parsedDigest());
        assertEquals("sha256:" + "c".repeat(64), Platforms.select(index, Platforms.parse("linux:arm:v7"), "x").digest());
        assertEquals("sha256:" + "b".repeat(64), Platforms.select(index, Platforms.parse("linux:arm"), "x").digest());
        assertEquals("sha256:" + "d".repeat(64), Platforms.select(index, Platforms.parse("linux:arm64"), "x").digest(),
                "arm64 without a variant is arm64/v8");
        RegistryException e = assertThrows(RegistryException.class,
                () -> Platforms.select(index, Platforms.parse("linux:s390x"), "registry r: a:1"));
        assertEquals("registry r: a:1 has no image for linux/s390x (it has: linux/amd64, linux/arm/v6, linux/arm/v7, "
                + "linux/arm64, unknown/unknown)", e.getMessage());
    }
}
