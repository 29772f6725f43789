package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.util.ArrayList;
import java.util.List;

/**
 * Device rules as an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE. Cgroup v2 has no devices.allow:
 * the kernel runs the programs attached to a process's cgroup for each device node it opens or makes,
 * and refuses the access with EPERM if one returns 0. Modelled on runc's devicefilter.go: the rules are
 * reduced to a default and exceptions ({@link DeviceExceptions}, v1's semantics), and the program tests
 * the exceptions one by one, each in a block that returns the opposite of the default if it matches;
 * past the last block it returns the default.
 *
 * <pre>
 *   r2 = type; r3 = access; r4 = major; r5 = minor       from struct bpf_cgroup_dev_ctx at r1
 *   if r2 != TYPE goto next; [access test]; [if r4 != MAJOR goto next]; [if r5 != MINOR goto next]
 *   r0 = !default; exit
 *   next: ...
 *   r0 = default; exit
 * </pre>
 */
final class DeviceFilter {
    /** The license the program is loaded with (runc's). */
    static final String LICENSE = "Apache";

    // eBPF opcodes: instruction class | operation | operand source; ALU32 writes the low half, zeroes the rest
    private static final int LDX_MEM_W = 0x61; // dst = *(u32 *)(src + off)
    private static final int AND32_K = 0x54; // dst &= imm
    private static final int RSH32_K = 0x74; // dst >>= imm
    private static final int MOV32_X = 0xbc; // dst = src
    private static final int MOV32_K = 0xb4; // dst = imm
    private static final int JEQ_K = 0x15; // if dst == imm goto pc + 1 + off
    private static final int JNE_K = 0x55; // if dst != imm goto pc + 1 + off
    private static final int JNE_X = 0x5d; // if dst != src goto pc + 1 + off
    private static final int EXIT = 0x95; // return r0
    private static final int CLASS_MASK = 0x07;
    private static final int JMP_CLASS = 0x05;

    private static final int R0 = 0;
    private static final int R1 = 1; // the context on entry, then scratch
    private static final int R2 = 2;
    private static final int R3 = 3;
    private static final int R4 = 4;
    private static final int R5 = 5;

    // BPF_DEVCG_DEV_*: the low half of the context's access_type
    private static final int DEV_BLOCK = 1;
    private static final int DEV_CHAR = 2;

    private DeviceFilter() {
    }

    /** The program for rules applied in order (the config's, then the defaults). */
    static long[] compile(List<Spec.DeviceRule> rules) {
        DeviceExceptions state = DeviceExceptions.of(rules);
        List<Long> program = new ArrayList<>(List.of(
                insn(LDX_MEM_W, R2, R1, 0, 0), insn(AND32_K, R2, 0, 0, 0xffff), // type
                insn(LDX_MEM_W, R3, R1, 0, 0), insn(RSH32_K, R3, 0, 0, 16), // access
                insn(LDX_MEM_W, R4, R1, 4, 0), // major
                insn(LDX_MEM_W, R5, R1, 8, 0))); // minor
        state.exceptions().forEach((device, access) -> program.addAll(block(device, access, state.defaultAllow())));
        program.add(insn(MOV32_K, R0, 0, 0, state.defaultAllow() ? 1 : 0));
        program.add(insn(EXIT, 0, 0, 0, 0));
        return program.stream().mapToLong(Long::longValue).toArray();
    }

    /** One exception's block: its tests jump to the next block at the first mismatch. */
    private static List<Long> block(DeviceExceptions.Device device, int access, boolean defaultAllow) {
        List<Long> tests = new ArrayList<>();
        tests.add(insn(JNE_K, R2, 0, 0, device.type() == 'b' ? DEV_BLOCK : DEV_CHAR));
        if (access != DeviceExceptions.ALL) {
            tests.add(insn(MOV32_X, R1, R3, 0, 0));
            tests.add(insn(AND32_K, R1, 0, 0, access));
            // as v1: an allow exception must cover the whole access asked for, a deny one any part of it
            tests.add(defaultAllow ? insn(JEQ_K, R1, 0, 0, 0) : insn(JNE_X, R1, R3, 0, 0));
        }
        if (device.major() >= 0) {
            tests.add(insn(JNE_K, R4, 0, 0, immediate(device.major(), device)));
        }
        if (device.minor() >= 0) {
            tests.add(insn(JNE_K, R5, 0, 0, immediate(device.minor(), device)));
        }
        List<Long> block = new ArrayList<>();
        for (int i = 0; i < tests.size(); i++) {
            long test = tests.get(i);
            int pastBlock = tests.size() - i - 1 + 2; // the rest of the tests, then the two below
            block.add((test & CLASS_MASK) == JMP_CLASS ? test | (pastBlock & 0xffffL) << 16 : test);
        }
        block.add(insn(MOV32_K, R0, 0, 0, defaultAllow ? 0 : 1));
        block.add(insn(EXIT, 0, 0, 0, 0));
        return block;
    }

    /** A major or minor as a jump's immediate, compared sign-extended: Linux's fit in 20 bits anyway. */
    private static int immediate(long number, DeviceExceptions.Device device) {
        if (number > Integer.MAX_VALUE) {
            throw new FutabaException("linux.resources.devices: " + device + ": " + number + " is no device number");
        }
        return (int) number;
    }

    /** struct bpf_insn as a little-endian long: opcode, dst and src registers, offset, immediate. */
    private static long insn(int opcode, int dst, int src, int offset, int immediate) {
        return opcode | dst << 8 | src << 12 | (offset & 0xffffL) << 16 | (immediate & 0xffffffffL) << 32;
    }
}
