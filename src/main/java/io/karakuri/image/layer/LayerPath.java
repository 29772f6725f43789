package io.karakuri.image.layer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tar member's name made into the components of a path inside the layer, lexically: leading slashes
 * dropped (as Docker does, an absolute name is taken relative to the layer's root), empty and "."
 * components dropped, ".." taking one component back and refused where it would climb above the root.
 * Symbolic links are not this class's concern: the lookups that follow refuse to go through them.
 */
final class LayerPath {
    static final int NAME_MAX = 255;
    static final int PATH_MAX = 4096;

    private LayerPath() {
    }

    /** The components of name; an empty list is the layer's root itself. */
    static List<byte[]> components(byte[] name) throws IOException {
        if (name.length >= PATH_MAX) {
            throw new IOException("name of " + name.length + " bytes is too long (at most " + (PATH_MAX - 1) + ")");
        }
        List<byte[]> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= name.length; i++) {
            if (i < name.length && name[i] == 0) {
                throw new IOException("name contains a NUL byte");
            }
            if (i == name.length || name[i] == '/') {
                byte[] part = Arrays.copyOfRange(name, start, i);
                start = i + 1;
                if (part.length == 0 || (part.length == 1 && part[0] == '.')) {
                    continue;
                }
                if (part.length == 2 && part[0] == '.' && part[1] == '.') {
                    if (parts.isEmpty()) {
                        throw new IOException("path leaves the layer");
                    }
                    parts.removeLast();
                    continue;
                }
                if (part.length > NAME_MAX) {
                    throw new IOException("a component of " + part.length + " bytes is too long (at most " + NAME_MAX + ")");
                }
                parts.add(part);
            }
        }
        return parts;
    }

    /** The components joined with "/" (no leading slash); the empty array for the root. */
    static byte[] join(List<byte[]> parts) {
        int length = Math.max(0, parts.size() - 1);
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            if (at > 0) {
                out[at++] = '/';
            }
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static boolean startsWith(byte[] name, String prefix) {
        if (name.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (name[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
