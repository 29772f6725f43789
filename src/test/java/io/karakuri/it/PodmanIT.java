package io.karakuri.it;

import static io.karakuri.it.ContainerEngines.IMAGE;
import static io.karakuri.it.FutabaTestBase.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.cgroup.CgroupHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * podman drives futaba in place of crun or runc: podman with its storage, run and temporary directories
 * under a temporary directory, the cgroupfs cgroup manager, no network, and futaba registered as the
 * runtime "futaba" in a containers.conf of the test's own (so that podman also passes it
 * --log-format=json and --log, as it does for runc and crun). Through conmon podman calls:
 *
 * <pre>
 * futaba [--log-format=json --log U/oci-log] create --bundle U --pid-file P/pidfile [--console-socket S] ID
 * futaba start ID
 * futaba exec --pid-file U/ID/exec_pid --process U/ID/exec-process-N --detach [--tty --console-socket S] ID
 * futaba pause ID / resume ID
 * futaba kill ID SIGNAL-NUMBER                    (stop: the stop signal, then 9 after the timeout)
 * futaba delete --force ID                        (also from conmon's exit command, podman container cleanup)
 * futaba --systemd-cgroup ...                     (only with --cgroup-manager systemd)
 * </pre>
 *
 * podman passes no --root, so futaba keeps its state in /run/futaba. (`podman --runtime-flag root=DIR`
 * would move it, but podman 4.3 leaves that flag out of the exit command it gives conmon: the clean-up
 * then deletes in /run/futaba, and a later start finds the container "exists already".)
 *
 * <p>Every test runs with podman's defaults: its seccomp profile, process.user.umask and containers.conf's
 * default_sysctls (net.ipv4.ping_group_range), as `podman run IMAGE` gives them.
 */
class PodmanIT {
    private static final Duration PODMAN_TIMEOUT = Duration.ofSeconds(90);
    private static final String CGROUP_PARENT = "/futaba-it-podman-" + ProcessHandle.current().pid();
    /** What this sandbox needs (its hard nofile and nproc limits are below podman's defaults), and no network. */
    private static final List<String> RUN_FLAGS = List.of("--network", "none", "--ulimit", "nofile=1024:1024",
            "--ulimit", "nproc=1024:1024", "--cgroup-parent", CGROUP_PARENT);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @TempDir
    static Path dir;

    private static Path runtimeRoot;
    /** containers.conf: futaba as the runtime "futaba", with json logs, podman's defaults otherwise. */
    private static Path conf;

    private final List<String> names = new ArrayList<>();

    @BeforeAll
    static void loadImage() throws IOException {
        ContainerEngines.require("podman", "podman");
        ContainerEngines.require("conmon", "conmon");
        ContainerEngines.require("script", "bsdutils");
        runtimeRoot = Path.of("/run/futaba");
        Files.createDirectories(dir.resolve("tmp"));
        // CONTAINERS_CONF replaces every other containers.conf, Debian's /usr/share/containers/containers.conf
        // too: this one repeats its default_sysctls.
        String runtime = """
                [engine]
                runtime_supports_json = ["crun", "runc", "futaba"]

                [engine.runtimes]
                futaba = ["%s"]
                """.formatted(Launcher.executable("futaba", dir.resolve("bin")));
        conf = Files.writeString(dir.resolve("containers.conf"), """
                [containers]
                default_sysctls = ["net.ipv4.ping_group_range=0 0"]

                """ + runtime);
        podman("load", "--input", ContainerEngines.busyboxArchive(dir).toString()).ok();
    }

    @AfterAll
    static void removeImage() throws IOException {
        podman("rm", "--all", "--force", "--time", "0");
        podman("rmi", "--all", "--force");
        ContainerEngines.removeCgroup(CGROUP_PARENT);
        ContainerEngines.assertNothingMountedOrRunningUnder(dir);
    }

    /** A fresh container name, remembered for the clean-up. */
    private String name(String what) {
        String name = what + "-" + COUNTER.incrementAndGet();
        names.add(name);
        return name;
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        List<String> ids = new ArrayList<>();
        for (String name : names) {
            Launcher.Result inspect = podman("inspect", "--format", "{{.Id}}", name);
            if (inspect.code() == 0) {
                ids.add(inspect.out().strip());
                podman("unpause", name); // a paused container dies of SIGKILL only once thawed
                podman("rm", "--force", "--time", "0", name);
            }
        }
        assertEquals("", podman("ps", "--all", "--quiet").out(), "containers left");
        for (String id : ids) {
            assertFalse(Files.exists(runtimeRoot.resolve(id)), "futaba state left for " + id);
            ContainerEngines.assertNoCgroup(CGROUP_PARENT + "/libpod-" + id);
        }
        ContainerEngines.assertNothingMountedOrRunningUnder(dir);
    }

    // --- the tests ---

    @Test
    void runsAnImageInTheForegroundAndRemovesIt() {
        Launcher.Result r = podmanRun("--rm", IMAGE, "echo", "hi");
        assertEquals(0, r.code(), r.toString());
        assertEquals("hi\n", r.out());
        assertEquals("", podman("ps", "--all", "--quiet").ok().out());
    }

    @Test
    void podmansDefaults() {
        Launcher.Result r = podman(runArgs("--rm", IMAGE, "sh", "-c",
                "grep Seccomp: /proc/self/status; umask; cat /proc/sys/net/ipv4/ping_group_range"));
        assertEquals(0, r.code(), r.toString());
        assertEquals("Seccomp:\t2\n0022\n0\t0\n", r.out());
    }

    @Test
    void theUmask() {
        Launcher.Result r = podmanRun("--rm", "--umask", "0077", IMAGE, "sh", "-c", "umask; touch /tmp/f; stat -c %a /tmp/f");
        assertEquals(0, r.code(), r.toString());
        assertEquals("0077\n600\n", r.out());
    }

    @Test
    void sysctls() {
        Launcher.Result r = podmanRun("--rm", "--sysctl", "kernel.msgmax=65536", "--sysctl", "net.ipv4.ip_forward=1",
                IMAGE, "cat", "/proc/sys/kernel/msgmax", "/proc/sys/net/ipv4/ip_forward");
        assertEquals(0, r.code(), r.toString());
        assertEquals("65536\n1\n", r.out());
    }

    @Test
    void exitCodesAsPodmanMapsThem() {
        assertEquals(42, podmanRun("--rm", IMAGE, "sh", "-c", "exit 42").code());
        Launcher.Result r = podmanRun("--rm", IMAGE, "/no-such-program");
        assertEquals(127, r.code(), r.toString());
        assertEquals(127, podmanRun("--rm", IMAGE, "no-such-program").code());
        // runc fails the create of a program it cannot execute (podman: 126, "permission denied"); futaba
        // finds out only at the execve after start, and the container exits 1.
        r = podmanRun("--rm", IMAGE, "/etc/passwd");
        assertEquals(126, r.code(), r.toString());
        assertTrue(r.err().contains("ermission denied"), r.err());
    }

    @Test
    void aDetachedContainerTakesExecTopPauseUnpauseStopStartAndRm() {
        String name = name("life");
        podmanRun("--detach", "--name", name, IMAGE, "sleep", "300").ok();
        assertEquals("running", status(name));

        Launcher.Result exec = podman("exec", name, "sh", "-c", "echo exec-out; exit 7");
        assertEquals(7, exec.code(), exec.toString());
        assertEquals("exec-out\n", exec.out());
        assertEquals("uid=65534 gid=65534\n/tmp\nbar\n", podman("exec", "--user", "65534:65534", "--workdir", "/tmp",
                "--env", "FOO=bar", name, "sh", "-c", "echo uid=$(id -u) gid=$(id -g); pwd; echo $FOO").ok().out());
        assertEquals("piped\n", podman("exec", "--interactive", name, "sh", "-c", "echo piped | cat").ok().out());
        assertEquals(127, podman("exec", name, "no-such-program").code());
        podman("exec", "--detach", name, "sleep", "200").ok();
        String top = podman("top", name).ok().out();
        assertTrue(top.contains("sleep 300") && top.contains("sleep 200"), top);

        podman("pause", name).ok();
        assertEquals("paused", status(name));
        podman("unpause", name).ok();
        assertEquals("running", status(name));

        // sleep as pid 1 ignores SIGTERM: podman sends SIGKILL after the timeout.
        podman("stop", "--time", "1", name).ok();
        assertEquals("exited", status(name));
        assertEquals("137", podman("inspect", "--format", "{{.State.ExitCode}}", name).ok().out().strip());
        podman("start", name).ok();
        assertEquals("running", status(name));
        podman("restart", "--time", "1", name).ok();
        assertEquals("running", status(name));
        podman("rm", "--force", "--time", "0", name).ok();
        assertFalse(podman("ps", "--all", "--format", "{{.Names}}").ok().out().contains(name));
    }

    @Test
    void killingAPausedContainerStopsIt() {
        // podman kill sends `kill ID 9` and waits for conmon's exit file. runc (1.1, cgroup v1) thaws a
        // paused container after SIGKILL; futaba leaves it frozen and podman times out.
        String name = name("paused");
        podmanRun("--detach", "--name", name, IMAGE, "sleep", "300").ok();
        podman("pause", name).ok();
        Launcher.Result r = podman("kill", name);
        assertEquals(0, r.code(), r.toString());
        eventually("the container exits", () -> status(name).equals("exited"));
        assertEquals("137", podman("inspect", "--format", "{{.State.ExitCode}}", name).ok().out().strip());
    }

    @Test
    void runWithATerminal() {
        Launcher.Result r = ContainerEngines.run(PODMAN_TIMEOUT, Map.of("CONTAINERS_CONF", conf.toString()),
                ContainerEngines.underATerminal(ContainerEngines.shellLine(podmanCommand(runArgs(
                        "--rm", "--tty", IMAGE, "sh", "-c", "test -t 0 && test -t 1 && echo tty-ok")))));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("tty-ok"), r.toString());
    }

    @Test
    void execWithATerminal() {
        String name = name("exec-tty");
        podmanRun("--detach", "--name", name, IMAGE, "sleep", "300").ok();
        Launcher.Result r = ContainerEngines.run(PODMAN_TIMEOUT, Map.of("CONTAINERS_CONF", conf.toString()),
                ContainerEngines.underATerminal(ContainerEngines.shellLine(podmanCommand(List.of("exec", "--tty",
                        "--interactive", name, "sh", "-c", "test -t 0 && echo tty-ok")))));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("tty-ok"), r.toString());
    }

    @Test
    void aReadOnlyRootWithWritableTmpfsCopiedUp() {
        // --read-only mounts tmpfs on /tmp, /var/tmp and /run with the option "tmpcopyup" (copy the image's
        // files into the new tmpfs), which runc and crun know and mount(2) does not.
        Launcher.Result r = podmanRun("--rm", "--read-only", IMAGE, "sh", "-c",
                "touch /x 2>/dev/null && echo root-writable; touch /tmp/y && echo tmp-ok");
        assertEquals(0, r.code(), r.toString());
        assertEquals("tmp-ok\n", r.out());
    }

    @Test
    void aTmpfsMount() {
        Launcher.Result r = podmanRun("--rm", "--tmpfs", "/scratch:size=1m", IMAGE, "sh", "-c",
                "grep ' /scratch ' /proc/mounts | cut -d' ' -f3");
        assertEquals(0, r.code(), r.toString());
        assertEquals("tmpfs\n", r.out());
    }

    @Test
    void aPrivilegedContainerSeesTheHostsDevices() {
        // --privileged lists every host device in linux.devices.
        Launcher.Result r = podmanRun("--rm", "--privileged", IMAGE, "sh", "-c", "ls /dev | wc -l");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Integer.parseInt(r.out().strip()) > 20, "devices: " + r.out());
    }

    @Test
    void aUserNamespace() {
        Launcher.Result r = podmanRun("--rm", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536", IMAGE,
                "cat", "/proc/self/uid_map");
        assertEquals(0, r.code(), r.toString());
        assertEquals("0 100000 65536", r.out().strip().replaceAll("\\s+", " "));
    }

    @Test
    void limitsReachTheContainersCgroup() throws IOException {
        String name = name("limits");
        podmanRun("--detach", "--name", name, "--memory", "100m", "--cpus", "0.5", "--pids-limit", "50", IMAGE,
                "sleep", "300").ok();
        String cgroup = CGROUP_PARENT + "/libpod-" + podman("inspect", "--format", "{{.Id}}", name).ok().out().strip();
        if (CgroupHost.detect().version() == 1) {
            assertEquals("104857600", cgroupFile(cgroup, "memory.limit_in_bytes"));
            assertEquals("50000", cgroupFile(cgroup, "cpu.cfs_quota_us"));
        } else {
            assertEquals("104857600", cgroupFile(cgroup, "memory.max"));
            assertEquals("50000 100000", cgroupFile(cgroup, "cpu.max"));
        }
        assertEquals("50", cgroupFile(cgroup, "pids.max"));
        assertTrue(podman("stats", "--no-stream", "--format", "{{.MemUsage}}", name).ok().out().contains("/"));
    }

    @Test
    void mountsUsersHostnamesAndTheHostsNamespaces() {
        assertEquals("seen\n", podmanRun("--rm", "--volume", dir.resolve("tmp") + ":/host:ro", IMAGE, "sh", "-c",
                "test -d /host && ! touch /host/x 2>/dev/null && echo seen").ok().out());
        assertEquals("65534:65534\n", podmanRun("--rm", "--user", "65534:65534", IMAGE, "sh", "-c",
                "echo $(id -u):$(id -g)").ok().out());
        assertEquals("box1\n", podmanRun("--rm", "--hostname", "box1", IMAGE, "hostname").ok().out());
        assertTrue(podmanRun("--rm", "--pid", "host", IMAGE, "cat", "/proc/1/cmdline").ok().out().length() > 0);
        assertEquals(Launcher.runShell("hostname").ok().out(), podmanRun("--rm", "--uts", "host", IMAGE, "hostname").ok().out());
        assertEquals("NoNewPrivs:\t1\n", podmanRun("--rm", "--security-opt", "no-new-privileges", IMAGE, "grep",
                "NoNewPrivs:", "/proc/self/status").ok().out());
        assertEquals("100\n", podmanRun("--rm", "--oom-score-adj", "100", IMAGE, "cat", "/proc/self/oom_score_adj").ok().out());
    }

    // --- helpers ---

    /** The podman command line: storage, state and temporary files under the test's directory. */
    private static List<String> podmanCommand(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", dir.resolve("root").toString(),
                "--runroot", dir.resolve("runroot").toString(), "--tmpdir", dir.resolve("libpod").toString(),
                "--volumepath", dir.resolve("volumes").toString(),
                "--network-config-dir", dir.resolve("networks").toString(),
                "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                "--runtime", "futaba"));
        cmd.addAll(args);
        return cmd;
    }

    private static Launcher.Result podman(String... args) {
        return podman(List.of(args));
    }

    private static Launcher.Result podman(List<String> args) {
        return ContainerEngines.run(PODMAN_TIMEOUT, Map.of("CONTAINERS_CONF", conf.toString(),
                "TMPDIR", dir.resolve("tmp").toString()), podmanCommand(args));
    }

    /** `podman run` with the sandbox's flags, then args. */
    private static List<String> runArgs(String... args) {
        List<String> all = new ArrayList<>(List.of("run"));
        all.addAll(RUN_FLAGS);
        all.addAll(List.of(args));
        return all;
    }

    private static Launcher.Result podmanRun(String... args) {
        return podman(runArgs(args));
    }

    /** The container's status as podman inspect tells it: created, running, paused, exited. */
    private static String status(String name) {
        return podman("inspect", "--format", "{{.State.Status}}", name).ok().out().strip();
    }

    private static String cgroupFile(String cgroupsPath, String file) throws IOException {
        for (Path d : ContainerEngines.cgroupDirs(cgroupsPath)) {
            if (Files.exists(d.resolve(file))) {
                return Files.readString(d.resolve(file)).strip();
            }
        }
        throw new AssertionError("no " + file + " in the cgroup " + cgroupsPath);
    }
}
