package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karakuri.futaba.cgroup.CgroupHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * linux.resources: the limits are written to the container's cgroup, and the kernel enforces them; `update`
 * changes them. The checks of single files are for cgroup v1; src/test/sh/cgroup2-checks.sh makes them on v2.
 */
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

    /**
     * Creates a container (sleep 300) from b in cgroupsPath (absolute, so that for v1 real-time limits its
     * parent is the hierarchy's root, which has a real-time budget), runs check with its id, and deletes it.
     */
    private void withContainer(Bundle b, String cgroupsPath, ThrowingConsumer<String> check) throws Throwable {
        b.args("sleep", "300").section("linux").put("cgroupsPath", cgroupsPath);
        b.write();
        String id = id("limits");
        Launcher.Result created = futaba("create", "--bundle", b.dir().toString(), id).ok();
        try {
            check.accept(id);
        } finally {
            futaba("delete", "--force", id).ok();
            for (CgroupHost.Hierarchy h : CgroupHost.detect().hierarchies()) {
                assertTrue(!Files.exists(h.dir(cgroupsPath)), "left behind: " + h.dir(cgroupsPath));
            }
        }
        assertEquals("", created.err());
    }

    private static CgroupHost.Hierarchy hierarchy(CgroupHost host, String controller) {
        return host.hierarchies().stream().filter(h -> h.has(controller)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + controller + " hierarchy"));
    }

    private static CgroupHost v1() {
        CgroupHost host = CgroupHost.detect();
        assumeTrue(host.version() == 1, "cgroup v1: src/test/sh/cgroup2-checks.sh checks v2 in a virtual machine");
        return host;
    }

    @Test
    void withoutDeviceRulesOnlyTheDefaultDevicesAreAllowedAsWithRunc() throws Throwable {
        CgroupHost host = v1();
        String path = "/" + id("cg");
        Bundle b = bundle();
        b.resources("devices", List.of());
        withContainer(b, path, id -> {
            List<String> allowed = List.of(read(host, "devices", path, "devices.list").split("\n"));
            assertTrue(allowed.contains("c 1:3 rwm") && allowed.contains("c 136:* rwm"), allowed.toString());
            assertTrue(!allowed.contains("a *:* rwm") && !allowed.contains("b 8:* rwm"), allowed.toString());
        });
    }

    @Test
    void memoryAndCpuMembersReachTheirV1Files() throws Throwable {
        CgroupHost host = v1();
        String path = "/" + id("cg");
        Bundle b = bundle();
        b.resources("memory", Map.of("limit", 64 * MIB, "swappiness", 10, "disableOOMKiller", true,
                "useHierarchy", true));
        b.resources("cpu", Map.of("quota", 50000, "period", 100000, "burst", 20000, "realtimeRuntime", 10000,
                "realtimePeriod", 500000, "idle", 1));
        boolean burst = Files.exists(hierarchy(host, "cpu").mountPoint().resolve("cpu.cfs_burst_us"));
        boolean realtime = Files.exists(hierarchy(host, "cpu").mountPoint().resolve("cpu.rt_runtime_us"));
        assumeTrue(realtime, "this kernel has no real-time group scheduling (cpu.rt_runtime_us)");
        withContainer(b, path, id -> {
            assertEquals("10", read(host, "memory", path, "memory.swappiness"));
            assertTrue(read(host, "memory", path, "memory.oom_control").contains("oom_kill_disable 1"));
            assertEquals("1", read(host, "memory", path, "memory.use_hierarchy"));
            assertEquals("50000", read(host, "cpu", path, "cpu.cfs_quota_us"));
            if (burst) {
                assertEquals("20000", read(host, "cpu", path, "cpu.cfs_burst_us"));
            }
            assertEquals("10000", read(host, "cpu", path, "cpu.rt_runtime_us"));
            assertEquals("500000", read(host, "cpu", path, "cpu.rt_period_us"));
            assertEquals("1", read(host, "cpu", path, "cpu.idle"));
        });
    }

    @Test
    void kernelMemoryIsAcceptedWithAWarning() {
        Bundle b = bundle().shell("echo ran");
        b.resources("memory", Map.of("kernel", 8 * MIB, "kernelTCP", MIB));
        Launcher.Result r = run(b).ok();
        assertEquals("ran\n", r.out());
        assertTrue(r.err().contains("futaba: warning: linux.resources.memory.kernel and kernelTCP: kernel memory "
                + "limits are deprecated and ignored"), r.err());
    }

    @Test
    void blockIoReachesTheBlkioFiles() throws Throwable {
        CgroupHost host = v1();
        String weightFile = blkioWeightFile(host);
        assumeTrue(weightFile != null, "this kernel has neither blkio.weight nor blkio.bfq.weight");
        String device = Files.readString(Path.of("/sys/block", blockDevices().getFirst(), "dev")).strip();
        long major = Long.parseLong(device.split(":")[0]);
        long minor = Long.parseLong(device.split(":")[1]);
        String path = "/" + id("cg");
        Bundle b = bundle();
        b.resources("blockIO", Map.of("weight", 300,
                "throttleReadBpsDevice", List.of(Map.of("major", major, "minor", minor, "rate", MIB)),
                "throttleWriteIOPSDevice", List.of(Map.of("major", major, "minor", minor, "rate", 100))));
        withContainer(b, path, id -> {
            assertEquals("300", read(host, "blkio", path, weightFile));
            assertEquals(device + " " + MIB, read(host, "blkio", path, "blkio.throttle.read_bps_device"));
            assertEquals(device + " 100", read(host, "blkio", path, "blkio.throttle.write_iops_device"));
        });
    }

    @Test
    void anEmptyBlockIoIsAccepted() {
        Bundle b = bundle().shell("echo ran");
        b.resources("blockIO", Map.of());
        assertEquals("ran\n", run(b).ok().out());
    }

    /** The weight file a new blkio cgroup gets (not the root's: it has none), or null. */
    private String blkioWeightFile(CgroupHost host) throws Exception {
        Path probe = hierarchy(host, "blkio").dir("/it-probe-" + ProcessHandle.current().pid());
        Files.createDirectory(probe);
        try {
            return Stream.of("blkio.weight", "blkio.bfq.weight").filter(f -> Files.exists(probe.resolve(f)))
                    .findFirst().orElse(null);
        } finally {
            Files.delete(probe);
        }
    }

    private static List<String> blockDevices() throws Exception {
        try (Stream<Path> devices = Files.list(Path.of("/sys/block"))) {
            List<String> names = devices.map(d -> d.getFileName().toString()).sorted().toList();
            assumeTrue(!names.isEmpty(), "no block device");
            return names;
        }
    }

    @Test
    void rdmaWithoutItsControllerAndUnifiedOnV1AreClearErrors() {
        CgroupHost host = v1();
        assumeTrue(host.hierarchies().stream().noneMatch(h -> h.has("rdma")), "this host has an rdma hierarchy");
        Bundle b = bundle().shell("echo ran");
        b.resources("rdma", Map.of("mlx4_0", Map.of("hcaHandles", 2)));
        Launcher.Result r = run(b);
        assertEquals(1, r.code(), r.toString());
        assertEquals("futaba: linux.resources.rdma: this host has no rdma cgroup hierarchy\n", r.err());

        b = bundle().shell("echo ran");
        b.resources("unified", Map.of("memory.high", "1G"));
        r = run(b);
        assertEquals(1, r.code(), r.toString());
        assertEquals("futaba: linux.resources.unified: unified resources can only be used with cgroup v2 (this host's "
                + "controllers are on cgroup v1)\n", r.err());
    }

    @Test
    void updateChangesTheLimitsOfACreatedRunningOrPausedContainer() throws Throwable {
        CgroupHost host = v1();
        String path = "/" + id("cg");
        Bundle b = bundle();
        b.resources("memory", Map.of("limit", 64 * MIB));
        b.resources("cpu", Map.of("shares", 512));
        withContainer(b, path, id -> {
            futaba("update", "--memory", "32m", "--memory-swap", "64m", "--cpu-quota", "20000", "--cpu-period",
                    "50000", "--pids-limit", "20", id).ok();
            assertEquals(Long.toString(32 * MIB), read(host, "memory", path, "memory.limit_in_bytes"));
            assertEquals(Long.toString(64 * MIB), read(host, "memory", path, "memory.memsw.limit_in_bytes"));
            assertEquals("20000", read(host, "cpu", path, "cpu.cfs_quota_us"));
            assertEquals("50000", read(host, "cpu", path, "cpu.cfs_period_us"));
            assertEquals("20", read(host, "pids", path, "pids.max"));

            futaba("start", id).ok();
            // as containerd passes them: on the standard input, with device rules, which update leaves be
            String devices = read(host, "devices", path, "devices.list");
            Launcher.runShell("echo '{\"memory\": {\"limit\": " + 48 * MIB + "}, \"cpu\": {\"shares\": 256}, "
                    + "\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}' | " + futabaInShell()
                    + " update -r - " + id).ok();
            assertEquals(Long.toString(48 * MIB), read(host, "memory", path, "memory.limit_in_bytes"));
            assertEquals("256", read(host, "cpu", path, "cpu.shares"));
            assertEquals(devices, read(host, "devices", path, "devices.list"));

            futaba("pause", id).ok();
            futaba("update", "--pids-limit", "30", id).ok();
            assertEquals("30", read(host, "pids", path, "pids.max"));
            futaba("resume", id).ok();

            Launcher.Result refused = futaba("update", "--memory", "16m", "--cpuset-cpus", "4095", id);
            assertEquals(1, refused.code(), refused.toString());
            assertTrue(refused.err().startsWith("futaba: linux.resources.cpu.cpus: cannot write \"4095\" to "),
                    refused.err());
            assertEquals(Long.toString(48 * MIB), read(host, "memory", path, "memory.limit_in_bytes"),
                    "the memory limit written before the refused value is put back");

            Path tooLow = Files.writeString(work.resolve("low.json"),
                    "{\"memory\": {\"limit\": 4096, \"checkBeforeUpdate\": true}}");
            Launcher.Result checked = futaba("update", "-r", tooLow.toString(), id);
            assertEquals(1, checked.code(), checked.toString());
            assertTrue(checked.err().startsWith("futaba: linux.resources.memory.limit: refusing a memory limit of 4096 "
                    + "bytes: the container uses "), checked.err());
            assertEquals(Long.toString(48 * MIB), read(host, "memory", path, "memory.limit_in_bytes"));

            futaba("kill", id, "KILL").ok();
            eventually("the container stops", () -> futaba("state", id).ok().out().contains("\"status\": \"stopped\""));
            Launcher.Result stopped = futaba("update", "--memory", "64m", id);
            assertEquals("futaba: cannot update container " + id + ": it is stopped\n", stopped.err());
        });
    }

    /** The futaba command line, with this test's state root, for a shell script. */
    private String futabaInShell() {
        return Stream.concat(Launcher.command("futaba").stream(), Stream.of("--root", root.toString()))
                .map(w -> "'" + w + "'").collect(Collectors.joining(" "));
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
