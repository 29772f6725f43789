package io.karakuri.image.layer;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds layer tars for the tests: ordinary entries with commons-compress's TarArchiveOutputStream,
 * hostile or binary ones ({@link #raw}, {@link #paxXattrs}) as bytes written between its entries (its
 * block size is one record, so it has flushed all it wrote after each entry).
 */
final class TestTar {
    static final long MTIME = 1_600_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, 512);

    TestTar() {
        this(false);
    }

    /** gnu: GNU's format (long names in 'L' and 'K' members, big numbers in base 256), else PAX. */
    TestTar(boolean gnu) {
        tar.setLongFileMode(gnu ? TarArchiveOutputStream.LONGFILE_GNU : TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(gnu ? TarArchiveOutputStream.BIGNUMBER_STAR : TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(!gnu);
    }

    TestTar dir(String name, int mode) {
        return entry(name, TarConstants.LF_DIR, null, e -> e.setMode(mode));
    }

    TestTar file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), e -> {});
    }

    TestTar file(String name, byte[] content, Consumer<TarArchiveEntry> tweak) {
        return entry(name, TarConstants.LF_NORMAL, content, tweak);
    }

    TestTar symlink(String name, String target) {
        return entry(name, TarConstants.LF_SYMLINK, null, e -> e.setLinkName(target));
    }

    TestTar hardLink(String name, String target) {
        return entry(name, TarConstants.LF_LINK, null, e -> e.setLinkName(target));
    }

    TestTar entry(String name, byte type, byte[] content, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setModTime(MTIME * 1000);
        e.setUserId(0);
        e.setGroupId(0);
        if (type == TarConstants.LF_DIR) {
            e.setMode(0755);
        } else if (type == TarConstants.LF_NORMAL) {
            e.setMode(0644);
        }
        if (content != null) {
            e.setSize(content.length);
        }
        tweak.accept(e);
        try {
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return this;
    }

    /** A PAX header carrying SCHILY.xattr records with exactly these value bytes, for the next entry. */
    TestTar paxXattrs(Map<String, byte[]> xattrs) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        xattrs.forEach((name, value) -> records.writeBytes(paxRecord("SCHILY.xattr." + name, value)));
        return raw("PaxHeaders/x", 'x', records.toByteArray(), "");
    }

    /** A PAX header with these records, as bytes, for the next entry. */
    TestTar pax(Map<String, byte[]> records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        records.forEach((key, value) -> out.writeBytes(paxRecord(key, value)));
        return raw("PaxHeaders/x", 'x', out.toByteArray(), "");
    }

    /** One PAX record, "LENGTH KEY=VALUE\n", its length counting its own digits. */
    static byte[] paxRecord(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int rest = 1 + k.length + 1 + value.length + 1;
        int length = rest + 1;
        while (length != rest + String.valueOf(length).length()) {
            length = rest + String.valueOf(length).length();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((length + " " + key + "=").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(value);
        out.write('\n');
        return out.toByteArray();
    }

    /** A ustar member written byte by byte: any name (up to 100 bytes), type and link name. */
    TestTar raw(String name, char type, byte[] content, String link) {
        return raw(name.getBytes(StandardCharsets.UTF_8), type, content, link);
    }

    TestTar raw(byte[] name, char type, byte[] content, String link) {
        byte[] h = new byte[512];
        System.arraycopy(name, 0, h, 0, name.length);
        octal(h, 100, 8, type == '5' ? 0755 : 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, content.length);
        octal(h, 136, 12, MTIME);
        h[156] = (byte) type;
        byte[] l = link.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(l, 0, h, 157, l.length);
        System.arraycopy("ustar\00000".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        bytes.writeBytes(h);
        bytes.writeBytes(content);
        bytes.writeBytes(new byte[(512 - content.length % 512) % 512]);
        return this;
    }

    private static void octal(byte[] h, int offset, int length, long value) {
        String s = Long.toOctalString(value);
        s = "0".repeat(length - 1 - s.length()) + s;
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, h, offset, length - 1);
    }

    byte[] tar() {
        try {
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    byte[] gzip() {
        return gzip(tar());
    }

    byte[] zstd() {
        return zstd(tar());
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
