package io.karakuri.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitor's files and frames, read and written without a monitor. */
class MonitorFilesTest {
    @TempDir
    Path dir;

    @Test
    void framesRoundTrip() throws IOException {
        byte[] frame = AttachFrames.stdin("hi".getBytes());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'}, frame);
        assertArrayEquals(new byte[] {3, 0, 0, 0, 0, 0, 0, 4, 0, 30, 0, (byte) 200}, AttachFrames.resize(30, 200));
        assertArrayEquals(new byte[] {4, 0, 0, 0, 0, 0, 0, 0}, AttachFrames.stdinEof());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(AttachFrames.encode(AttachFrames.STDOUT, "out".getBytes()));
        out.writeBytes(AttachFrames.exit(137));
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        AttachFrames.Frame f = AttachFrames.read(in);
        assertEquals(AttachFrames.STDOUT, f.type());
        assertEquals("out", f.text());
        assertEquals(137, AttachFrames.read(in).exitCode());
        assertNull(AttachFrames.read(in));
        assertThrows(EOFException.class, () -> AttachFrames.read(new ByteArrayInputStream(new byte[] {1, 0, 0, 0, 0, 0, 0, 5, 'a'})));
    }

    @Test
    void stdinIsCutIntoFramesTheMonitorTakes() throws IOException {
        byte[] big = new byte[AttachFrames.MAX_PAYLOAD + 10];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AttachFrames.writeStdin(out, big, 0, big.length);
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertEquals(AttachFrames.MAX_PAYLOAD, AttachFrames.read(in).payload().length);
        assertEquals(10, AttachFrames.read(in).payload().length);
    }

    @Test
    void theDecoderTakesBytesInPieces() {
        byte[] all = AttachFrames.encode(AttachFrames.STDERR, "error text".getBytes());
        AttachFrames.Decoder d = new AttachFrames.Decoder();
        for (int i = 0; i < all.length - 1; i++) {
            d.feed(all, i, 1);
            assertNull(d.next());
        }
        d.feed(all, all.length - 1, 1);
        assertEquals("error text", d.next().text());
        assertNull(d.next());
    }

    @Test
    void exitRecords() throws IOException {
        ExitRecord r = ExitRecord.parse("{\"exitCode\":137,\"signal\":9,\"finishedAt\":\"2026-11-29T13:50:01.123456789Z\"}\n");
        assertEquals(new ExitRecord(137, 9, "2026-11-29T13:50:01.123456789Z"), r);
        assertTrue(r.signaled());
        assertTrue(ExitRecord.read(dir).isEmpty());
        Files.writeString(dir.resolve("exit"), "{\"exitCode\":3,\"signal\":0,\"finishedAt\":\"x\"}");
        assertEquals(3, ExitRecord.read(dir).orElseThrow().exitCode());
        assertThrows(IllegalArgumentException.class, () -> ExitRecord.parse("{}"));
        assertThrows(IllegalArgumentException.class, () -> ExitRecord.parse("nope"));
    }

    @Test
    void logLines() {
        ContainerLog.Entry e = ContainerLog.parse("2026-11-29T13:50:00.123456789Z stdout F the line");
        assertEquals(new ContainerLog.Entry("2026-11-29T13:50:00.123456789Z", "stdout", false, "the line"), e);
        assertEquals("the line\n", e.log());
        assertEquals("", ContainerLog.parse("t stderr F ").text());
        assertEquals("", ContainerLog.parse("t stderr P").text());
        assertTrue(ContainerLog.parse("t stderr P  two spaces").text().equals(" two spaces"));
        assertNull(ContainerLog.parse("garbage"));
        assertNull(ContainerLog.parse("t stdin F x"));
        assertNull(ContainerLog.parse("t stdout X x"));
    }

    @Test
    void tailAcrossTheRotatedPart() throws IOException {
        Path log = dir.resolve("ctr.log");
        Files.writeString(dir.resolve("ctr.log.1"), "t1 stdout F a\nt2 stdout F b\n");
        Files.writeString(log, "t3 stderr F c\nt4 stdout P d\nt5 stdout F e\nt6 stdout F torn");
        ContainerLog l = new ContainerLog(log);
        assertEquals(List.of("a", "b", "c", "d", "e"), l.all().stream().map(ContainerLog.Entry::text).toList());
        assertEquals(List.of("d", "e"), l.tail(2).stream().map(ContainerLog.Entry::text).toList());
        assertEquals(5, l.tail(-1).size());
    }

    @Test
    void followSeesNewLinesAndRotation() throws Exception {
        Path log = dir.resolve("ctr.log");
        Files.writeString(log, "t1 stdout F a\n");
        List<String> seen = new ArrayList<>();
        AtomicInteger polls = new AtomicInteger();
        new ContainerLog(log).follow(10, e -> seen.add(e.text()), () -> {
            try {
                switch (polls.incrementAndGet()) {
                    case 1 -> Files.writeString(log, "t2 stdout F b\n", java.nio.file.StandardOpenOption.APPEND);
                    case 2 -> {
                        Files.writeString(log, "t3 stdout F c\n", java.nio.file.StandardOpenOption.APPEND);
                        Files.move(log, dir.resolve("ctr.log.1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        Files.writeString(log, "t4 stdout F d\n");
                    }
                    default -> {
                        return true;
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return false;
        }, 1);
        assertEquals(List.of("a", "b", "c", "d"), seen);
    }
}
