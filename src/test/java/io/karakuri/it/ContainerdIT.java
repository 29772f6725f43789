package io.karakuri.it;

import static io.karakuri.it.ContainerEngines.IMAGE;
import static io.karakuri.it.FutabaTestBase.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.cgroup.CgroupHost;
import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd drives futaba in place of runc, as `ctr run --runc-binary futaba` asks: a containerd of the
 * test's own (its root, state and sockets under a temporary directory, the CRI plugin off) runs the
 * busybox image that src/test/sh/make-oci-archive.sh builds, through its runc v2 shim
 * (io.containerd.runc.v2). The shim calls futaba with runc's command lines:
 *
 * <pre>
 * futaba --root R/NS --log B/log.json --log-format json create --bundle B --pid-file B/init.pid [--console-socket S] ID
 * futaba ... start ID
 * futaba ... exec --process /tmp/runc-process... [--console-socket S] --detach --pid-file B/EXEC.pid ID
 * futaba ... ps --format json ID
 * futaba ... pause ID / resume ID
 * futaba ... kill [--all] ID SIGNAL-NUMBER
 * futaba ... delete ID, then delete --force ID
 * </pre>
 *
 * Each test leaves no container, futaba state, cgroup, mount or process behind.
 */
class ContainerdIT {
    private static final Duration CTR_TIMEOUT = Duration.ofSeconds(60);
    private static final String NAMESPACE = "futaba-it-" + ProcessHandle.current().pid();
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @TempDir
    static Path dir;

    private static Path socket;
    private static Path config;
    private static Path runtimeRoot;
    private static Path futaba;
    private static Process containerd;

    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void startContainerd() throws Exception {
        ContainerEngines.require("containerd", "containerd");
        ContainerEngines.require("ctr", "containerd");
        ContainerEngines.require("script", "bsdutils");
        socket = dir.resolve("containerd.sock");
        runtimeRoot = dir.resolve("futaba");
        futaba = Launcher.executable("futaba", dir.resolve("bin"));
        config = Files.writeString(dir.resolve("config.toml"), """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper"]

                [grpc]
                  address = "%s"

                [ttrpc]
                  address = "%s.ttrpc"

                [debug]
                  address = ""
                  level = "debug"

                [metrics]
                  address = ""
                """.formatted(dir.resolve("root"), dir.resolve("state"), socket, socket));
        startDaemon();
        ctr("images", "import", ContainerEngines.busyboxArchive(dir).toString()).ok();
    }

    @AfterAll
    static void stopContainerd() throws Exception {
        if (containerd != null) {
            ctr("images", "remove", IMAGE);
            stopDaemon();
        }
        ContainerEngines.removeCgroup("/" + NAMESPACE);
        ContainerEngines.assertNothingMountedOrRunningUnder(dir);
    }

    private static void startDaemon() throws IOException {
        containerd = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("containerd.log").toFile()))
                .start();
        eventually("containerd answers on " + socket, () -> containerd.isAlive() && Files.exists(socket)
                && ctr("version").code() == 0);
    }

    private static void stopDaemon() throws InterruptedException {
        containerd.destroy();
        if (!containerd.waitFor(20, TimeUnit.SECONDS)) {
            containerd.destroyForcibly().waitFor();
        }
        containerd = null;
    }

    /** A fresh container id, remembered for the clean-up. */
    private String id(String name) {
        String id = name + "-" + COUNTER.incrementAndGet();
        ids.add(id);
        return id;
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        for (String id : ids) {
            // A paused task dies of SIGKILL only once thawed: resume first, so that one failing test does
            // not leave a task that hangs the next.
            for (List<String> step : List.of(List.of("task", "resume", id),
                    List.of("task", "kill", "--signal", "SIGKILL", id), List.of("task", "delete", "--force", id),
                    List.of("container", "delete", id))) {
                try {
                    ctr(step);
                } catch (AssertionError timedOut) {
                    // go on with the next step
                }
            }
        }
        assertEquals("", ctr("containers", "list", "--quiet").out(), "containers left in namespace " + NAMESPACE);
        for (String id : ids) {
            assertFalse(Files.exists(runtimeRoot.resolve(NAMESPACE).resolve(id)), "futaba state left for " + id);
            ContainerEngines.assertNoCgroup(cgroupsPath(id));
        }
        ContainerEngines.assertNothingMountedOrRunningUnder(dir);
    }

    // --- the tests ---

    @Test
    void runsAnImageInTheForegroundAndRemovesIt() {
        String id = id("run");
        Launcher.Result r = ctrRun("--rm", IMAGE, id, "echo", "hi");
        assertEquals(0, r.code(), r.toString());
        assertEquals("hi\n", r.out());
        assertFalse(ctr("containers", "list", "--quiet").ok().out().contains(id));
        assertEquals(42, ctrRun("--rm", IMAGE, id("exit"), "sh", "-c", "exit 42").code(), "the task's exit code is ctr's");
    }

    @Test
    void withoutRmTheContainerStaysUntilDeleted() {
        String id = id("keep");
        assertEquals("hi\n", ctrRun(IMAGE, id, "echo", "hi").ok().out());
        assertTrue(ctr("containers", "list", "--quiet").ok().out().contains(id));
        ctr("container", "delete", id).ok();
        assertFalse(Files.exists(runtimeRoot.resolve(NAMESPACE).resolve(id)));
    }

    @Test
    void aFailedCreateReportsFutabasErrorFromItsJsonLog() {
        Launcher.Result r = ctrRun("--rm", IMAGE, id("missing"), "/no-such-program");
        assertEquals(1, r.code(), r.toString());
        // The shim reads the message back from the log.json it passed with --log and --log-format json.
        assertTrue(r.err().contains("OCI runtime create failed: exec \"/no-such-program\": No such file or directory"),
                r.err());
    }

    @Test
    void aDetachedTaskTakesExecPsPauseResumeKillAndDelete() {
        String id = id("task");
        ctrRun("--detach", IMAGE, id, "sleep", "300").ok();
        long pid = taskPid(id);
        assertEquals("running", futabaState(id).string("status", ""));
        assertEquals(pid, futabaState(id).integer("pid", 0));

        Launcher.Result exec = ctr("task", "exec", "--exec-id", "e1", id, "sh", "-c", "echo exec-out; exit 7");
        assertEquals(7, exec.code(), exec.toString());
        assertEquals("exec-out\n", exec.out());
        assertEquals("uid=65534 gid=65534\n/tmp\n", ctr("task", "exec", "--exec-id", "e2", "--user", "65534:65534",
                "--cwd", "/tmp", id, "sh", "-c", "echo uid=$(id -u) gid=$(id -g); pwd").ok().out());
        ctr("task", "exec", "--detach", "--exec-id", "e3", id, "sleep", "200").ok();
        String ps = ctr("task", "ps", id).ok().out();
        assertTrue(ps.contains(Long.toString(pid)) && ps.contains("ExecID:e3"), ps);

        ctr("task", "pause", id).ok();
        assertEquals("PAUSED", taskStatus(id));
        assertEquals("paused", futabaState(id).string("status", ""));
        ctr("task", "resume", id).ok();
        assertEquals("RUNNING", taskStatus(id));
        assertEquals("running", futabaState(id).string("status", ""));

        ctr("task", "kill", "--signal", "SIGKILL", id).ok();
        eventually("the task stops", () -> taskStatus(id).equals("STOPPED"));
        ctr("task", "delete", id).ok();
        ctr("container", "delete", id).ok();
        assertFalse(Files.exists(runtimeRoot.resolve(NAMESPACE).resolve(id)));
    }

    @Test
    void killAllReachesEveryProcess() {
        String id = id("kill-all");
        ctrRun("--detach", IMAGE, id, "sleep", "300").ok();
        long pid = taskPid(id);
        ctr("task", "exec", "--detach", "--exec-id", "e1", id, "sleep", "200").ok();
        ctr("task", "kill", "--all", "--signal", "SIGKILL", id).ok();
        eventually("the task stops", () -> taskStatus(id).equals("STOPPED"));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void sigkillStopsAPausedTask() {
        // runc (1.1, cgroup v1) thaws a paused container after sending it SIGKILL, so that it dies; futaba
        // leaves it frozen until `resume`.
        String id = id("paused-kill");
        ctrRun("--detach", IMAGE, id, "sleep", "300").ok();
        ctr("task", "pause", id).ok();
        ctr("task", "kill", "--signal", "SIGKILL", id).ok();
        eventually("the paused task dies of SIGKILL", () -> taskStatus(id).equals("STOPPED"));
    }

    @Test
    void forceDeletingAPausedTaskDoesNotHang() {
        // `ctr task delete --force` makes the shim call `kill --all ID 9` and wait for the exit.
        String id = id("paused-rm");
        ctrRun("--detach", IMAGE, id, "sleep", "300").ok();
        ctr("task", "pause", id).ok();
        Launcher.Result r = ContainerEngines.run(Duration.ofSeconds(20), Map.of(),
                ctrCommand(List.of("task", "delete", "--force", id)));
        assertEquals(0, r.code(), r.toString());
        assertEquals("", taskStatus(id));
    }

    @Test
    void runWithATerminal() {
        // The shim passes --console-socket to create and expects the pty master on it.
        String id = id("tty");
        Launcher.Result r = ContainerEngines.run(CTR_TIMEOUT, Map.of(), ContainerEngines.underATerminal(
                ContainerEngines.shellLine(ctrCommand(runArgs("--tty", "--rm", IMAGE, id, "sh", "-c",
                        "test -t 0 && test -t 1 && echo tty-ok")))));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("tty-ok"), r.toString());
    }

    @Test
    void execWithATerminal() {
        String id = id("exec-tty");
        ctrRun("--detach", IMAGE, id, "sleep", "300").ok();
        Launcher.Result r = ContainerEngines.run(CTR_TIMEOUT, Map.of(), ContainerEngines.underATerminal(
                ContainerEngines.shellLine(ctrCommand(List.of("task", "exec", "--tty", "--exec-id", "t1", id, "sh", "-c",
                        "test -t 0 && echo tty-ok")))));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("tty-ok"), r.toString());
    }

    @Test
    void theDefaultSeccompProfile() {
        // ctr --seccomp puts containerd's default profile in linux.seccomp.
        Launcher.Result r = ctrRun("--rm", "--seccomp", IMAGE, id("seccomp"), "grep", "Seccomp:", "/proc/self/status");
        assertEquals(0, r.code(), r.toString());
        assertEquals("Seccomp:\t2\n", r.out());
    }

    @Test
    void aPrivilegedTaskSeesTheHostsDevices() {
        // --privileged lists every host device in linux.devices.
        Launcher.Result r = ctrRun("--rm", "--privileged", IMAGE, id("privileged"), "sh", "-c", "ls /dev | wc -l");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Integer.parseInt(r.out().strip()) > 20, "devices: " + r.out());
    }

    @Test
    void limitsReachTheTasksCgroup() throws IOException {
        String id = id("limits");
        ctrRun("--detach", "--memory-limit", "104857600", "--cpus", "0.5", "--cpu-shares", "512", IMAGE, id,
                "sleep", "300").ok();
        if (CgroupHost.detect().version() == 1) {
            assertEquals("104857600", cgroupFile(id, "memory.limit_in_bytes"));
            assertEquals("50000", cgroupFile(id, "cpu.cfs_quota_us"));
            assertEquals("512", cgroupFile(id, "cpu.shares"));
        } else {
            assertEquals("104857600", cgroupFile(id, "memory.max"));
            assertEquals("50000 100000", cgroupFile(id, "cpu.max"));
        }
        assertTrue(ctr("task", "metrics", id).ok().out().contains("memory"));
    }

    @Test
    void tasksOutliveARestartOfContainerd() throws Exception {
        String id = id("restart");
        ctrRun("--detach", IMAGE, id, "sleep", "300").ok();
        stopDaemon();
        startDaemon();
        assertEquals("RUNNING", taskStatus(id));
        assertEquals("after\n", ctr("task", "exec", "--exec-id", "e1", id, "echo", "after").ok().out());
        ctr("task", "kill", "--signal", "SIGKILL", id).ok();
        eventually("the task stops", () -> taskStatus(id).equals("STOPPED"));
        ctr("task", "delete", id).ok();
    }

    @Test
    void theTaskOfADeadShimIsForceDeleted() throws IOException {
        // containerd cleans up after a shim that died with `containerd-shim-runc-v2 delete`, which calls
        // `futaba delete --force` on the running container.
        String id = id("dead-shim");
        ctrRun("--detach", IMAGE, id, "sleep", "300").ok();
        long pid = taskPid(id);
        ProcessHandle shim = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).orElseThrow();
        assertTrue(shim.info().command().orElse("").contains("containerd-shim-runc-v2"), shim.info().toString());
        // The shim's socket (under /run/containerd/s) is removed by the shim itself as it exits, and so
        // left behind by a killed one.
        Path shimSocket = Path.of(Files.readString(dir.resolve("state/io.containerd.runtime.v2.task")
                .resolve(NAMESPACE).resolve(id).resolve("address")).strip().replaceFirst("^unix://", ""));
        shim.destroyForcibly();
        eventually("the container's process is killed", () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false));
        eventually("futaba's state is deleted", () -> !Files.exists(runtimeRoot.resolve(NAMESPACE).resolve(id)));
        eventually("the task is gone", () -> taskStatus(id).isEmpty());
        Files.deleteIfExists(shimSocket);
    }

    // --- helpers ---

    private static String cgroupsPath(String id) {
        return "/" + NAMESPACE + "/" + id; // what ctr puts in linux.cgroupsPath
    }

    /** A file of the task's cgroup, in whichever hierarchy has it. */
    private static String cgroupFile(String id, String name) throws IOException {
        for (Path d : ContainerEngines.cgroupDirs(cgroupsPath(id))) {
            if (Files.exists(d.resolve(name))) {
                return Files.readString(d.resolve(name)).strip();
            }
        }
        throw new AssertionError("no " + name + " in the cgroup of " + id);
    }

    /**
     * ctr's command line for args, with its fifos for the task's stdio under the test's directory (ctr
     * leaves those of detached tasks behind in /run/containerd/fifo otherwise).
     */
    private static List<String> ctrCommand(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket.toString(), "--namespace", NAMESPACE));
        cmd.addAll(args);
        int at = args.getFirst().equals("run") ? 1 : args.size() > 1 && args.subList(0, 2).equals(List.of("task", "exec")) ? 2 : -1;
        if (at > 0) {
            cmd.addAll(5 + at, List.of("--fifo-dir", dir.resolve("fifo").toString()));
        }
        return cmd;
    }

    private static Launcher.Result ctr(String... args) {
        return ctr(List.of(args));
    }

    private static Launcher.Result ctr(List<String> args) {
        return ContainerEngines.run(CTR_TIMEOUT, Map.of(), ctrCommand(args));
    }

    /** `ctr run` with futaba as the shim's runc: its binary and its state root. */
    private static List<String> runArgs(String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--runc-binary", futaba.toString(),
                "--runc-root", runtimeRoot.toString()));
        all.addAll(List.of(args));
        return all;
    }

    private static Launcher.Result ctrRun(String... args) {
        return ctr(runArgs(args));
    }

    /** The task's status in `ctr task list` (RUNNING, PAUSED, STOPPED...), or "" if it has none. */
    private static String taskStatus(String id) {
        return ctr("task", "list").ok().out().lines().map(l -> l.split("\\s+"))
                .filter(f -> f.length == 3 && f[0].equals(id)).map(f -> f[2]).findFirst().orElse("");
    }

    private static long taskPid(String id) {
        return ctr("task", "list").ok().out().lines().map(l -> l.split("\\s+"))
                .filter(f -> f.length == 3 && f[0].equals(id)).mapToLong(f -> Long.parseLong(f[1])).findFirst()
                .orElseThrow(() -> new AssertionError("no task " + id));
    }

    /** `futaba state` under the root the shim gave it (--runc-root, then the namespace). */
    private static JsonObject futabaState(String id) {
        String out = Launcher.run("futaba", List.of("--root", runtimeRoot.resolve(NAMESPACE).toString(), "state", id))
                .ok().out();
        return JsonObject.root(Json.parse(out), "state");
    }
}
