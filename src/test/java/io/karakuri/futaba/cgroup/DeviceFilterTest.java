package io.karakuri.futaba.cgroup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The device programs are run here by a small eBPF interpreter (the few opcodes DeviceFilter emits) on
 * made-up device accesses, so what each rule set allows is checked without a kernel.
 */
class DeviceFilterTest {
    // struct bpf_cgroup_dev_ctx's device types and access bits
    private static final int BLOCK = 1;
    private static final int CHAR = 2;
    private static final int M = 1;
    private static final int R = 2;
    private static final int W = 4;

    private static final long CONTEXT = 0xc0de_0000_0000L; // what r1 holds on entry: a pointer to the context

    /** Runs program on one access: true if it allows it (returns non-zero). */
    static boolean allows(long[] program, int type, long major, long minor, int access) {
        int[] context = {access << 16 | type, (int) major, (int) minor};
        long[] r = new long[11];
        r[1] = CONTEXT;
        for (int pc = 0; pc < program.length; pc++) {
            long insn = program[pc];
            int dst = (int) (insn >>> 8 & 0xf);
            int src = (int) (insn >>> 12 & 0xf);
            short offset = (short) (insn >>> 16);
            long imm = (int) (insn >>> 32); // sign-extended, as the kernel does
            int jump = 0;
            switch ((int) (insn & 0xff)) {
                case 0x61 -> { // dst = *(u32 *)(src + offset): only the context is readable
                    assertEquals(CONTEXT, r[src], "load through r" + src + " at " + pc);
                    assertTrue(offset >= 0 && offset <= 8 && offset % 4 == 0, "context offset " + offset);
                    r[dst] = Integer.toUnsignedLong(context[offset / 4]);
                }
                case 0x54 -> r[dst] = r[dst] & imm & 0xffffffffL;
                case 0x74 -> r[dst] = (r[dst] & 0xffffffffL) >>> imm;
                case 0xbc -> r[dst] = r[src] & 0xffffffffL;
                case 0xb4 -> r[dst] = imm & 0xffffffffL;
                case 0x15 -> jump = r[dst] == imm ? offset : 0;
                case 0x55 -> jump = r[dst] != imm ? offset : 0;
                case 0x5d -> jump = r[dst] != r[src] ? offset : 0;
                case 0x95 -> {
                    return r[0] != 0;
                }
                default -> throw new AssertionError("unexpected opcode " + (insn & 0xff) + " at " + pc);
            }
            assertTrue(jump >= 0 && pc + 1 + jump < program.length, "jump out of the program at " + pc);
            pc += jump;
        }
        throw new AssertionError("ran off the end of the program");
    }

    private static Spec.DeviceRule allow(String type, Long major, Long minor, String access) {
        return new Spec.DeviceRule(true, type, major, minor, access);
    }

    private static Spec.DeviceRule deny(String type, Long major, Long minor, String access) {
        return new Spec.DeviceRule(false, type, major, minor, access);
    }

    private static final Spec.DeviceRule DENY_ALL = deny("a", null, null, "rwm");
    private static final Spec.DeviceRule ALLOW_ALL = allow("a", null, null, "rwm");

    /** The program for a config's rules with futaba's defaults after them, as Cgroup attaches it. */
    private static long[] withDefaults(Spec.DeviceRule... rules) {
        return DeviceFilter.compile(DeviceRules.withDefaults(List.of(rules)));
    }

    @Test
    void aConfigWithoutRulesGetsTheDefaultDevicesOnlyAsWithRunc() {
        long[] p = withDefaults();
        assertTrue(allows(p, CHAR, 1, 3, R | W), "c 1:3 rw (/dev/null)");
        assertFalse(allows(p, BLOCK, 8, 0, R), "b 8:0 r (/dev/sda)");
        assertArrayEquals(withDefaults(DENY_ALL), p);
    }

    @Test
    void theTemplateRulesAllowTheDefaultDevicesOnly() {
        long[] p = withDefaults(DENY_ALL);
        for (long[] device : new long[][] {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2},
                {136, 0}, {136, 42}, {10, 200}}) {
            assertTrue(allows(p, CHAR, device[0], device[1], R | W), "c " + device[0] + ":" + device[1] + " rw");
        }
        assertFalse(allows(p, BLOCK, 8, 0, R), "b 8:0 r (/dev/sda)");
        assertFalse(allows(p, BLOCK, 8, 0, W), "b 8:0 w");
        assertFalse(allows(p, CHAR, 1, 1, R), "c 1:1 r (/dev/mem)");
        assertFalse(allows(p, CHAR, 4, 0, R | W), "c 4:0 rw (/dev/tty0)");
        assertFalse(allows(p, CHAR, 10, 201, R), "c 10:201 r");
        assertFalse(allows(p, CHAR, 3, 1, R), "c 3:1: major and minor are not swapped");
        assertTrue(allows(p, BLOCK, 8, 0, M), "mknod of any block device");
        assertTrue(allows(p, CHAR, 4, 0, M), "mknod of any character device");
    }

    @Test
    void anAllowRuleOpensOneDeviceForItsAccessOnly() {
        long[] p = withDefaults(DENY_ALL, allow("b", 8L, 0L, "r"));
        assertTrue(allows(p, BLOCK, 8, 0, R));
        assertFalse(allows(p, BLOCK, 8, 0, W));
        assertFalse(allows(p, BLOCK, 8, 0, R | W), "read and write: the rule covers only part of it");
        assertFalse(allows(p, BLOCK, 8, 1, R), "another minor");
        assertFalse(allows(p, CHAR, 8, 0, R), "a character device of the same numbers");
    }

    @Test
    void wildcardsMatchAnyMajorOrMinor() {
        long[] p = withDefaults(DENY_ALL, allow("c", 7L, null, "rw"), allow("b", null, 3L, "r"),
                allow("c", 9L, -1L, "r"));
        assertTrue(allows(p, CHAR, 7, 0, R | W));
        assertTrue(allows(p, CHAR, 7, 128, R));
        assertTrue(allows(p, CHAR, 9, 12, R), "-1 is a wildcard too");
        assertFalse(allows(p, CHAR, 8, 0, R));
        assertTrue(allows(p, BLOCK, 259, 3, R));
        assertFalse(allows(p, BLOCK, 259, 4, R));
        assertFalse(allows(p, BLOCK, 259, 3, W));
    }

    @Test
    void aDenyAfterAnAllowTakesAccessAway() {
        long[] p = withDefaults(DENY_ALL, allow("c", 7L, 0L, "rwm"), deny("c", 7L, 0L, "w"));
        assertTrue(allows(p, CHAR, 7, 0, R));
        assertFalse(allows(p, CHAR, 7, 0, W));
        assertFalse(allows(p, CHAR, 7, 0, R | W));
        assertTrue(allows(p, CHAR, 7, 0, M));

        long[] gone = withDefaults(DENY_ALL, allow("c", 7L, 0L, "rw"), deny("c", 7L, 0L, "rwm"));
        assertFalse(allows(gone, CHAR, 7, 0, R));
    }

    @Test
    void accessGivenByTwoRulesAddsUpAsOnV1() {
        long[] p = DeviceFilter.compile(List.of(DENY_ALL, allow("c", 7L, 0L, "r"), allow("c", 7L, 0L, "w")));
        assertTrue(allows(p, CHAR, 7, 0, R | W));
    }

    @Test
    void mknodIsAnAccessOfItsOwn() {
        long[] p = DeviceFilter.compile(List.of(DENY_ALL, allow("c", 7L, 0L, "m")));
        assertTrue(allows(p, CHAR, 7, 0, M));
        assertFalse(allows(p, CHAR, 7, 0, R));
        assertFalse(allows(p, CHAR, 7, 1, M));

        long[] none = DeviceFilter.compile(List.of(DENY_ALL));
        assertFalse(allows(none, CHAR, 1, 3, M), "without the defaults not even /dev/null");
        assertFalse(allows(none, CHAR, 1, 3, R));
    }

    @Test
    void anAllowAllRuleGivesEveryDevice() {
        long[] p = withDefaults(ALLOW_ALL); // what a privileged container gets
        assertTrue(allows(p, BLOCK, 8, 0, R | W));
        assertTrue(allows(p, CHAR, 4, 0, R | W | M));
        assertEquals(8, p.length, "loads, then return 1: the defaults are no exceptions to allow-all");
    }

    @Test
    void theLastAllOrNothingRuleWins() {
        long[] denied = DeviceFilter.compile(List.of(ALLOW_ALL, allow("c", 7L, 0L, "rwm"), DENY_ALL));
        assertFalse(allows(denied, CHAR, 7, 0, R));
        long[] allowed = DeviceFilter.compile(List.of(DENY_ALL, deny("c", 7L, 0L, "rwm"), ALLOW_ALL));
        assertTrue(allows(allowed, CHAR, 7, 0, R));
    }

    @Test
    void aDenyRuleAfterAllowAllDeniesAnyPartOfAnAccess() {
        long[] p = DeviceFilter.compile(List.of(ALLOW_ALL, deny("c", 1L, 3L, "w")));
        assertTrue(allows(p, CHAR, 1, 3, R));
        assertFalse(allows(p, CHAR, 1, 3, W));
        assertFalse(allows(p, CHAR, 1, 3, R | W), "v1 refuses an access any part of which is denied");
        assertTrue(allows(p, CHAR, 1, 5, R | W));
    }

    @Test
    void theDefaultsComeLastSoAConfigCannotDenyThem() {
        long[] p = withDefaults(DENY_ALL, deny("c", 1L, 3L, "rwm")); // as with runc
        assertTrue(allows(p, CHAR, 1, 3, R | W));
    }

    @Test
    void aHoleInAnEarlierWildcardRuleIsRefused() {
        FutabaException e = assertThrows(FutabaException.class, () -> DeviceFilter.compile(
                List.of(DENY_ALL, allow("c", 7L, null, "rw"), deny("c", 7L, 1L, "w"))));
        assertEquals("linux.resources.devices: \"deny c 7:1 w\" would cut a hole in the earlier "
                + "\"allow c 7:* rw\", which a devices cgroup cannot do", e.getMessage());
        assertThrows(FutabaException.class, () -> DeviceFilter.compile(
                List.of(ALLOW_ALL, deny("b", null, null, "r"), allow("b", 8L, 0L, "rw"))));
        // no overlap in access, no hole
        long[] p = DeviceFilter.compile(List.of(DENY_ALL, allow("c", 7L, null, "r"), deny("c", 7L, 1L, "w")));
        assertTrue(allows(p, CHAR, 7, 1, R));
    }

    @Test
    void aNumberBeyondThe32BitImmediateIsRefused() {
        assertThrows(FutabaException.class,
                () -> DeviceFilter.compile(List.of(DENY_ALL, allow("c", 1L << 31, 0L, "r"))));
    }

    @Test
    void theInstructionsAreEncodedAsTheKernelReadsThem() {
        long[] p = DeviceFilter.compile(List.of(DENY_ALL, allow("c", 1L, 3L, "r")));
        String[] expected = {
            "6112000000000000", // r2 = *(u32 *)(r1 + 0)
            "54020000ffff0000", // w2 &= 0xffff
            "6113000000000000", // r3 = *(u32 *)(r1 + 0)
            "7403000010000000", // w3 >>= 16
            "6114040000000000", // r4 = *(u32 *)(r1 + 4)
            "6115080000000000", // r5 = *(u32 *)(r1 + 8)
            "5502070002000000", // if r2 != 2 goto +7
            "bc31000000000000", // w1 = w3
            "5401000002000000", // w1 &= 2
            "5d31040000000000", // if r1 != r3 goto +4
            "5504030001000000", // if r4 != 1 goto +3
            "5505020003000000", // if r5 != 3 goto +2
            "b400000001000000", // w0 = 1
            "9500000000000000", // exit
            "b400000000000000", // w0 = 0
            "9500000000000000", // exit
        };
        String[] actual = new String[p.length]; // the bytes of struct bpf_insn, as the kernel reads them
        for (int i = 0; i < p.length; i++) {
            byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(p[i]).array();
            actual[i] = HexFormat.of().formatHex(bytes);
        }
        assertArrayEquals(expected, actual);
    }
}
