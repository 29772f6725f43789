package io.karakuri.image.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tar reader alone, on well-formed and malformed input: never anything but a clear IOException. */
class TarReaderTest {

    private static List<TarEntry> read(byte[] tar) throws IOException {
        TarReader r = new TarReader(new ByteArrayInputStream(tar));
        List<TarEntry> entries = new ArrayList<>();
        for (TarEntry e; (e = r.next()) != null; ) {
            entries.add(e);
            r.content().readAllBytes();
        }
        return entries;
    }

    @Test
    void paxValuesStayBytes() throws IOException {
        byte[] value = {(byte) 0xff, 0, (byte) 0x80, '\n', '='};
        byte[] tar = new TestTar()
                .pax(Map.of("SCHILY.xattr.security.capability", value, "mtime", "-1.25".getBytes(),
                        "uid", "4000000000".getBytes(), "path", "caf\u00e9/\u65e5".getBytes(StandardCharsets.UTF_8)))
                .file("short", "x").tar();
        TarEntry e = read(tar).getFirst();
        assertArrayEquals(value, e.xattrs().get("security.capability"));
        assertEquals(-2, e.mtimeSeconds());
        assertEquals(750_000_000, e.mtimeNanos());
        assertEquals(4_000_000_000L, e.uid());
        assertEquals("caf\u00e9/\u65e5", e.displayName());
    }

    @Test
    void anEmptyStreamAndOneZeroBlockAreEmptyArchives() throws IOException {
        assertEquals(List.of(), read(new byte[0]));
        assertEquals(List.of(), read(new byte[512]));
        assertNull(new TarReader(new ByteArrayInputStream(new byte[1024])).next());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0 ", "5 a=b\n", "99999999999 a=b\n", "x a=b\n", "6 =b\n\n", "7 ab\n", "10 a=b\n"})
    void malformedPaxRecordsAreRefused(String records) {
        byte[] tar = rawPax(records.getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class, () -> read(tar));
        assertTrue(e.getMessage().startsWith("malformed PAX extended header"), e.getMessage());
    }

    private static byte[] rawPax(byte[] records) {
        return new TestTar().raw("PaxHeaders/x", 'x', records, "").raw("f", '0', new byte[0], "").tar();
    }

    @Test
    void badNumbersAreRefused() {
        byte[] tar = new TestTar().raw("f", '0', "x".getBytes(), "").tar();
        tar[124] = '9'; // size field: not octal
        fixChecksum(tar);
        IOException e = assertThrows(IOException.class, () -> read(tar));
        assertTrue(e.getMessage().contains("bad size field"), e.getMessage());

        byte[] huge = rawPaxRecord("size", "99999999999999999999");
        assertThrows(IOException.class, () -> read(huge));
        byte[] negative = rawPaxRecord("uid", "-1");
        assertThrows(IOException.class, () -> read(negative));
        byte[] mtime = rawPaxRecord("mtime", "1e9");
        assertThrows(IOException.class, () -> read(mtime));
    }

    @Test
    void oversizedExtendedHeadersAreRefused() {
        byte[] tar = new TestTar().raw("PaxHeaders/x", 'x', new byte[0], "").tar();
        // claim a 2 MiB PAX header (octal 10000000)
        System.arraycopy("00010000000".getBytes(StandardCharsets.US_ASCII), 0, tar, 124, 11);
        fixChecksum(tar);
        IOException e = assertThrows(IOException.class, () -> read(tar));
        assertTrue(e.getMessage().contains("extended header of 2097152 bytes"), e.getMessage());
    }

    private static byte[] rawPaxRecord(String key, String value) {
        return rawPax(TestTar.paxRecord(key, value.getBytes(StandardCharsets.US_ASCII)));
    }

    private static void fixChecksum(byte[] tar) {
        java.util.Arrays.fill(tar, 148, 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += tar[i] & 0xff;
        }
        byte[] s = String.format("%06o\0", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(s, 0, tar, 148, s.length);
    }
}
