package io.karakuri.linux;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Small /proc files. */
public final class ProcFs {
    private ProcFs() {
    }

    /**
     * Reads a small /proc file with a single read(2): an integer sysctl such as
     * /proc/sys/kernel/cap_last_cap answers only a read at offset 0 (a second read sees end of file).
     */
    public static String read(Path file) throws IOException {
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            byte[] buf = new byte[4096];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
        }
    }
}
