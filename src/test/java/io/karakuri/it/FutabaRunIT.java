package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `futaba run`: what the container's process sees, and its exit code. */
class FutabaRunIT extends FutabaTestBase {

    @Test
    void exitCodeIsTheProcesses() {
        assertEquals(0, run(bundle().args("true")).code());
        assertEquals(7, run(bundle().shell("exit 7")).code());
        // pid 1 of a pid namespace cannot be killed from inside it: this one runs without one
        Map<String, String> namespaces = new LinkedHashMap<>();
        namespaces.put("mount", null);
        Bundle b = bundle().shell("kill -9 $$").namespaces(namespaces);
        b.config().remove("hostname");
        assertEquals(137, run(b).code(), "killed by SIGKILL: 128 + 9");
    }

    @Test
    void runPassesItsSignalsOnToTheContainer() throws Exception {
        Bundle b = bundle().shell("trap 'echo got TERM; exit 3' TERM; echo ready; sleep 300 & wait").write();
        List<String> cmd = Launcher.command("futaba");
        cmd.addAll(List.of("--root", root.toString(), "run", "--bundle", b.dir().toString(), id("signal")));
        Path out = work.resolve("signal.out");
        Process futaba = new ProcessBuilder(cmd).redirectOutput(out.toFile()).start();
        eventually("the container is ready", () -> {
            try {
                return Files.readString(out).contains("ready");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        futaba.destroy(); // SIGTERM to futaba itself
        assertTrue(futaba.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(3, futaba.exitValue(), "the container's exit code");
        assertEquals("ready\ngot TERM\n", Files.readString(out));
    }

    @Test
    void printsWhatTheProcessPrints() {
        Launcher.Result r = run(bundle().shell("echo out; echo err >&2")).ok();
        assertEquals("out\n", r.out());
        assertEquals("err\n", r.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theUmaskIsTheConfigsElse022() {
        assertEquals("0022\n", run(bundle().shell("umask")).ok().out());
        Bundle b = bundle().shell("umask");
        ((Map<String, Object>) b.section("process").get("user")).put("umask", 077);
        assertEquals("0077\n", run(b).ok().out());
    }

    @Test
    void hostnameAndPidOneAreTheContainers() {
        Bundle b = bundle().shell("hostname; echo $$");
        b.config().put("hostname", "box");
        assertEquals("box\n1\n", run(b).ok().out());
    }

    @Test
    void seesOnlyItsOwnProcessesMountsAndNetwork() {
        String out = run(bundle().shell("ps -o pid,comm; echo ---; cat /proc/self/mountinfo; echo ---; cat /proc/net/dev"))
                .ok().out();
        String[] parts = out.split("---\n");
        List<String> pids = parts[0].lines().skip(1).map(l -> l.strip().split(" +")[0]).toList();
        assertEquals(List.of("1", pids.getLast()), pids, "only the shell (pid 1) and ps: " + parts[0]);
        List<String> mountPoints = parts[1].lines().map(l -> l.split(" ")[4]).toList();
        assertEquals("/", mountPoints.getFirst());
        assertTrue(mountPoints.stream().allMatch(m -> m.equals("/") || m.startsWith("/proc") || m.startsWith("/dev")
                || m.startsWith("/sys")), "only the config's mounts: " + mountPoints);
        List<String> devices = parts[2].lines().skip(2).map(l -> l.strip().split(":")[0]).toList();
        assertEquals(List.of("lo"), devices, "network devices: " + parts[2]);
    }

    @Test
    void inheritsNoFileDescriptorsButStdioAndPreservedOnes() throws Exception {
        assertEquals("0\n1\n2\n3\n", run(bundle().shell("ls /proc/self/fd")).ok().out(), "3 is ls's own");

        // --preserve-fds 1: the fd 3 futaba's caller opened reaches the container
        Path file = Files.writeString(work.resolve("passed"), "passed through\n");
        Bundle b = bundle().shell("cat /proc/self/fd/3").write();
        String futaba = String.join(" ", Launcher.command("futaba").stream().map(a -> "'" + a + "'").toList());
        Launcher.Result r = Launcher.runShell("exec 3<'" + file + "'; " + futaba + " --root '" + root
                + "' run --preserve-fds 1 --bundle '" + b.dir() + "' " + id("fds"));
        assertEquals("passed through\n", r.ok().out());
    }

    @Test
    void defaultDevicesAndLinks() {
        String out = run(bundle().shell("ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; "
                + "for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; echo x > /dev/null && echo written"))
                .ok().out();
        for (String dev : List.of("null", "zero", "full", "random", "urandom", "tty")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith("crw-rw-rw-") && l.endsWith("/dev/" + dev)), dev + ": " + out);
        }
        assertTrue(out.contains("/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\npts/ptmx\n"), out);
        assertTrue(out.contains("written"), out);
    }

    @Test
    void userGroupsEnvironmentAndWorkingDirectory() {
        Bundle b = bundle().shell("id; echo $GREETING; pwd");
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("uid", 1000);
        user.put("gid", 1001);
        user.put("additionalGids", List.of(20, 30));
        b.section("process").put("user", user);
        b.section("process").put("env", List.of("PATH=/bin", "GREETING=hello"));
        b.section("process").put("cwd", "/work/dir");
        b.writable();
        assertEquals("uid=1000 gid=1001 groups=20,30\nhello\n/work/dir\n", run(b).ok().out());
    }

    @Test
    void capabilitiesRlimitsAndNoNewPrivileges() {
        String out = run(bundle().shell("grep -E '^(CapBnd|CapEff|CapPrm|CapAmb|NoNewPrivs)' /proc/self/status; ulimit -n"))
                .ok().out();
        // the template keeps CAP_KILL (5), CAP_NET_BIND_SERVICE (10) and CAP_AUDIT_WRITE (29); its ambient
        // set stays empty, as with runc: the kernel raises only what is also inheritable, and that is empty
        String mask = String.format("%016x", (1L << 5) | (1L << 10) | (1L << 29));
        for (String set : List.of("CapBnd", "CapEff", "CapPrm")) {
            assertTrue(out.contains(set + ":\t" + mask), set + " in " + out);
        }
        assertTrue(out.contains("CapAmb:\t0000000000000000"), out);
        assertTrue(out.contains("NoNewPrivs:\t1"), out);
        assertTrue(out.endsWith("1024\n"), out);
    }

    @Test
    void readonlyRootMaskedAndReadonlyPaths() {
        String out = run(bundle().shell("touch /x 2>/dev/null && echo root-writable; "
                + "cat /proc/keys | wc -c; echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable; "
                + "ls /sys/firmware | wc -l; touch /dev/shm/ok && echo shm-writable")).ok().out();
        assertEquals("0\n0\nshm-writable\n", out);
    }

    @Test
    void sysctlsAndDeviceNodesOfTheConfig() {
        Bundle b = bundle().shell("cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; "
                + "stat -c '%A %u %g %t %T %n' /dev/fuse /dev/loop7 /dev/pipe");
        b.section("linux").put("sysctl", Map.of("net.ipv4.ip_forward", "1", "kernel.shmmni", "1234"));
        b.section("linux").put("devices", List.of(
                Map.of("path", "/dev/fuse", "type", "c", "major", 10, "minor", 229, "fileMode", 0640, "uid", 1000,
                        "gid", 1001),
                Map.of("path", "/dev/loop7", "type", "b", "major", 7, "minor", 7),
                Map.of("path", "/dev/pipe", "type", "p", "fileMode", 0600)));
        String out = run(b).ok().out();
        assertEquals("1\n1234\n" // sysctls, in the container's own namespaces
                + "crw-r----- 1000 1001 a e5 /dev/fuse\n" // major and minor in hex
                + "brw-rw-rw- 0 0 7 7 /dev/loop7\n"
                + "prw------- 0 0 0 0 /dev/pipe\n", out);
    }

    @Test
    void mountsInOrderWithTheirOptions() throws Exception {
        Path host = Files.createDirectories(work.resolve("hostdir"));
        Files.writeString(host.resolve("file"), "from the host\n");
        Path hostFile = Files.writeString(work.resolve("single"), "one file\n");
        Bundle b = bundle().shell("cat /data/file; cat /etc/one; touch /data/new 2>/dev/null || echo read-only; "
                + "grep ' /data ' /proc/self/mountinfo | grep -c nosuid; echo > /scratch/sub/x && echo tmpfs; "
                + "grep ' /scratch/sub ' /proc/self/mountinfo | cut -d' ' -f9");
        b.mount(mount("/data", "bind", host.toString(), List.of("rbind", "ro", "nosuid")));
        b.mount(mount("/etc/one", "bind", hostFile.toString(), List.of("bind", "ro")));
        b.mount(mount("/scratch", "tmpfs", "tmpfs", List.of("mode=755")));
        b.mount(mount("/scratch/sub", "tmpfs", "tmpfs", List.of("size=1m")));
        String out = run(b).ok().out();
        assertEquals("from the host\none file\nread-only\n1\ntmpfs\ntmpfs\n", out);
        assertFalse(Files.exists(host.resolve("new")));
    }

    @Test
    void aTmpcopyupTmpfsStartsWithACopyOfWhatWasThere() throws Exception {
        Bundle b = bundle().shell("cat /etc/conf/a; readlink /etc/conf/link; cat /etc/conf/sub/b; "
                + "stat -c '%a %u:%g' /etc/conf/a /etc/conf/sub; echo new > /etc/conf/c && echo written; "
                + "grep ' /etc/conf ' /proc/self/mountinfo | cut -d' ' -f9");
        Path conf = b.rootfs().resolve("etc/conf");
        Files.createDirectories(conf.resolve("sub"));
        Files.writeString(conf.resolve("a"), "file a\n");
        Files.writeString(conf.resolve("sub/b"), "file b\n");
        Files.createSymbolicLink(conf.resolve("link"), Path.of("a"));
        Files.setPosixFilePermissions(conf.resolve("a"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(conf.resolve("sub"), "unix:uid", 1000);
        b.mount(mount("/etc/conf", "tmpfs", "tmpfs", List.of("tmpcopyup", "nosuid")));

        String out = run(b).ok().out();

        assertEquals("file a\na\nfile b\n640 0:0\n755 1000:0\nwritten\ntmpfs\n", out);
        assertFalse(Files.exists(conf.resolve("c")), "the write went to the tmpfs");
    }

    @Test
    void withoutAMountNamespaceTheMountsAreMadeInTheHostsAndDeleteTakesOffOnlyThose() throws Exception {
        // as podman's overlay would be: a mount at the root before create, which must stay
        Bundle b = bundle().args("sleep", "300");
        String rootfs = b.rootfs().toRealPath().toString();
        assertEquals(0, Launcher.runShell("mount --bind " + rootfs + " " + rootfs).code());
        try {
            Map<String, String> namespaces = new LinkedHashMap<>();
            namespaces.put("pid", null);
            b.namespaces(namespaces);
            b.config().remove("hostname");
            b.write();
            String c = id("host-mounts");
            futaba("run", "--detach", "--bundle", b.dir().toString(), c).ok();
            String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
            assertTrue(mounts.contains(" " + rootfs + "/proc "), "the container's proc, in the host's namespace");
            assertTrue(futaba("exec", c, "sh", "-c", "touch /x 2>&1").out().contains("Read-only file system"));

            futaba("delete", "--force", c).ok();

            List<String> left = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4]).filter(m -> m.startsWith(rootfs)).toList();
            assertEquals(List.of(rootfs), left, "only the mount that was there before");
        } finally {
            Launcher.runShell("umount " + rootfs);
        }
    }

    @Test
    void mountDestinationsNeverLeaveTheRootFileSystem() throws Exception {
        Path outside = Files.createDirectories(work.resolve("outside"));
        Bundle b = bundle().shell("ls -d /escape/inside /up/inside && echo inside");
        // symlinks in the image that point out of it, absolute and relative
        Files.createSymbolicLink(b.rootfs().resolve("escape"), outside);
        Files.createSymbolicLink(b.rootfs().resolve("up"), Path.of("../../../../../../../" + outside));
        b.mount(mount("/escape/inside", "tmpfs", "tmpfs", List.of()));
        b.mount(mount("/up/inside", "tmpfs", "tmpfs", List.of()));
        b.writable();
        assertTrue(run(b).ok().out().contains("inside"));
        try (var entries = Files.list(outside)) {
            assertEquals(List.of(), entries.toList(), "futaba created something outside the root file system");
        }
        assertTrue(Files.isDirectory(b.rootfs().resolve(outside.toString().substring(1)).resolve("inside")),
                "the destination is made inside the root file system instead");
    }

    @Test
    void cgroupNamespaceAndCgroupMount() {
        String out = run(bundle().shell("cat /proc/self/cgroup | grep -c ':/$'; ls /sys/fs/cgroup | grep -c ."))
                .ok().out();
        String[] lines = out.split("\n");
        assertTrue(Integer.parseInt(lines[0]) >= 1, "own cgroup is the root of its namespace: " + out);
        assertTrue(Integer.parseInt(lines[1]) >= 1, "/sys/fs/cgroup shows the hierarchies: " + out);
    }

    static Map<String, Object> mount(String destination, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        m.put("options", options);
        return m;
    }
}
