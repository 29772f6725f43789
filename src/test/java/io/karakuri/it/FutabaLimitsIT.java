package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.cgroup.CgroupHost;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** linux.resources: the limits are written to the container's cgroup, and the kernel enforces them. */
class FutabaLimitsIT extends FutabaTestBase {
    private static final long MIB = 1024 * 1024;

    @Test
    void allocatingPastTheMemoryLimitGetsTheProcessKilled() {
        // dd holds its whole block in memory: 64 MiB against a limit of 16, then 4 MiB
        Bundle b = bundle().shell("dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo $?; "
                + "dd if=/dev/zero of=/dev/null bs=4M count=1 2>/dev/null; echo $?");
        b.resources("memory", Map.of("limit", 16 * MIB, "swap", 16 * MIB));
        assertEquals("137\n0\n", run(b).ok().out(), "the OOM killer's SIGKILL is 128 + 9");
    }

    @Test
    void aForkBombStopsAtThePidsLimit() {
        // the shell counts the sleeps it started, until a fork fails: with itself, 10 processes at most
        Bundle b = bundle().shell("i=0; while [ $i -lt 30 ]; do sleep 60 & i=$((i+1)); echo $i; done");
        b.resources("pids", Map.of("limit", 10));
        Launcher.Result r = run(b);
        int started = r.out().lines().mapToInt(Integer::parseInt).max().orElse(0);
        assertTrue(started >= 5 && started <= 9, "sleeps started: " + r);
        assertTrue(r.code() != 0 && r.err().contains("fork"), "the shell failed to fork: " + r);
    }

    @Test
    void cpuAndMemoryValuesReachTheCgroupFiles() throws Exception {
        Bundle b = bundle().args("sleep", "300");
        b.resources("cpu", Map.of("shares", 512, "quota", 50000, "period", 100000, "cpus", "0"));
        b.resources("memory", Map.of("limit", 64 * MIB, "reservation", 32 * MIB));
        b.resources("pids", Map.of("limit", 42));
        String cgroupsPath = "/futaba-it/" + id("cg");
        b.section("linux").put("cgroupsPath", cgroupsPath);
        b.write();
        String id = id("limits");
        futaba("create", "--bundle", b.dir().toString(), id).ok();
        try {
            CgroupHost host = CgroupHost.detect();
            if (host.version() == 1) {
                assertEquals("512", read(host, "cpu", cgroupsPath, "cpu.shares"));
                assertEquals("50000", read(host, "cpu", cgroupsPath, "cpu.cfs_quota_us"));
                assertEquals("100000", read(host, "cpu", cgroupsPath, "cpu.cfs_period_us"));
                assertEquals("0", read(host, "cpuset", cgroupsPath, "cpuset.cpus"));
                assertEquals(Long.toString(64 * MIB), read(host, "memory", cgroupsPath, "memory.limit_in_bytes"));
                assertEquals(Long.toString(32 * MIB), read(host, "memory", cgroupsPath, "memory.soft_limit_in_bytes"));
                assertEquals("42", read(host, "pids", cgroupsPath, "pids.max"));
            } else {
                assertEquals("50000 100000", read(host, "", cgroupsPath, "cpu.max"));
                assertEquals(Long.toString(64 * MIB), read(host, "", cgroupsPath, "memory.max"));
                assertEquals("42", read(host, "", cgroupsPath, "pids.max"));
            }
        } finally {
            futaba("delete", "--force", id).ok();
            for (CgroupHost.Hierarchy h : CgroupHost.detect().hierarchies()) {
                Files.deleteIfExists(h.dir("/futaba-it"));
            }
        }
    }

    private static String read(CgroupHost host, String controller, String path, String file) throws Exception {
        for (CgroupHost.Hierarchy h : host.hierarchies()) {
            if (controller.isEmpty() || h.has(controller)) {
                return Files.readString(h.dir(path).resolve(file)).strip();
            }
        }
        throw new AssertionError("no " + controller + " hierarchy");
    }

    @Test
    void theProcessIsInItsCgroupBeforeItRuns() {
        // without a cgroup namespace, /proc/self/cgroup shows the host's path of the container's cgroup
        Map<String, String> namespaces = new LinkedHashMap<>();
        namespaces.put("mount", null);
        namespaces.put("pid", null);
        Bundle b = bundle().shell("cat /proc/self/cgroup").namespaces(namespaces);
        b.config().remove("hostname");
        String out = run(b).ok().out();
        assertTrue(out.lines().allMatch(l -> l.contains("/it-run-")), out);
    }
}
