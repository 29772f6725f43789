package io.karakuri.futaba.plan;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.karakuri.futaba.plan.PlanOp.Type;
import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.Native;
import io.karakuri.linux.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlanEncodingTest {
    private static final long EBADMSG = 74;
    private static final long CLONE_FLAGS = 0x20000000L | 0x00020000L;
    private static final int STATUS_FD = 7;

    private Arena arena;

    @BeforeEach
    void openArena() {
        arena = Arena.ofConfined();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    /** A well-formed plan. Were it ever cloned, its child would fail to exec a missing program and exit. */
    private static Plan plan(PlanOp... ops) {
        return new Plan(CLONE_FLAGS, STATUS_FD, List.of(ops));
    }

    private static PlanOp exec() {
        return PlanOp.of(Type.EXEC, "exec", new long[] {-1, 1, 1}, "/nonexistent/futaba-unit-test",
                "PATH=/nonexistent");
    }

    private static Plan validPlan() {
        return plan(PlanOp.of(Type.NO_NEW_PRIVS, "no_new_privs"), exec());
    }

    /** An op read back from its encoding. */
    private record Decoded(int type, long[] ints, List<String> strs) {}

    /** Reads the ops of an encoded plan back, checking each op's length and alignment on the way. */
    private static List<Decoded> decode(MemorySegment seg) {
        List<Decoded> ops = new ArrayList<>();
        long at = Plan.HEADER_SIZE;
        for (int i = 0; i < seg.get(JAVA_INT, 12); i++) {
            assertEquals(0, at % 8, "op " + i + " is 8-byte aligned");
            int length = seg.get(JAVA_INT, at + 4);
            int intCount = seg.get(JAVA_INT, at + 8);
            int strCount = seg.get(JAVA_INT, at + 12);
            long[] ints = new long[intCount];
            long p = at + Plan.OP_HEADER_SIZE;
            for (int n = 0; n < intCount; n++, p += 8) {
                ints[n] = seg.get(JAVA_LONG, p);
            }
            List<String> strs = new ArrayList<>();
            for (int s = 0; s < strCount; s++) {
                long end = p;
                while (seg.get(JAVA_BYTE, end) != 0) {
                    end++;
                }
                strs.add(new String(seg.asSlice(p, end - p).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
                p = end + 1;
            }
            assertEquals((p - at + 7) & ~7L, length, "op " + i + " length: header, ints, strings, padding");
            for (; p < at + length; p++) {
                assertEquals(0, seg.get(JAVA_BYTE, p), "padding is zero");
            }
            ops.add(new Decoded(seg.get(JAVA_INT, at), ints, strs));
            at += length;
        }
        assertEquals(seg.byteSize(), at, "the ops fill the plan");
        return ops;
    }

    @Test
    void theHeader() {
        MemorySegment seg = validPlan().encode(arena);

        assertEquals(0x50425446, seg.get(JAVA_INT, 0));
        assertEquals("FTBP", new String(seg.asSlice(0, 4).toArray(JAVA_BYTE), StandardCharsets.US_ASCII),
                "the magic reads FTBP in memory (little-endian)");
        assertEquals(Plan.VERSION, seg.get(JAVA_INT, 4));
        assertEquals(seg.byteSize(), seg.get(JAVA_INT, 8));
        assertEquals(2, seg.get(JAVA_INT, 12));
        assertEquals(CLONE_FLAGS, seg.get(JAVA_LONG, 16));
        assertEquals(STATUS_FD, seg.get(JAVA_INT, 24));
        assertEquals(0, seg.get(JAVA_INT, 28));
        assertEquals(0, seg.address() % 8);
    }

    @Test
    void opsAreLaidOutWithIntsThenNulTerminatedStringsPaddedTo8Bytes() {
        MemorySegment seg = plan(
                PlanOp.of(Type.WAIT_GO, "wait", new long[] {5}),
                PlanOp.of(Type.MOUNT, "mount", new long[] {1, 2, -3, Long.MIN_VALUE}, "a", "bc", "", "d"),
                PlanOp.of(Type.HOSTNAME, "hostname", new long[0], "h\u00e9"),
                exec()).encode(arena);

        // WAIT_GO: 16 + 8 = 24 bytes at 32
        assertEquals(Type.WAIT_GO.code, seg.get(JAVA_INT, 32));
        assertEquals(24, seg.get(JAVA_INT, 36));
        assertEquals(1, seg.get(JAVA_INT, 40));
        assertEquals(0, seg.get(JAVA_INT, 44));
        assertEquals(5, seg.get(JAVA_LONG, 48));
        // MOUNT: 16 + 32 + "a\0bc\0\0d\0" = 56 bytes at 56
        assertEquals(Type.MOUNT.code, seg.get(JAVA_INT, 56));
        assertEquals(56, seg.get(JAVA_INT, 60));
        assertEquals(4, seg.get(JAVA_INT, 64));
        assertEquals(4, seg.get(JAVA_INT, 68));
        assertArrayEquals(new byte[] {'a', 0, 'b', 'c', 0, 0, 'd', 0}, seg.asSlice(56 + 48, 8).toArray(JAVA_BYTE));
        // HOSTNAME: 16 + "h\u00e9\0" (4 bytes in UTF-8), padded to 24, at 112
        assertEquals(Type.HOSTNAME.code, seg.get(JAVA_INT, 112));
        assertEquals(24, seg.get(JAVA_INT, 116));

        List<Decoded> ops = decode(seg);
        assertEquals(List.of(Type.WAIT_GO.code, Type.MOUNT.code, Type.HOSTNAME.code, Type.EXEC.code),
                ops.stream().map(Decoded::type).toList());
        assertArrayEquals(new long[] {1, 2, -3, Long.MIN_VALUE}, ops.get(1).ints());
        assertEquals(List.of("a", "bc", "", "d"), ops.get(1).strs());
        assertEquals(List.of("h\u00e9"), ops.get(2).strs());
        assertEquals(List.of("/nonexistent/futaba-unit-test", "PATH=/nonexistent"), ops.get(3).strs());
    }

    @Test
    void aNulCharacterInAStringIsRefused() {
        Plan plan = plan(PlanOp.of(Type.HOSTNAME, "set hostname", new long[0], "a\0b"), exec());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.encode(arena));
        assertEquals("set hostname: a NUL character in \"a\0b\"", e.getMessage());
    }

    // ---- libfutaba's validation: a plan it does not understand is refused before anything is cloned ----

    /** This thread's children, as the kernel lists them: a spawn clones from the calling thread. */
    private static String children() throws IOException {
        Path file = Path.of("/proc/thread-self/children");
        return Files.isReadable(file) ? Files.readString(file) : "";
    }

    private long spawn(MemorySegment plan) throws IOException {
        String before = children();
        long result = Native.spawn(plan);
        assertEquals(before, children(), "no process was cloned");
        return result;
    }

    @Test
    void aValidPlanIsRunByFutabaInitToItsEnd() {
        // the control for the tests below: without namespaces, any user can spawn; futaba-init runs the
        // plan (close fds, wait for the go-ahead, exec) and the status pipe reports READY, then end of file
        Syscalls sys = LinuxSyscalls.INSTANCE;
        int[] go = sys.pipe();
        int[] status = sys.pipe();
        try {
            Plan plan = new Plan(0, status[1], List.of(
                    PlanOp.of(Type.CLOSE_FDS, "close fds", new long[] {Math.min(go[0], status[1]), Math.max(go[0], status[1])}),
                    PlanOp.of(Type.WAIT_GO, "wait", new long[] {go[0]}),
                    PlanOp.of(Type.EXEC, "exec", new long[] {-1, 1, 1}, "true", "PATH=/bin:/usr/bin")));
            int pid = sys.spawn(plan.encode(arena));
            sys.close(go[0]);
            sys.close(status[1]);
            sys.write(go[1], new byte[] {'g'});
            byte[] record = new byte[16];
            assertEquals(16, sys.read(status[0], record));
            assertEquals(1, record[0], "READY");
            assertEquals(0, sys.read(status[0], record), "end of file: exec'd");
            Syscalls.WaitStatus exit = sys.waitpid(pid, false);
            assertEquals(0, exit.shellCode());
        } finally {
            for (int fd : new int[] {go[0], go[1], status[0], status[1]}) {
                sys.close(fd);
            }
        }
    }

    static Stream<Arguments> corruptPlans() {
        return Stream.of(
                corrupt("a corrupted magic", a -> {
                    MemorySegment seg = validPlan().encode(a);
                    seg.set(JAVA_INT, 0, 0x50425447);
                    return seg;
                }),
                corrupt("a wrong version", a -> {
                    MemorySegment seg = validPlan().encode(a);
                    seg.set(JAVA_INT, 4, Plan.VERSION + 1);
                    return seg;
                }),
                corrupt("an op of unknown type 99", a -> {
                    MemorySegment seg = validPlan().encode(a);
                    seg.set(JAVA_INT, Plan.HEADER_SIZE, 99);
                    return seg;
                }),
                corrupt("an EXEC op that is not the last", a ->
                        plan(exec(), PlanOp.of(Type.NO_NEW_PRIVS, "no_new_privs")).encode(a)),
                corrupt("a length that is not the plan's", a -> {
                    MemorySegment seg = validPlan().encode(a);
                    return seg.asSlice(0, seg.byteSize() - 8);
                }),
                corrupt("a reserved field that is not zero", a -> {
                    MemorySegment seg = validPlan().encode(a);
                    seg.set(JAVA_INT, 28, 1);
                    return seg;
                }),
                corrupt("an op with too many ints", a ->
                        plan(PlanOp.of(Type.NO_NEW_PRIVS, "no_new_privs", new long[] {1}), exec()).encode(a)),
                corrupt("an EXEC op whose counts do not match its strings", a ->
                        plan(PlanOp.of(Type.EXEC, "exec", new long[] {-1, 2, 1}, "/x", "PATH=/")).encode(a)),
                corrupt("an unterminated string", a -> {
                    MemorySegment seg = plan(PlanOp.of(Type.HOSTNAME, "hostname", new long[0], "1234567"), exec())
                            .encode(a);
                    seg.set(JAVA_BYTE, Plan.HEADER_SIZE + Plan.OP_HEADER_SIZE + 7, (byte) 'x');
                    return seg;
                }));
    }

    private static Arguments corrupt(String what, Function<Arena, MemorySegment> encode) {
        return Arguments.of(Named.of(what, encode));
    }

    @ParameterizedTest
    @MethodSource("corruptPlans")
    void libfutabaRefusesAPlanItDoesNotUnderstand(Function<Arena, MemorySegment> encode) throws IOException {
        assertEquals(-EBADMSG, spawn(encode.apply(arena)));
    }
}
