package io.karakuri.monitor;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a container's log (ctr.log and its older part ctr.log.1), as the monitor writes it in the CRI
 * format: `2026-11-29T13:50:00.123456789Z stdout F the line` (P: a part of a line).
 */
public final class ContainerLog {

    /**
     * One record.
     *
     * @param time RFC 3339 with nanoseconds, as written
     * @param stream "stdout" or "stderr"
     * @param partial P: the line goes on in the next record of the stream
     * @param text the line without its newline
     */
    public record Entry(String time, String stream, boolean partial, String text) {
        /** The text as the process wrote it: a whole line gets its newline back. */
        public String log() {
            return partial ? text : text + "\n";
        }
    }

    private final Path file;

    public ContainerLog(Path file) {
        this.file = file;
    }

    /** One line of the log, or null if it is not a record (a torn or foreign line). */
    public static Entry parse(String line) {
        int a = line.indexOf(' ');
        int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
        if (a <= 0 || b < 0 || b + 2 > line.length() || (b + 2 < line.length() && line.charAt(b + 2) != ' ')) {
            return null;
        }
        char kind = line.charAt(b + 1);
        if (kind != 'F' && kind != 'P') {
            return null;
        }
        String stream = line.substring(a + 1, b);
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            return null;
        }
        String text = b + 3 <= line.length() ? line.substring(b + 3) : "";
        return new Entry(line.substring(0, a), stream, kind == 'P', text);
    }

    /** Every record, older part first. */
    public List<Entry> all() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (Path p : List.of(older(), file)) {
            readLines(p, 0, out::add);
        }
        return out;
    }

    /** The last n records (n < 0: all). */
    public List<Entry> tail(int n) throws IOException {
        if (n < 0) {
            return all();
        }
        Deque<Entry> last = new ArrayDeque<>();
        Consumer<Entry> keep = e -> {
            last.addLast(e);
            if (last.size() > n) {
                last.removeFirst();
            }
        };
        readLines(older(), 0, keep);
        readLines(file, 0, keep);
        return new ArrayList<>(last);
    }

    /**
     * The last tail records (tail < 0: all), then every new one as it is written, until stop says so (checked
     * about every pollMillis), following the log across its rotation.
     */
    public void follow(int tail, Consumer<Entry> out, BooleanSupplier stop, long pollMillis)
            throws IOException, InterruptedException {
        tail(tail).forEach(out);
        long position = size(file);
        Object identity = key(file);
        while (true) {
            boolean stopping = stop.getAsBoolean();
            Object now = key(file);
            if (identity != null && !identity.equals(now)) { // rotated: the rest of the old one is in .1
                position = readLines(older(), position, out);
                position = 0;
                identity = now;
            }
            position = readLines(file, position, out);
            if (identity == null) {
                identity = now;
            }
            if (stopping) {
                return;
            }
            Thread.sleep(pollMillis);
        }
    }

    private Path older() {
        return file.resolveSibling(file.getFileName() + ".1");
    }

    private static long size(Path p) throws IOException {
        try {
            return Files.size(p);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private static Object key(Path p) throws IOException {
        try {
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Sends the whole lines of p from position on to out; returns where the next read begins. */
    private static long readLines(Path p, long position, Consumer<Entry> out) throws IOException {
        RandomAccessFile raf;
        try {
            raf = new RandomAccessFile(p.toFile(), "r");
        } catch (java.io.FileNotFoundException e) {
            return position;
        }
        try (raf) {
            long length = raf.length();
            if (position > length) {
                position = 0; // a new file under the name
            }
            raf.seek(position);
            byte[] chunk = new byte[(int) Math.min(length - position, 1 << 20)];
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            long lineStart = position;
            long at = position;
            while (at < length) {
                int n = raf.read(chunk, 0, (int) Math.min(chunk.length, length - at));
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    byte c = chunk[i];
                    at++;
                    if (c == '\n') {
                        Entry e = parse(line.toString(StandardCharsets.UTF_8));
                        if (e != null) {
                            out.accept(e);
                        }
                        line.reset();
                        lineStart = at;
                    } else {
                        line.write(c);
                    }
                }
            }
            return lineStart; // a line still being written is read whole next time
        }
    }
}
