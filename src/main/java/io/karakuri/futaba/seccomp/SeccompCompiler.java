package io.karakuri.futaba.seccomp;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * linux.seccomp compiled to a classic BPF program for seccomp(SECCOMP_SET_MODE_FILTER), as libseccomp
 * would make it: the architecture is checked first (another one gets the "bad architecture" action,
 * killing the process), then each system call the profile names, with its argument conditions, in the
 * profile's order (conditional rules of a system call before its unconditional ones); anything else gets
 * the default action. A system call name unknown on an architecture is skipped, as runc does; one no
 * architecture of the profile knows gets a warning.
 */
public final class SeccompCompiler {
    /** The program and the seccomp() flags to load it with. */
    public record Filter(long[] instructions, long flags) {}

    // classic BPF opcodes
    private static final int LD_W_ABS = 0x20;
    private static final int JEQ_K = 0x15;
    private static final int JGT_K = 0x25;
    private static final int JGE_K = 0x35;
    private static final int JA = 0x05;
    private static final int AND_K = 0x54;
    private static final int RET_K = 0x06;

    // struct seccomp_data
    private static final int NR = 0;
    private static final int ARCH = 4;
    private static final int ARGS = 16;

    private static final long RET_KILL_PROCESS = 0x80000000L;
    private static final long RET_KILL_THREAD = 0x00000000L;
    private static final long RET_TRAP = 0x00030000L;
    private static final long RET_ERRNO = 0x00050000L;
    private static final long RET_TRACE = 0x7ff00000L;
    private static final long RET_LOG = 0x7ffc0000L;
    private static final long RET_ALLOW = 0x7fff0000L;
    private static final long EPERM = 1;
    private static final int X32_SYSCALL_BIT = 0x40000000;
    private static final int MAX_INSTRUCTIONS = 4096;

    /** An architecture futaba has a system call table for: its audit number and word size. */
    private record Arch(String table, long audit, boolean is32Bit) {}

    private static final Map<String, Arch> ARCHES = Map.of(
            "SCMP_ARCH_X86_64", new Arch("x86_64", 0xC000003EL, false),
            "SCMP_ARCH_X86", new Arch("i386", 0x40000003L, true),
            "SCMP_ARCH_X32", new Arch("x32", 0xC000003EL, false),
            "SCMP_ARCH_AARCH64", new Arch("aarch64", 0xC00000B7L, false));

    private static final Map<String, Long> FLAGS = Map.of(
            "SECCOMP_FILTER_FLAG_TSYNC", 1L,
            "SECCOMP_FILTER_FLAG_LOG", 2L,
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4L,
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 32L);

    private final Consumer<String> warnings;
    private final List<long[]> program = new ArrayList<>();
    private final Set<String> warned = new HashSet<>();
    /** Each syscall name some architecture of the profile does not know: those architectures. */
    private final Map<String, Set<String>> unknownOn = new TreeMap<>();

    private SeccompCompiler(Consumer<String> warnings) {
        this.warnings = warnings;
    }

    /** The native architecture's OCI name (used when the profile lists none). */
    public static String nativeArch() {
        return "aarch64".equals(System.getProperty("os.arch")) ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64";
    }

    /** Checks a profile's names without compiling it: actions, operators, flags, argument indexes. */
    public static void validate(Spec.Seccomp seccomp) {
        action(seccomp.defaultAction(), seccomp.defaultErrnoRet(), "defaultAction");
        flags(seccomp.flags());
        for (Spec.SyscallRule rule : seccomp.syscalls()) {
            action(rule.action(), rule.errnoRet(), "syscalls " + rule.names());
            for (Spec.SyscallArg arg : rule.args()) {
                if (arg.index() < 0 || arg.index() > 5) {
                    throw invalid("syscalls " + rule.names() + ": argument index " + arg.index() + " is not 0 to 5");
                }
                if (!List.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                        "SCMP_CMP_MASKED_EQ").contains(arg.op())) {
                    throw invalid("syscalls " + rule.names() + ": unknown operator \"" + arg.op() + "\"");
                }
            }
        }
    }

    public static Filter compile(Spec.Seccomp seccomp, Consumer<String> warnings) {
        validate(seccomp);
        return new SeccompCompiler(warnings).build(seccomp);
    }

    private Filter build(Spec.Seccomp seccomp) {
        long defaultAction = action(seccomp.defaultAction(), seccomp.defaultErrnoRet(), "defaultAction");
        List<String> names = seccomp.architectures().isEmpty() ? List.of(nativeArch()) : seccomp.architectures();
        Map<Long, List<Arch>> byAudit = new LinkedHashMap<>();
        for (String name : names) {
            Arch arch = ARCHES.get(name);
            if (arch == null) {
                warn("seccomp architecture " + name + " is not supported here: its processes get killed");
                continue;
            }
            byAudit.computeIfAbsent(arch.audit(), k -> new ArrayList<>()).add(arch);
        }
        // the architecture dispatch: a jump to each section, patched once the sections are laid out
        emit(LD_W_ABS, 0, 0, ARCH);
        List<Integer> dispatch = new ArrayList<>();
        for (long audit : byAudit.keySet()) {
            emit(JEQ_K, 0, 1, audit);
            dispatch.add(program.size());
            emit(JA, 0, 0, 0);
        }
        emit(RET_K, 0, 0, RET_KILL_PROCESS); // bad architecture
        List<List<Arch>> sections = new ArrayList<>(byAudit.values());
        for (int i = 0; i < sections.size(); i++) {
            int jump = dispatch.get(i);
            program.get(jump)[3] = program.size() - jump - 1;
            section(sections.get(i), seccomp.syscalls(), defaultAction);
        }
        // A profile names the calls of all its architectures (chown32 is i386's): only a name no
        // architecture of the profile knows is worth a warning, likely a typo or a newer kernel's call.
        long arches = byAudit.values().stream().mapToLong(List::size).sum();
        unknownOn.forEach((name, tables) -> {
            if (tables.size() == arches) {
                warn("seccomp: " + name + " is not a system call on " + String.join(", ", tables) + ": skipped");
            }
        });
        if (program.size() > MAX_INSTRUCTIONS) {
            throw new FutabaException("linux.seccomp: the profile compiles to " + program.size()
                    + " instructions, more than the kernel's " + MAX_INSTRUCTIONS);
        }
        long[] out = new long[program.size()];
        for (int k = 0; k < out.length; k++) {
            long[] insn = program.get(k);
            out[k] = (insn[0] & 0xffff) | ((insn[1] & 0xff) << 16) | ((insn[2] & 0xff) << 24) | ((insn[3] & 0xffffffffL) << 32);
        }
        return new Filter(out, flags(seccomp.flags()));
    }

    /**
     * One audit architecture's rules. x86_64 and x32 share one: x32 calls carry X32_SYSCALL_BIT in their
     * number, and without x32 in the profile they get the bad-architecture action.
     */
    private void section(List<Arch> arches, List<Spec.SyscallRule> rules, long defaultAction) {
        emit(LD_W_ABS, 0, 0, NR);
        boolean x86_64 = arches.stream().anyMatch(a -> a.table().equals("x86_64"));
        boolean x32 = arches.stream().anyMatch(a -> a.table().equals("x32"));
        if (x86_64 && !x32) {
            emit(JGE_K, 0, 1, X32_SYSCALL_BIT);
            emit(RET_K, 0, 0, RET_KILL_PROCESS);
        }
        for (Arch arch : arches) {
            SyscallTable table = SyscallTable.load(arch.table());
            for (boolean conditional : new boolean[] {true, false}) {
                for (Spec.SyscallRule rule : rules) {
                    if (rule.args().isEmpty() == conditional) {
                        continue;
                    }
                    long action = action(rule.action(), rule.errnoRet(), "syscalls");
                    for (String name : rule.names()) {
                        Integer nr = table.number(name);
                        if (nr == null) {
                            unknownOn.computeIfAbsent(name, k -> new TreeSet<>()).add(arch.table());
                            continue;
                        }
                        rule(nr, arch.is32Bit(), rule.args(), action);
                    }
                }
            }
        }
        emit(RET_K, 0, 0, defaultAction);
    }

    /** jeq nr → (argument checks) → ret action; on a mismatch, ld nr and on to the next rule. */
    private void rule(int nr, boolean is32Bit, List<Spec.SyscallArg> args, long action) {
        List<long[]> block = new ArrayList<>();
        List<Integer> failJumps = new ArrayList<>(); // (index, 1 = jt / 2 = jf) pairs, flattened
        for (Spec.SyscallArg arg : args) {
            argument(block, failJumps, arg, is32Bit);
        }
        block.add(new long[] {RET_K, 0, 0, action});
        if (!args.isEmpty()) {
            // the checks loaded arguments: a failed one jumps past the return to load the number again
            block.add(new long[] {LD_W_ABS, 0, 0, NR});
            for (int k = 0; k < failJumps.size(); k += 2) {
                int at = failJumps.get(k);
                block.get(at)[failJumps.get(k + 1)] = block.size() - 1 - at - 1;
            }
        }
        if (block.size() > 255) {
            throw new FutabaException("linux.seccomp: a rule with too many conditions");
        }
        emit(JEQ_K, 0, block.size(), nr);
        program.addAll(block);
    }

    /**
     * The checks of one condition. Arguments are 64 bits, the BPF machine's words 32: the high word is
     * compared first (on 32-bit architectures only the low word exists).
     */
    private static void argument(List<long[]> block, List<Integer> fails, Spec.SyscallArg arg, boolean is32Bit) {
        long value = arg.value();
        int lo = ARGS + 8 * arg.index();
        int hi = lo + 4;
        long vlo = value & 0xffffffffL;
        long vhi = value >>> 32;
        // targets inside a check: 0 = next instruction; FAIL is patched by rule(); PASS = past this check
        switch (arg.op()) {
            case "SCMP_CMP_EQ", "SCMP_CMP_MASKED_EQ" -> {
                boolean masked = arg.op().equals("SCMP_CMP_MASKED_EQ");
                long expected = masked ? arg.valueTwo() : value;
                if (!is32Bit) {
                    block.add(new long[] {LD_W_ABS, 0, 0, hi});
                    if (masked) {
                        block.add(new long[] {AND_K, 0, 0, vhi});
                    }
                    block.add(new long[] {JEQ_K, 0, 0, expected >>> 32});
                    fail(block, fails, 2);
                }
                block.add(new long[] {LD_W_ABS, 0, 0, lo});
                if (masked) {
                    block.add(new long[] {AND_K, 0, 0, vlo});
                }
                block.add(new long[] {JEQ_K, 0, 0, expected & 0xffffffffL});
                fail(block, fails, 2);
            }
            case "SCMP_CMP_NE" -> {
                if (is32Bit) {
                    block.add(new long[] {LD_W_ABS, 0, 0, lo});
                    block.add(new long[] {JEQ_K, 0, 0, vlo});
                    fail(block, fails, 1);
                } else {
                    // passes when either word differs
                    block.add(new long[] {LD_W_ABS, 0, 0, hi});
                    block.add(new long[] {JEQ_K, 0, 2, vhi}); // a differing high word: past the low check
                    block.add(new long[] {LD_W_ABS, 0, 0, lo});
                    block.add(new long[] {JEQ_K, 0, 0, vlo});
                    fail(block, fails, 1);
                }
            }
            default -> {
                // GT, GE, LT, LE: unsigned, high word first
                boolean greater = arg.op().equals("SCMP_CMP_GT") || arg.op().equals("SCMP_CMP_GE");
                int lowTest = arg.op().equals("SCMP_CMP_GT") || arg.op().equals("SCMP_CMP_LE") ? JGT_K : JGE_K;
                if (!is32Bit) {
                    block.add(new long[] {LD_W_ABS, 0, 0, hi});
                    // high word above: decided (pass for GT/GE, fail for LT/LE); below: the opposite
                    int above = block.size();
                    block.add(new long[] {JGT_K, 0, 0, vhi});
                    int equal = block.size();
                    block.add(new long[] {JEQ_K, 0, 0, vhi});
                    block.add(new long[] {LD_W_ABS, 0, 0, lo});
                    int low = block.size();
                    block.add(new long[] {lowTest, 0, 0, vlo});
                    int end = block.size(); // the check's end: the next check, or the return
                    if (greater) {
                        block.get(above)[1] = end - above - 1;  // above: pass
                        fails.add(equal);                       // below: fail
                        fails.add(2);
                        fails.add(low);                         // low word not greater: fail
                        fails.add(2);
                    } else {
                        fails.add(above);                       // above: fail
                        fails.add(1);
                        block.get(equal)[2] = end - equal - 1;  // below: pass
                        fails.add(low);                         // low word greater (or equal): fail
                        fails.add(1);
                    }
                } else {
                    block.add(new long[] {LD_W_ABS, 0, 0, lo});
                    block.add(new long[] {lowTest, 0, 0, vlo});
                    fail(block, fails, greater ? 2 : 1);
                }
            }
        }
    }

    /** The last instruction's jt (1) or jf (2) jumps to the rule's failure. */
    private static void fail(List<long[]> block, List<Integer> fails, int which) {
        fails.add(block.size() - 1);
        fails.add(which);
    }

    private void emit(int code, int jt, int jf, long k) {
        program.add(new long[] {code, jt, jf, k});
    }

    private void warn(String message) {
        if (warned.add(message)) {
            warnings.accept(message);
        }
    }

    private static long action(String name, Long errnoRet, String where) {
        return switch (name) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> RET_KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> RET_KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> RET_TRAP;
            case "SCMP_ACT_ERRNO" -> RET_ERRNO | ((errnoRet == null ? EPERM : errnoRet) & 0xffff);
            case "SCMP_ACT_TRACE" -> RET_TRACE | ((errnoRet == null ? EPERM : errnoRet) & 0xffff);
            case "SCMP_ACT_LOG" -> RET_LOG;
            case "SCMP_ACT_ALLOW" -> RET_ALLOW;
            case "SCMP_ACT_NOTIFY" -> throw invalid(where + ": SCMP_ACT_NOTIFY (a seccomp agent) is not supported yet");
            default -> throw invalid(where + ": unknown action \"" + name + "\"");
        };
    }

    private static long flags(List<String> names) {
        long flags = 0;
        for (String name : names) {
            Long f = FLAGS.get(name);
            if (f == null) {
                throw invalid("flags: unknown or unsupported flag \"" + name + "\"");
            }
            flags |= f;
        }
        return flags;
    }

    private static FutabaException invalid(String message) {
        return new FutabaException("config.json: linux.seccomp." + message);
    }
}
