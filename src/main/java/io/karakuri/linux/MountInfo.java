package io.karakuri.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading /proc/self/mountinfo: this process's mount namespace. */
public final class MountInfo {
    private MountInfo() {
    }

    /** How many mounts are stacked at mountPoint (an absolute, normalized path). */
    public static int mountsAt(String mountPoint) {
        try {
            return mountsAt(Files.readString(Path.of("/proc/self/mountinfo")), mountPoint);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int mountsAt(String mountinfo, String mountPoint) {
        int n = 0;
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length > 4 && unescape(fields[4]).equals(mountPoint)) {
                n++;
            }
        }
        return n;
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo. */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
