package io.karakuri.image.layer;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One member of a tar stream, with its extended headers (PAX, GNU long names) already applied. Names are
 * the bytes the archive holds, unnormalized; xattrs keep their values' bytes exactly.
 */
record TarEntry(byte type, byte[] name, byte[] linkName, int mode, long uid, long gid, long size,
        long mtimeSeconds, int mtimeNanos, long devMajor, long devMinor, Map<String, byte[]> xattrs) {
    static final byte REGULAR = '0';
    static final byte REGULAR_OLD = 0;
    static final byte HARD_LINK = '1';
    static final byte SYMLINK = '2';
    static final byte CHAR_DEVICE = '3';
    static final byte BLOCK_DEVICE = '4';
    static final byte DIRECTORY = '5';
    static final byte FIFO = '6';
    static final byte CONTIGUOUS = '7';

    boolean isRegular() {
        return type == REGULAR || type == REGULAR_OLD || type == CONTIGUOUS;
    }

    /** The name as messages show it: a very long one shortened in its middle. */
    String displayName() {
        String s = new String(name, StandardCharsets.UTF_8);
        return s.length() <= 200 ? s : s.substring(0, 100) + "…" + s.substring(s.length() - 99);
    }
}
