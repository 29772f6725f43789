package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.spec.Configs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * linux.seccomp: the filter futaba compiles holds for the container's process and everything it runs,
 * and for each process `futaba exec` starts in the container; with and without no_new_privs (without
 * it the filter goes in while the process still has CAP_SYS_ADMIN, as with runc).
 */
class FutabaSeccompIT extends FutabaTestBase {
    private static final String MKDIR = "mkdir /tmp/d 2>&1; echo mkdir=$?";

    private static Map<String, Object> rule(List<String> names, String action, Object... more) {
        Map<String, Object> rule = Configs.json("names", names, "action", action);
        for (int i = 0; i < more.length; i += 2) {
            rule.put((String) more[i], more[i + 1]);
        }
        return rule;
    }

    private Bundle filtered(String defaultAction, List<Map<String, Object>> rules) {
        Bundle b = bundle();
        b.section("linux").put("seccomp", Configs.json("defaultAction", defaultAction,
                "architectures", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"), "syscalls", rules));
        b.mount(Configs.json("destination", "/tmp", "type", "tmpfs", "source", "tmpfs"));
        return b;
    }

    @ParameterizedTest(name = "noNewPrivileges {0}")
    @ValueSource(booleans = {true, false})
    void aDeniedSyscallFailsWithEpermAndTheRestRuns(boolean noNewPrivileges) {
        Bundle b = filtered("SCMP_ACT_ALLOW", List.of(rule(List.of("mkdir", "mkdirat"), "SCMP_ACT_ERRNO")))
                .shell(MKDIR + "; touch /tmp/f && echo touched; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status");
        b.section("process").put("noNewPrivileges", noNewPrivileges);

        String out = run(b).ok().out();

        assertTrue(out.contains("Operation not permitted"), out);
        assertTrue(out.contains("mkdir=1"), out);
        assertTrue(out.contains("touched"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("Seccomp:\\s+2")), "filter mode: " + out);
        assertTrue(out.lines().anyMatch(l -> l.matches("NoNewPrivs:\\s+" + (noNewPrivileges ? 1 : 0))), out);
    }

    @Test
    void errnoRetAndArgumentConditionsAreHonoured() {
        // chmod fails with ENOSYS, but only to mode 0700; mkdir fails with EACCES
        Bundle b = filtered("SCMP_ACT_ALLOW", List.of(
                rule(List.of("chmod"), "SCMP_ACT_ERRNO", "errnoRet", 38,
                        "args", List.of(Configs.json("index", 1, "value", 0700, "op", "SCMP_CMP_EQ"))),
                rule(List.of("mkdir"), "SCMP_ACT_ERRNO", "errnoRet", 13)))
                .shell("touch /tmp/f; chmod 700 /tmp/f 2>&1; echo chmod700=$?; chmod 600 /tmp/f; echo chmod600=$?; "
                        + MKDIR);

        String out = run(b).ok().out();

        assertTrue(out.contains("Function not implemented"), out);
        assertTrue(out.contains("chmod700=1"), out);
        assertTrue(out.contains("chmod600=0"), out);
        assertTrue(out.contains("Permission denied"), out);
        assertTrue(out.contains("mkdir=1"), out);
    }

    @Test
    void aKilledProcessDiesOfSigsys() {
        // the shell forks a child that makes the denied call and dies of it; the shell carries on
        Bundle b = filtered("SCMP_ACT_ALLOW", List.of(rule(List.of("sync"), "SCMP_ACT_KILL_PROCESS")))
                .shell("sh -c 'exec sync'; echo status=$?");

        String out = run(b).ok().out();

        assertTrue(out.contains("status=" + (128 + 31)), "killed by SIGSYS: " + out);
    }

    @Test
    void anAllowListDefaultingToAnErrorRunsWhatItAllows() {
        // docker's shape: everything not named fails; what busybox's sh and echo need is named
        List<String> allowed = List.of("execve", "execveat", "brk", "arch_prctl", "set_tid_address",
                "set_robust_list", "rseq", "prlimit64", "mprotect", "mmap", "munmap", "readlink", "getuid",
                "getgid", "geteuid", "getegid", "getpid", "getppid", "getcwd", "uname", "rt_sigaction",
                "rt_sigprocmask", "rt_sigreturn", "ioctl", "write", "writev", "exit", "exit_group", "close",
                "fcntl", "dup2", "stat", "fstat", "newfstatat", "lstat", "read", "wait4", "clone", "fork",
                "vfork", "getrandom", "futex", "poll", "openat", "open", "access", "faccessat", "faccessat2",
                "setsid", "getpgrp", "setpgid", "capset", "capget", "prctl", "setgroups", "setuid", "setgid",
                "setresuid", "setresgid", "chdir", "getdents64", "statx", "sched_getaffinity");
        Bundle b = filtered("SCMP_ACT_ERRNO", List.of(rule(allowed, "SCMP_ACT_ALLOW")))
                .shell("echo allowed; " + MKDIR);

        String out = run(b).ok().out();

        assertTrue(out.contains("allowed"), out);
        assertTrue(out.contains("mkdir=1"), out);
    }

    @Test
    void execInTheContainerIsFilteredToo() {
        Bundle b = filtered("SCMP_ACT_ALLOW", List.of(rule(List.of("mkdir", "mkdirat"), "SCMP_ACT_ERRNO")))
                .args("sleep", "300").write();
        String c = id("filtered");
        futaba("run", "--detach", "--bundle", b.dir().toString(), c).ok();

        Launcher.Result exec = futaba("exec", c, "sh", "-c", MKDIR);

        assertEquals(0, exec.code(), exec.err());
        assertTrue(exec.out().contains("Operation not permitted"), exec.out());
        futaba("delete", "--force", c).ok();
    }

    @Test
    void anUnknownActionIsAConfigErrorBeforeAnythingRuns() {
        Bundle b = filtered("SCMP_ACT_ALLOW", List.of(rule(List.of("mkdir"), "SCMP_ACT_EXPLODE"))).shell("true");

        Launcher.Result r = run(b);

        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown action \"SCMP_ACT_EXPLODE\""), r.err());
    }
}
