package io.karakuri.image.layer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream (ustar, GNU and PAX, as Go's archive/tar writes them for Docker and BuildKit)
 * entry by entry. Its own reader rather than commons-compress's: commons-compress (1.28.0) decodes PAX
 * values as UTF-8 strings and offers no raw access, which corrupts binary xattrs such as
 * security.capability, and it normalizes names where the unpacker wants to see exactly what the
 * archive says. Input is hostile: every size is bounded, every number checked, a short stream is an
 * error.
 */
final class TarReader {
    static final int BLOCK = 512;
    /** The largest PAX or GNU long-name header accepted (Go's archive/tar has the same limit). */
    static final int MAX_SPECIAL = 1 << 20;

    private static final String XATTR = "SCHILY.xattr.";

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private final byte[] scratch = new byte[8192];
    private long remaining;
    private long padding;
    private boolean ended;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, null after the end-of-archive blocks (or a clean end of stream between entries). */
    TarEntry next() throws IOException {
        if (ended) {
            return null;
        }
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        Map<String, byte[]> pax = null;
        byte[] longName = null;
        byte[] longLink = null;
        while (true) {
            if (!readHeader()) {
                if (pax != null || longName != null || longLink != null) {
                    throw new EOFException("truncated tar stream: an extended header without its entry");
                }
                ended = true;
                return null;
            }
            byte type = header[156];
            long size = number(124, 12, "size");
            if (size < 0) {
                throw new IOException("tar header with a negative size");
            }
            switch (type) {
                case 'x', 'g', 'L', 'K' -> {
                    if (size > MAX_SPECIAL) {
                        throw new IOException("tar extended header of " + size + " bytes (at most " + MAX_SPECIAL + ")");
                    }
                    byte[] data = readFully((int) size);
                    skip(pad(size));
                    switch (type) {
                        case 'x' -> pax = parsePax(data);
                        case 'L' -> longName = untilNul(data);
                        case 'K' -> longLink = untilNul(data);
                        default -> {
                            // a global header: Docker and containerd ignore them too
                        }
                    }
                }
                default -> {
                    return entry(type, size, pax, longName, longLink);
                }
            }
        }
    }

    /** The current entry's content; what is left unread is skipped by the next call of next(). */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw truncated();
                }
                remaining -= n;
                return n;
            }
        };
    }

    private TarEntry entry(byte type, long size, Map<String, byte[]> pax, byte[] longName, byte[] longLink)
            throws IOException {
        boolean ustar = Arrays.equals(header, 257, 263, USTAR, 0, 6);
        byte[] name = field(0, 100);
        if (ustar) {
            byte[] prefix = field(345, 155);
            if (prefix.length > 0) {
                byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
                joined[prefix.length] = '/';
                System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
                name = joined;
            }
        }
        byte[] link = field(157, 100);
        long uid = number(108, 8, "uid");
        long gid = number(116, 8, "gid");
        long mtime = number(136, 12, "mtime");
        int nanos = 0;
        long major = 0;
        long minor = 0;
        if (type == TarEntry.CHAR_DEVICE || type == TarEntry.BLOCK_DEVICE) {
            major = number(329, 8, "devmajor");
            minor = number(337, 8, "devminor");
        }
        if (longName != null) {
            name = longName;
        }
        if (longLink != null) {
            link = longLink;
        }
        Map<String, byte[]> xattrs = Map.of();
        if (pax != null) {
            for (String key : pax.keySet()) {
                if (key.startsWith("GNU.sparse.")) {
                    throw new IOException("sparse files are not supported");
                }
            }
            if (pax.containsKey("path")) {
                name = pax.get("path");
            }
            if (pax.containsKey("linkpath")) {
                link = pax.get("linkpath");
            }
            if (pax.containsKey("size")) {
                size = decimal(pax.get("size"), "size");
            }
            if (pax.containsKey("uid")) {
                uid = decimal(pax.get("uid"), "uid");
            }
            if (pax.containsKey("gid")) {
                gid = decimal(pax.get("gid"), "gid");
            }
            if (pax.containsKey("mtime")) {
                long[] t = time(pax.get("mtime"));
                mtime = t[0];
                nanos = (int) t[1];
            }
            Map<String, byte[]> x = new HashMap<>();
            pax.forEach((key, value) -> {
                if (key.startsWith(XATTR) && key.length() > XATTR.length()) {
                    x.put(key.substring(XATTR.length()), value);
                }
            });
            xattrs = x;
        }
        if (type == 'S') {
            throw new IOException("sparse files are not supported");
        }
        if (type == TarEntry.REGULAR_OLD && name.length > 0 && name[name.length - 1] == '/') {
            type = TarEntry.DIRECTORY; // the pre-POSIX way to write a directory
        }
        if (uid < 0 || uid > 0xfffffffeL || gid < 0 || gid > 0xfffffffeL) {
            throw new IOException("uid or gid out of range (" + uid + ":" + gid + ")");
        }
        if (major < 0 || major > 0xffffffffL || minor < 0 || minor > 0xffffffffL) {
            throw new IOException("device number out of range (" + major + ":" + minor + ")");
        }
        if (size < 0) {
            throw new IOException("negative size");
        }
        int mode = (int) (number(100, 8, "mode") & 07777);
        remaining = size;
        padding = pad(size);
        return new TarEntry(type, name, link, mode, uid, gid, size, mtime, nanos, major, minor, xattrs);
    }

    private static final byte[] USTAR = "ustar\0".getBytes(StandardCharsets.US_ASCII);

    /** Reads a header block; false at the end of the archive (two zero blocks, one, or none at all). */
    private boolean readHeader() throws IOException {
        int n = in.readNBytes(header, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw truncated();
        }
        if (isZero(header)) {
            int m = in.readNBytes(header, 0, BLOCK);
            if (m == 0 || (m == BLOCK && isZero(header))) {
                return false;
            }
            throw new IOException(m < BLOCK ? "truncated tar stream" : "a zero block in the middle of the tar stream");
        }
        long stored = number(148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = (i >= 148 && i < 156) ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new IOException("not a tar stream (or a corrupt tar header): bad header checksum");
        }
        return true;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private byte[] field(int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(header, offset, end);
    }

    /** A numeric header field: octal, or GNU's base-256 when the first byte's high bit is set. */
    private long number(int offset, int length, String what) throws IOException {
        if ((header[offset] & 0x80) != 0) {
            boolean negative = (header[offset] & 0x40) != 0;
            long v = negative ? -1 : 0;
            for (int i = 0; i < length; i++) {
                int b = header[offset + i] & 0xff;
                if (i == 0) {
                    b &= 0x7f;
                    if (negative) {
                        b |= 0x80;
                    }
                }
                if (i > 0 && ((v >> 55) != 0 && (v >> 55) != -1)) {
                    throw new IOException("tar header " + what + " out of range");
                }
                v = (v << 8) | b;
            }
            return v;
        }
        int i = offset;
        int end = offset + length;
        while (i < end && (header[i] == ' ' || header[i] == 0)) {
            i++;
        }
        long v = 0;
        for (; i < end && header[i] != ' ' && header[i] != 0; i++) {
            int d = header[i] - '0';
            if (d < 0 || d > 7) {
                throw new IOException("not a tar stream (or a corrupt tar header): bad " + what + " field");
            }
            if (v > (Long.MAX_VALUE >> 3)) {
                throw new IOException("tar header " + what + " out of range");
            }
            v = (v << 3) | d;
        }
        return v;
    }

    /** PAX records, "LENGTH KEY=VALUE\n", values kept as bytes. */
    static Map<String, byte[]> parsePax(byte[] data) throws IOException {
        Map<String, byte[]> records = new HashMap<>();
        int at = 0;
        while (at < data.length) {
            if (data[at] == 0) {
                break; // some writers pad with NULs
            }
            int space = at;
            long length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && space - at < 8) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space == at || space >= data.length || data[space] != ' ' || length <= space - at + 1
                    || at + length > data.length || data[(int) (at + length - 1)] != '\n') {
                throw new IOException("malformed PAX extended header");
            }
            int end = (int) (at + length - 1);
            int equals = space + 1;
            while (equals < end && data[equals] != '=') {
                equals++;
            }
            if (equals == end || equals == space + 1) {
                throw new IOException("malformed PAX extended header record");
            }
            String key = new String(data, space + 1, equals - space - 1, StandardCharsets.UTF_8);
            records.put(key, Arrays.copyOfRange(data, equals + 1, end));
            at = end + 1;
        }
        return records;
    }

    private static long decimal(byte[] value, String what) throws IOException {
        String s = new String(value, StandardCharsets.US_ASCII);
        try {
            long v = Long.parseLong(s);
            if (v < 0 || !s.matches("[0-9]+")) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IOException("bad PAX " + what + " \"" + s + "\"");
        }
    }

    /** A PAX time, "SECONDS[.FRACTION]" (SECONDS may be negative): {seconds, nanoseconds}. */
    private static long[] time(byte[] value) throws IOException {
        String s = new String(value, StandardCharsets.US_ASCII);
        if (!s.matches("-?[0-9]{1,18}(\\.[0-9]*)?")) {
            throw new IOException("bad PAX mtime \"" + s + "\"");
        }
        int dot = s.indexOf('.');
        long seconds = Long.parseLong(dot < 0 ? s : s.substring(0, dot));
        long nanos = 0;
        if (dot >= 0) {
            String fraction = (s.substring(dot + 1) + "000000000").substring(0, 9);
            nanos = Long.parseLong(fraction);
            if (s.startsWith("-") && nanos > 0) {
                seconds -= 1;
                nanos = 1_000_000_000 - nanos;
            }
        }
        return new long[] {seconds, nanos};
    }

    private static byte[] untilNul(byte[] data) {
        int end = 0;
        while (end < data.length && data[end] != 0) {
            end++;
        }
        return Arrays.copyOf(data, end);
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private byte[] readFully(int size) throws IOException {
        byte[] data = in.readNBytes(size);
        if (data.length < size) {
            throw truncated();
        }
        return data;
    }

    /** Skips by reading: the stream below hashes what passes, and InputStream.skip would bypass that. */
    private void skip(long n) throws IOException {
        while (n > 0) {
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, n));
            if (r < 0) {
                throw truncated();
            }
            n -= r;
        }
    }

    private static IOException truncated() {
        return new EOFException("truncated tar stream");
    }
}
