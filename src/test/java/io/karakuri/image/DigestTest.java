package io.karakuri.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
    private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void parsesAndPrints() {
        Digest d = Digest.parse("sha256:" + EMPTY);
        assertEquals("sha256", d.algorithm());
        assertEquals("sha256:" + EMPTY, d.toString());
        assertEquals("e3b0c44298fc", d.shortHex());
        assertEquals(d, Digest.sha256("".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void refusesWhatCouldNameAnotherFile() {
        assertEquals("invalid digest \"abc\": algorithm:hex expected",
                assertThrows(IllegalArgumentException.class, () -> Digest.parse("abc")).getMessage());
        assertEquals("unsupported digest algorithm \"md5\" (sha256 or sha512)",
                assertThrows(IllegalArgumentException.class, () -> Digest.parse("md5:" + EMPTY)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:../../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + EMPTY.toUpperCase()));
        assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + EMPTY + "00"));
    }
}
