package io.karakuri.futaba.plan;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A setup plan: the clone flags, the status pipe and the operations the container's first process
 * runs. {@link #encode} lays it out as src/main/native/futaba_plan.h describes.
 */
public record Plan(long cloneFlags, int statusFd, List<PlanOp> ops) {
    public static final int MAGIC = 0x50425446; // "FTBP"
    public static final int VERSION = 2;
    static final int HEADER_SIZE = 32;
    static final int OP_HEADER_SIZE = 16;

    /** The plan in native memory (8-byte aligned), allocated from arena. */
    public MemorySegment encode(Arena arena) {
        byte[][][] strings = new byte[ops.size()][][];
        long length = HEADER_SIZE;
        for (int i = 0; i < ops.size(); i++) {
            PlanOp op = ops.get(i);
            strings[i] = new byte[op.strs().size()][];
            for (int s = 0; s < op.strs().size(); s++) {
                String str = op.strs().get(s);
                if (str.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException(op.what() + ": a NUL character in \"" + str + "\"");
                }
                strings[i][s] = str.getBytes(StandardCharsets.UTF_8);
            }
            length += opLength(op, strings[i]);
        }
        MemorySegment seg = arena.allocate(length, 8);
        seg.set(JAVA_INT, 0, MAGIC);
        seg.set(JAVA_INT, 4, VERSION);
        seg.set(JAVA_INT, 8, (int) length);
        seg.set(JAVA_INT, 12, ops.size());
        seg.set(JAVA_LONG, 16, cloneFlags);
        seg.set(JAVA_INT, 24, statusFd);
        seg.set(JAVA_INT, 28, 0);
        long at = HEADER_SIZE;
        for (int i = 0; i < ops.size(); i++) {
            PlanOp op = ops.get(i);
            long opLength = opLength(op, strings[i]);
            seg.set(JAVA_INT, at, op.type().code);
            seg.set(JAVA_INT, at + 4, (int) opLength);
            seg.set(JAVA_INT, at + 8, op.ints().length);
            seg.set(JAVA_INT, at + 12, strings[i].length);
            long p = at + OP_HEADER_SIZE;
            for (long v : op.ints()) {
                seg.set(JAVA_LONG, p, v);
                p += 8;
            }
            for (byte[] s : strings[i]) {
                MemorySegment.copy(s, 0, seg, JAVA_BYTE, p, s.length);
                p += s.length + 1; // the segment is zeroed: the NUL is there
            }
            at += opLength;
        }
        return seg;
    }

    private static long opLength(PlanOp op, byte[][] strings) {
        long n = OP_HEADER_SIZE + 8L * op.ints().length;
        for (byte[] s : strings) {
            n += s.length + 1;
        }
        return (n + 7) & ~7L;
    }

    /** The description of step index, for an error the child reported (-1: starting futaba-init). */
    public String describe(int index) {
        return index >= 0 && index < ops.size() ? ops.get(index).what() : "start futaba-init";
    }
}
