package io.karakuri.futaba.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compiled programs are run here by a small classic-BPF interpreter on made-up seccomp_data, so
 * what each profile does is checked without a kernel.
 */
class SeccompCompilerTest {
    private static final long X86_64 = 0xC000003EL;
    private static final long I386 = 0x40000003L;
    private static final long ALLOW = 0x7fff0000L;
    private static final long KILL_PROCESS = 0x80000000L;
    private static final long ERRNO = 0x00050000L;

    private final List<String> warnings = new ArrayList<>();

    /** Runs program on {nr, arch, args}: the value it returns. */
    static long run(long[] program, int nr, long arch, long... args) {
        long a = 0;
        for (int pc = 0; pc < program.length; pc++) {
            long insn = program[pc];
            int code = (int) (insn & 0xffff);
            int jt = (int) ((insn >>> 16) & 0xff);
            int jf = (int) ((insn >>> 24) & 0xff);
            long k = insn >>> 32;
            switch (code) {
                case 0x20 -> a = load(k, nr, arch, args);
                case 0x15 -> pc += a == k ? jt : jf;
                case 0x25 -> pc += a > k ? jt : jf;
                case 0x35 -> pc += a >= k ? jt : jf;
                case 0x05 -> pc += (int) k;
                case 0x54 -> a &= k;
                case 0x06 -> {
                    return k;
                }
                default -> throw new AssertionError("unknown opcode " + code);
            }
        }
        throw new AssertionError("ran off the end of the program");
    }

    private static long load(long offset, int nr, long arch, long[] args) {
        if (offset == 0) {
            return nr & 0xffffffffL;
        }
        if (offset == 4) {
            return arch;
        }
        int index = (int) (offset - 16) / 8;
        long arg = index < args.length ? args[index] : 0;
        return (offset - 16) % 8 == 0 ? arg & 0xffffffffL : arg >>> 32;
    }

    private long[] compile(Spec.Seccomp profile) {
        return SeccompCompiler.compile(profile, warnings::add).instructions();
    }

    private static Spec.Seccomp profile(String defaultAction, List<String> arches, Spec.SyscallRule... rules) {
        return new Spec.Seccomp(defaultAction, null, arches, List.of(), List.of(rules));
    }

    private static Spec.SyscallRule rule(String action, List<String> names, Spec.SyscallArg... args) {
        return new Spec.SyscallRule(names, action, null, List.of(args));
    }

    @Test
    void anAllowListReturnsTheDefaultForEverythingElse() {
        long[] p = compile(profile("SCMP_ACT_ERRNO", List.of("SCMP_ARCH_X86_64"),
                rule("SCMP_ACT_ALLOW", List.of("read", "write", "exit_group"))));
        assertEquals(ALLOW, run(p, 0, X86_64), "read");
        assertEquals(ALLOW, run(p, 1, X86_64), "write");
        assertEquals(ALLOW, run(p, 231, X86_64), "exit_group");
        assertEquals(ERRNO | 1, run(p, 2, X86_64), "open: EPERM");
    }

    @Test
    void aDenyListWithErrnoRet() {
        Spec.SyscallRule mkdir = new Spec.SyscallRule(List.of("mkdir", "mkdirat"), "SCMP_ACT_ERRNO", 13L, List.of());
        long[] p = compile(new Spec.Seccomp("SCMP_ACT_ALLOW", null, List.of(), List.of(), List.of(mkdir)));
        assertEquals(ERRNO | 13, run(p, 83, X86_64), "mkdir: EACCES");
        assertEquals(ERRNO | 13, run(p, 258, X86_64), "mkdirat: EACCES");
        assertEquals(ALLOW, run(p, 0, X86_64));
    }

    @Test
    void anotherArchitectureIsKilledAndX32CallsToo() {
        long[] p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64")));
        assertEquals(ALLOW, run(p, 0, X86_64));
        assertEquals(KILL_PROCESS, run(p, 0, I386), "i386 is not in the profile");
        assertEquals(KILL_PROCESS, run(p, 0x40000000, X86_64), "an x32 call, x32 not in the profile");
    }

    @Test
    void eachArchitectureUsesItsOwnNumbers() {
        long[] p = compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                rule("SCMP_ACT_ERRNO", List.of("getpid"))));
        assertEquals(ERRNO | 1, run(p, 39, X86_64), "getpid on x86_64");
        assertEquals(ERRNO | 1, run(p, 20, I386), "getpid on i386");
        assertEquals(ERRNO | 1, run(p, 0x40000000 + 39, X86_64), "getpid on x32");
        assertEquals(ALLOW, run(p, 20, X86_64), "20 on x86_64 is writev");
    }

    @Test
    void argumentConditionsCompare64BitValues() {
        long big = 0x1_0000_0005L;
        long[] p = compile(profile("SCMP_ACT_ALLOW", List.of(),
                rule("SCMP_ACT_ERRNO", List.of("read"), new Spec.SyscallArg(0, big, 0, "SCMP_CMP_EQ")),
                rule("SCMP_ACT_ERRNO", List.of("write"), new Spec.SyscallArg(0, big, 0, "SCMP_CMP_NE")),
                rule("SCMP_ACT_ERRNO", List.of("open"), new Spec.SyscallArg(1, big, 0, "SCMP_CMP_GT")),
                rule("SCMP_ACT_ERRNO", List.of("close"), new Spec.SyscallArg(0, big, 0, "SCMP_CMP_GE")),
                rule("SCMP_ACT_ERRNO", List.of("stat"), new Spec.SyscallArg(0, big, 0, "SCMP_CMP_LT")),
                rule("SCMP_ACT_ERRNO", List.of("fstat"), new Spec.SyscallArg(0, big, 0, "SCMP_CMP_LE")),
                rule("SCMP_ACT_ERRNO", List.of("lstat"), new Spec.SyscallArg(2, 0xff00, 0x1200, "SCMP_CMP_MASKED_EQ"))));
        long[] around = {big - 1, big, big + 1, 5, 0x2_0000_0005L, 0};
        for (long v : around) {
            assertEquals(v == big, denied(p, 0, v), "EQ " + Long.toHexString(v));
            assertEquals(v != big, denied(p, 1, v), "NE " + Long.toHexString(v));
            assertEquals(v > big, denied(p, 2, 0, v), "GT " + Long.toHexString(v));
            assertEquals(v >= big, denied(p, 3, v), "GE " + Long.toHexString(v));
            assertEquals(v < big, denied(p, 4, v), "LT " + Long.toHexString(v));
            assertEquals(v <= big, denied(p, 5, v), "LE " + Long.toHexString(v));
        }
        assertTrue(denied(p, 6, 0, 0, 0x12ab), "MASKED_EQ: 0x12ab & 0xff00 is 0x1200");
        assertTrue(!denied(p, 6, 0, 0, 0x13ab));
    }

    @Test
    void allConditionsOfARuleMustHoldAndRulesOfOneCallAreAlternatives() {
        long[] p = compile(profile("SCMP_ACT_ALLOW", List.of(),
                rule("SCMP_ACT_ERRNO", List.of("kill"), new Spec.SyscallArg(0, 1, 0, "SCMP_CMP_EQ"),
                        new Spec.SyscallArg(1, 9, 0, "SCMP_CMP_EQ")),
                rule("SCMP_ACT_ERRNO", List.of("kill"), new Spec.SyscallArg(1, 15, 0, "SCMP_CMP_EQ"))));
        int kill = 62;
        assertTrue(denied(p, kill, 1, 9));
        assertTrue(!denied(p, kill, 2, 9), "only one condition of the first rule");
        assertTrue(denied(p, kill, 7, 15), "the second rule");
        assertTrue(!denied(p, kill, 1, 2));
    }

    @Test
    void unknownNamesAreSkippedWithAWarningAndBadProfilesRefused() {
        compile(profile("SCMP_ACT_ALLOW", List.of(), rule("SCMP_ACT_ERRNO", List.of("no_such_call"))));
        assertEquals(List.of("seccomp: no_such_call is not a system call on x86_64: skipped"), warnings);
        warnings.clear();
        // i386's chown32 in a profile for x86_64, x86 and x32: known on one, so no warning
        compile(profile("SCMP_ACT_ALLOW", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
                rule("SCMP_ACT_ERRNO", List.of("chown32", "no_such_call"))));
        assertEquals(List.of("seccomp: no_such_call is not a system call on i386, x32, x86_64: skipped"), warnings);
        for (Spec.Seccomp bad : List.of(
                profile("SCMP_ACT_NOPE", List.of()),
                profile("SCMP_ACT_ALLOW", List.of(), rule("SCMP_ACT_ERRNO", List.of("read"),
                        new Spec.SyscallArg(6, 0, 0, "SCMP_CMP_EQ"))),
                profile("SCMP_ACT_ALLOW", List.of(), rule("SCMP_ACT_ERRNO", List.of("read"),
                        new Spec.SyscallArg(0, 0, 0, "SCMP_CMP_LIKE"))),
                new Spec.Seccomp("SCMP_ACT_ALLOW", null, List.of(), List.of("SECCOMP_FILTER_FLAG_NOPE"), List.of()),
                profile("SCMP_ACT_NOTIFY", List.of()))) {
            FutabaException e = assertThrows(FutabaException.class, () -> compile(bad));
            assertTrue(e.getMessage().startsWith("config.json: linux.seccomp."), e.getMessage());
        }
    }

    private static boolean denied(long[] p, int nr, long... args) {
        return run(p, nr, X86_64, args) != ALLOW;
    }
}
