package io.karakuri.it;

import static io.karakuri.it.HitohaFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container commands end to end, as root: the installed karakuri against an installed hitoha of the
 * test's own (socket, store, run directory) with real overlays, cgroups, network namespaces and nftables.
 * Every test leaves nothing behind (checked after each: records, directories, mounts, cgroups, veths,
 * network namespaces, monitors).
 */
class ContainersIT {
    @TempDir
    static Path dir;

    private static HitohaFixture hitoha;

    @BeforeAll
    static void startHitoha() throws Exception {
        hitoha = HitohaFixture.start(dir);
    }

    @AfterAll
    static void stopHitoha() throws Exception {
        if (hitoha != null) {
            hitoha.close();
        }
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        hitoha.removeAllAndCheckNothingLeft();
    }

    private static Launcher.Result karakuri(String... args) {
        return hitoha.karakuri(args);
    }

    /** A refusal: exit code, nothing on stdout, exactly one line on stderr. */
    private static void refused(Launcher.Result r, int code, String line) {
        assertEquals(code, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertEquals(line + "\n", r.err());
    }

    private static String fullId(String ref) {
        return hitoha.inspect(ref).string("id", "");
    }

    // ------------------------------------------------------------------------------------------------ run

    @Test
    void runStreamsStdoutAndStderrSeparatelyAndExitsWithTheContainersCode() throws Exception {
        Launcher.Result r = karakuri("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(new Launcher.Result(3, "out\n", "err\n"), r);
        assertEquals("[]\n", karakuri("ls", "--all", "--format", "json").ok().out(), "--rm removed it");

        r = karakuri("run", "--name", "kept", "--cmd", "sh,-c,echo kept", "busybox");
        assertEquals(new Launcher.Result(0, "kept\n", ""), r);
        JsonObject kept = hitoha.containers().getFirst();
        assertEquals(List.of("kept", "exited", "0"), List.of(kept.string("name", ""), kept.string("status", ""),
                String.valueOf(kept.integer("exitCode"))));
        assertEquals("kept\n", karakuri("rm", "kept").ok().out());

        // no newline at the end; a megabyte out; half a megabyte in (-i) and its end of file
        assertEquals(new Launcher.Result(0, "abc", ""), karakuri("run", "--rm", "busybox", "printf", "abc"));
        r = karakuri("run", "--rm", "busybox", "sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' a; echo; echo e >&2");
        assertEquals(0, r.code(), r.err());
        assertEquals("a".repeat(1_000_000) + "\n", r.out());
        assertEquals("e\n", r.err());
        Path in = Files.writeString(dir.resolve("stdin.txt"), "x".repeat(500_000));
        StringBuilder cmd = new StringBuilder("KARAKURI_SOCKET='" + hitoha.socket + "' exec");
        for (String word : Launcher.command("karakuri")) {
            cmd.append(" '").append(word).append('\'');
        }
        r = Launcher.runShell(cmd + " run -i --rm busybox wc -c < '" + in + "'");
        assertEquals(new Launcher.Result(0, "500000\n", ""), r);
    }

    @Test
    void detachedContainerListedInspectedLoggedAndStopped() throws Exception {
        String id = karakuri("run", "-d", "--name", "ticker", "busybox", "sh", "-c",
                "echo one; echo two >&2; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done").ok().out().strip();
        assertTrue(id.matches("[0-9a-f]{12}"), id);
        await(Duration.ofSeconds(10), "three ticks", () -> karakuri("logs", id).out().contains("tick 2\n"));

        List<String> table = karakuri("ls").ok().out().lines().toList();
        assertEquals(3, table.size(), table.toString());
        assertTrue(table.get(0).matches("CONTAINER ID \\| Name +\\| IMAGE +\\| STATUS +\\| PORT +\\| COMMAND"), table.get(0));
        assertTrue(table.get(2).matches(id + " \\| ticker \\| busybox \\| running \\| +\\| sh -c echo one; .*done"),
                table.get(2));
        assertEquals(id + "\n", karakuri("ls", "-q").ok().out());
        JsonObject row = hitoha.containers().getFirst();
        assertEquals(List.of(id, "ticker", "busybox", "running", "default"), List.of(row.string("id", ""),
                row.string("name", ""), row.string("image", ""), row.string("status", ""), row.string("ns", "")));
        assertTrue(row.string("ip", "").matches("10\\.157\\.2\\.\\d+"), row.toString());

        JsonObject details = hitoha.inspect("ticker");
        assertEquals(id, details.string("id", ""));
        long pid = details.integer("pid");
        assertTrue(ProcessHandle.of(pid).isPresent(), "the container's process " + pid + " runs");
        assertEquals(List.of("sh", "-c", "echo one; echo two >&2; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"),
                details.strings("command"));
        assertTrue(karakuri("inspect", id).ok().out().lines().anyMatch(l -> l.matches("status +: running")));

        JsonObject spec = JsonObject.root(Json.parse(karakuri("spec", "ticker").ok().out()), "spec");
        assertEquals(id, spec.string("hostname", ""), "the id is the hostname");
        assertEquals(details.strings("command"), spec.object("process").strings("args"));

        Launcher.Result logs = karakuri("logs", "ticker").ok();
        assertTrue(logs.out().startsWith("one\ntick 0\ntick 1\n"), logs.out());
        assertEquals("two\n", logs.err());
        Launcher.Result tail = karakuri("logs", "--tail", "2", "ticker").ok();
        assertTrue(tail.out().matches("tick (\\d+)\ntick \\d+\n"), tail.out());
        assertEquals("", tail.err());
        String stamped = karakuri("logs", "--timestamps", "--tail", "3", id).ok().out();
        assertTrue(stamped.matches("(20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z tick \\d+\n){3}"), stamped);

        long started = System.nanoTime();
        assertEquals("ticker\n", karakuri("stop", "--time", "1", "ticker").ok().out()); // sh as pid 1 ignores SIGTERM
        long took = (System.nanoTime() - started) / 1_000_000;
        assertTrue(took >= 1000 && took < 6000, "stop --time 1 took " + took + " ms");
        assertEquals(137L, hitoha.inspect(id).integer("exitCode"));
        assertFalse(ProcessHandle.of(pid).isPresent(), "killed");
        assertTrue(karakuri("ls", "--all").ok().out().contains(" | exited (137) | "));
        assertEquals("", karakuri("ls").ok().out().lines().skip(2).reduce("", String::concat), "ls: running ones only");
        assertEquals(id + "\n", karakuri("rm", id).ok().out());
    }

    @Test
    void createStartRestartKillAndRemove() throws Exception {
        String id = karakuri("create", "--name", "svc", "--cmd", "sh,-c,echo started; trap 'exit 0' TERM; "
                + "while true; do sleep 0.1; done", "busybox").ok().out().strip();
        assertTrue(id.matches("[0-9a-f]{12}"), id);
        assertEquals("created", hitoha.status("svc"));
        assertEquals(id + "\n", karakuri("ls", "--all", "-q").ok().out());
        assertEquals("", karakuri("ls", "-q").ok().out());
        assertEquals("svc\n", karakuri("start", "svc").ok().out());
        assertEquals("running", hitoha.status(id));
        refused(karakuri("start", "svc"), 1, "karakuri start: container " + fullId("svc") + " is already running");
        await(Duration.ofSeconds(10), "started", () -> karakuri("logs", "svc").out().contains("started"));
        long pid = hitoha.inspect(id).integer("pid");

        assertEquals("svc\n", karakuri("restart", "--time", "5", "svc").ok().out());
        JsonObject restarted = hitoha.inspect(id);
        assertEquals("running", restarted.string("status", ""));
        assertNotEquals(pid, restarted.integer("pid"));
        await(Duration.ofSeconds(10), "started twice", () -> karakuri("logs", "svc").out().equals("started\r\nstarted\r\n")
                || karakuri("logs", "svc").out().equals("started\nstarted\n"));

        refused(karakuri("rm", "svc"), 1, "karakuri rm: container " + fullId("svc") + " is running: stop it first, or rm --force");
        assertEquals("running", hitoha.status(id));
        assertEquals("svc\n", karakuri("kill", "svc").ok().out());
        await(Duration.ofSeconds(5), "killed", () -> hitoha.status(id).equals("exited"));
        assertEquals(137L, hitoha.inspect(id).integer("exitCode"));
        refused(karakuri("kill", "svc"), 1, "karakuri kill: container " + fullId("svc") + " is not running");

        assertEquals("svc\n", karakuri("start", "svc").ok().out());
        assertEquals("svc\n", karakuri("kill", "--signal", "TERM", "svc").ok().out());
        await(Duration.ofSeconds(5), "exited on TERM", () -> hitoha.status(id).equals("exited"));
        assertEquals(0L, hitoha.inspect(id).integer("exitCode"));

        assertEquals("svc\n", karakuri("start", "svc").ok().out());
        assertEquals("svc\n", karakuri("rm", "--force", "svc").ok().out());
        refused(karakuri("inspect", "svc"), 1, "karakuri inspect: no such container: svc");
    }

    @Test
    void logsFollowEndsWhenTheContainerExits() throws Exception {
        String id = karakuri("run", "-d", "busybox", "sh", "-c", "for i in 1 2 3 4 5; do echo $i; sleep 0.3; done; exit 2")
                .ok().out().strip();
        long started = System.nanoTime();
        Launcher.Result r = karakuri("logs", "--follow", id).ok();
        assertEquals("1\n2\n3\n4\n5\n", r.out());
        assertTrue((System.nanoTime() - started) / 1_000_000 < 10_000, "follow ended with the container");
        assertEquals("exited", hitoha.status(id));
        assertEquals(2L, hitoha.inspect(id).integer("exitCode"));
        assertEquals("4\n5\n", karakuri("logs", "--tail", "2", "--follow", id).ok().out(), "ended: follow returns at once");
        karakuri("rm", id).ok();
    }

    @Test
    void detachedRunWithRmIsRemovedByHitohaWhenItExits() throws Exception {
        String id = karakuri("run", "-d", "--rm", "busybox", "sh", "-c", "sleep 0.5").ok().out().strip();
        assertEquals("running", hitoha.status(id));
        await(Duration.ofSeconds(10), "removed at its exit", () -> hitoha.containers().isEmpty());

        id = karakuri("run", "-d", "--rm", "busybox", "sleep", "300").ok().out().strip();
        assertEquals(new Launcher.Result(0, id + "\n", ""), karakuri("rm", "--force", id), "its stop removes it");
        assertEquals(List.of(), hitoha.containers());

        id = karakuri("run", "-d", "--rm", "busybox", "sleep", "300").ok().out().strip();
        long pid = hitoha.inspect(id).integer("pid");
        assertEquals(new Launcher.Result(0, id + "\n", ""), karakuri("restart", "--time", "0", id));
        JsonObject restarted = hitoha.inspect(id);
        assertEquals("running", restarted.string("status", ""), "a restart is no exit for --rm");
        assertNotEquals(pid, restarted.integer("pid"));
        assertEquals(new Launcher.Result(0, id + "\n", ""), karakuri("stop", "--time", "0", id));
        assertEquals(List.of(), hitoha.containers(), "stopped: removed");
    }

    @Test
    void startAttachedGivesTheOutputAndExitCode() throws Exception {
        karakuri("create", "--name", "att", "busybox", "sh", "-c", "echo attached; exit 6").ok();
        assertEquals(new Launcher.Result(6, "attached\r\n", ""), karakuri("start", "--attach", "att"),
                "create gives a terminal: one stream, CR LF");
        assertEquals(6L, hitoha.inspect("att").integer("exitCode"));
        String id = hitoha.inspect("att").string("id", "");
        refused(karakuri("exec", "att", "true"), 125, "karakuri exec: container " + id + " is not running");
        Launcher.Result some = karakuri("rm", "att", "nope");
        assertEquals(new Launcher.Result(1, "att\n", "karakuri rm: no such container: nope\n"), some);
    }

    @Test
    void mountsAndLimitsReachTheContainer() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("in"), "from-host\n");
        Launcher.Result r = karakuri("run", "--rm", "--mount", data + ":/data", "busybox", "sh", "-c",
                "cat /data/in; echo written > /data/out");
        assertEquals(new Launcher.Result(0, "from-host\n", ""), r);
        assertEquals("written\n", Files.readString(data.resolve("out")));
        r = karakuri("run", "--rm", "--mount", data + ":/data:ro", "busybox", "sh", "-c", "echo x > /data/ro");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("Read-only file system"), r.err());
        assertFalse(Files.exists(data.resolve("ro")));

        String id = karakuri("run", "-d", "--memory", "64m", "--cpus", "0.5", "--pids", "50", "busybox", "sleep", "300")
                .ok().out().strip();
        Map<String, Path> cgroups = cgroups(hitoha.inspect(id).integer("pid"));
        assertTrue(cgroups.get("memory").endsWith("karakuri/" + id), cgroups.toString());
        assertEquals(String.valueOf(64 << 20), Files.readString(cgroups.get("memory").resolve("memory.limit_in_bytes")).strip());
        assertEquals("50000", Files.readString(cgroups.get("cpu").resolve("cpu.cfs_quota_us")).strip());
        assertEquals("50", Files.readString(cgroups.get("pids").resolve("pids.max")).strip());
        karakuri("rm", "--force", id).ok();
    }

    /** A process's cgroup v1 directories by controller, from /proc/PID/cgroup. */
    private static Map<String, Path> cgroups(long pid) throws IOException {
        Map<String, Path> dirs = new java.util.HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            for (String controller : f[1].split(",")) {
                if (!controller.isEmpty()) {
                    dirs.put(controller, Path.of("/sys/fs/cgroup", controller, f[2]));
                }
            }
        }
        return dirs;
    }

    @Test
    void runPassesCtrlCAndSigtermToTheContainer() throws Exception {
        for (String signal : List.of("INT", "TERM")) {
            List<String> cmd = Launcher.command("karakuri");
            cmd.addAll(List.of("run", "--rm", "busybox", "sh", "-c", "trap 'echo got " + signal + "; exit 9' " + signal
                    + "; echo ready; while true; do sleep 0.1; done"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("sig.err").toFile());
            pb.environment().put("KARAKURI_SOCKET", hitoha.socket.toString());
            Process p = pb.start();
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("ready", out.readLine());
                Launcher.runShell("kill -" + signal + " " + p.pid()).ok();
                assertEquals("got " + signal, out.readLine());
                assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "run ended");
            } finally {
                p.destroyForcibly();
            }
            assertEquals(9, p.exitValue(), signal);
            assertEquals("", Files.readString(dir.resolve("sig.err")));
            await(Duration.ofSeconds(5), "--rm", () -> hitoha.containers().isEmpty());
        }
    }

    // ------------------------------------------------------------------------------------------------ exec

    @Test
    void execGivesOutputExitCodeUserEnvAndWorkdir() throws Exception {
        String id = karakuri("run", "-d", "--name", "host", "busybox", "sleep", "300").ok().out().strip();
        assertEquals(new Launcher.Result(4, "out\n", "err\n"),
                karakuri("exec", "host", "sh", "-c", "echo out; echo err >&2; exit 4"));
        assertEquals(new Launcher.Result(0, "bar\nuid=1000(app) gid=1000(app)\n/tmp\n", ""),
                karakuri("exec", "--env", "FOO=bar", "--user", "app", "--workdir", "/tmp", id, "sh", "-c",
                        "echo $FOO; id; pwd"));
        assertEquals(new Launcher.Result(0, "uid=0(root) gid=0(root)\n/\n" + id + "\n", ""),
                karakuri("exec", "--cmd", "sh,-c,id; pwd; hostname", id));
        Launcher.Result missing = karakuri("exec", id, "/no/such/program");
        assertNotEquals(0, missing.code(), missing.toString());
        Launcher.Result noUser = karakuri("exec", "--user", "nobody-here", id, "true");
        assertEquals(125, noUser.code(), noUser.toString());
        assertTrue(noUser.err().startsWith("karakuri exec: ") && noUser.err().lines().count() == 1, noUser.err());
        assertEquals(1, karakuri("ls", "-q").ok().out().lines().count(), "an exec leaves the container running");

        // an exec still running when its container is removed ends with it, monitor and all
        CompletableFuture<Launcher.Result> longExec = CompletableFuture.supplyAsync(
                () -> karakuri("exec", id, "sh", "-c", "echo begun; sleep 300"));
        await(Duration.ofSeconds(10), "the exec runs", () -> hitoha.monitors().size() == 2);
        Thread.sleep(300);
        karakuri("rm", "--force", id).ok();
        Launcher.Result ended = longExec.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("begun\n", ended.out());
        assertEquals(137, ended.code(), ended.toString());
        refused(karakuri("exec", id, "true"), 125, "karakuri exec: no such container: " + id);
    }

    // ------------------------------------------------------------------------------------------ terminal

    @Test
    void runItGivesARealTerminalWithItsSizeAndExitCode() throws Exception {
        Path script = Files.writeString(dir.resolve("pty-run.py"), """
                import os, pty, sys, time, fcntl, termios, struct, select
                pid, fd = pty.fork()
                if pid == 0:
                    os.execvp(sys.argv[1], sys.argv[1:])
                fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 101, 0, 0))
                out = b''; sent = False; end = time.time() + 60
                while time.time() < end:
                    r, _, _ = select.select([fd], [], [], 0.2)
                    if r:
                        try:
                            data = os.read(fd, 4096)
                        except OSError:
                            break
                        if not data:
                            break
                        out += data
                    if not sent and b'# ' in out:
                        os.write(fd, os.environ['PTY_INPUT'].encode().decode('unicode_escape').encode('latin-1'))
                        sent = True
                _, status = os.waitpid(pid, 0)
                sys.stdout.write(out.decode(errors='replace'))
                print('EXIT=%d' % os.waitstatus_to_exitcode(status))
                """);
        Launcher.Result r = inTerminal(script, "echo $((6*7)); stty size; exit 5\\r", "run", "--it", "--rm", "busybox", "sh");
        assertTrue(r.out().contains("\r\n42\r\n"), r.out());
        assertTrue(r.out().contains("\r\n33 101\r\n"), "the window size: " + r.out());
        assertTrue(r.out().endsWith("EXIT=5\n"), r.out());

        // exec --it into a running container; then Ctrl-P Ctrl-Q detaches from run --it and leaves it running
        String id = karakuri("run", "-d", "--name", "box", "busybox", "sleep", "300").ok().out().strip();
        r = inTerminal(script, "tty; stty size; exit 3\\r", "exec", "--it", "box", "sh");
        assertTrue(r.out().contains("\r\n/dev/pts/0\r\n33 101\r\n"), r.out());
        assertTrue(r.out().endsWith("EXIT=3\n"), r.out());
        karakuri("rm", "--force", id).ok();
        r = inTerminal(script, "\\x10\\x11", "run", "--it", "--name", "detached", "busybox", "sh");
        assertTrue(r.out().endsWith("EXIT=0\n"), r.out());
        assertEquals("running", hitoha.status("detached"));
        karakuri("rm", "--force", "detached").ok();

        Launcher.Result noTerminal = karakuri("run", "--it", "--rm", "busybox", "sh");
        refused(noTerminal, 125, "karakuri run: --it needs a terminal on standard input (for piped input use -i)");
    }

    /** karakuri with args on a pseudo-terminal of 33 rows and 101 columns, typing input at the first "# ". */
    private static Launcher.Result inTerminal(Path script, String input, String... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
        cmd.addAll(Launcher.command("karakuri"));
        cmd.addAll(List.of(args));
        return Launcher.runProgram(cmd, Map.of("KARAKURI_SOCKET", hitoha.socket.toString(), "PTY_INPUT", input),
                Duration.ofSeconds(90)).ok();
    }

    // ------------------------------------------------------------------------------------------- network

    @Test
    void aContainerHasItsAddressRouteHostsAndResolvConf() throws Exception {
        Launcher.Result r = karakuri("run", "--name", "net", "busybox", "sh", "-c",
                "ip -4 -o addr show eth0; ip route; cat /etc/hosts; echo ---; cat /etc/resolv.conf; hostname").ok();
        JsonObject c = hitoha.inspect("net");
        String id = c.string("id", "");
        String ip = c.string("ip", "");
        assertTrue(ip.matches("10\\.157\\.2\\.\\d+"), ip);
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().matches("\\d+: eth0 +inet " + ip.replace(".", "\\.") + "/24 .*"), lines.getFirst());
        assertTrue(lines.contains("default via 10.157.2.1 dev eth0 "), r.out());
        assertTrue(lines.contains("127.0.0.1\tlocalhost"), r.out());
        assertTrue(lines.contains(ip + "\t" + id + " net"), r.out());
        List<String> resolv = lines.subList(lines.indexOf("---") + 1, lines.size() - 1);
        assertFalse(resolv.isEmpty(), r.out());
        assertTrue(resolv.stream().anyMatch(l -> l.startsWith("nameserver ")), r.out());
        assertEquals(id, lines.getLast());
        karakuri("rm", "net").ok();
    }

    @Test
    void aPublishedPortAnswersOnTheHostsLoopbackAndIsNotPublishedTwice() throws Exception {
        String id = karakuri("run", "-d", "--name", "srv", "--port", "127.0.0.1:18080:8080", "busybox", "sh", "-c",
                "echo hello-from-container | nc -l -p 8080").ok().out().strip();
        assertEquals(List.of("127.0.0.1:18080:8080/tcp"), hitoha.inspect(id).strings("ports"));

        Launcher.Result taken = karakuri("run", "-d", "--port", "18080:80", "busybox", "true");
        refused(taken, 125, "karakuri run: port 18080/tcp is already published by container " + fullId(id));
        assertEquals(1, hitoha.containers().size(), "the refused one is not left");

        String answer = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (answer == null || answer.isEmpty()) { // until nc listens
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", 18080), 2000);
                s.setSoTimeout(5000);
                answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException notYet) {
                assertTrue(System.nanoTime() < deadline, "no answer on 127.0.0.1:18080: " + notYet);
                Thread.sleep(100);
            }
        }
        assertEquals("hello-from-container\n", answer);
        await(Duration.ofSeconds(10), "nc ended", () -> hitoha.status(id).equals("exited"));
        karakuri("rm", id).ok();
        // the port is free again
        karakuri("create", "--name", "again", "--port", "127.0.0.1:18080:8080", "busybox", "true").ok();
        karakuri("rm", "again").ok();
    }

    @Test
    void twoContainersTalkOverTheBridge() throws Exception {
        karakuri("run", "-d", "--name", "listener", "busybox", "sh", "-c", "echo over-the-bridge | nc -l -p 9000").ok();
        String ip = hitoha.inspect("listener").string("ip", "");
        Launcher.Result r = karakuri("run", "--rm", "busybox", "sh", "-c",
                "for i in $(seq 50); do nc " + ip + " 9000 && exit 0; sleep 0.1; done; exit 1");
        assertEquals(new Launcher.Result(0, "over-the-bridge\n", ""), r);
        karakuri("rm", "--force", "listener").ok();
    }

    @Test
    void aPortPublishedOnEveryAddressAnswersOnLoopback() throws Exception {
        // (busybox's nc has no UDP: udp mappings are ContainerNetworkRootTest's)
        String id = karakuri("run", "-d", "--port", "18082:8080", "busybox", "sh", "-c", "echo every | nc -l -p 8080")
                .ok().out().strip();
        assertEquals(List.of("18082:8080/tcp"), hitoha.inspect(id).strings("ports"));
        assertEquals("every\n", readFrom(18082));
        karakuri("rm", "--force", id).ok();
    }

    /** What a server on the host's 127.0.0.1:port says, retried until something listens behind it. */
    private static String readFrom(int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(5000);
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!answer.isEmpty()) {
                    return answer;
                }
            } catch (IOException notYet) {
                assertTrue(System.nanoTime() < deadline, "no answer on 127.0.0.1:" + port + ": " + notYet);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void aContainerReachesAServerOnTheBridgeAddress() throws Exception {
        karakuri("create", "--name", "first", "busybox", "true").ok(); // the bridge is made with the first container
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("10.157.2.1"), 18081));
            server.setSoTimeout(30_000);
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    s.getOutputStream().write("pong\n".getBytes(StandardCharsets.UTF_8));
                    s.shutdownOutput();
                    return s.getInetAddress().getHostAddress() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            Launcher.Result r = karakuri("run", "--name", "client", "busybox", "sh", "-c",
                    "echo ping | nc 10.157.2.1 18081");
            assertEquals(new Launcher.Result(0, "pong\n", ""), r);
            String ip = hitoha.inspect("client").string("ip", "");
            assertEquals(ip + " ping\n", received.get());
        }
        karakuri("rm", "first", "client").ok();
    }

    // --------------------------------------------------------------------------------------- bad input

    @Test
    void badInputIsOneClearLineAndLeavesNothing() throws Exception {
        refused(karakuri("start", "nope"), 1, "karakuri start: no such container: nope");
        refused(karakuri("logs", "nope"), 1, "karakuri logs: no such container: nope");
        refused(karakuri("stop", "nope"), 1, "karakuri stop: no such container: nope");
        refused(karakuri("rm", "nope"), 1, "karakuri rm: no such container: nope");
        refused(karakuri("exec", "nope", "true"), 125, "karakuri exec: no such container: nope");

        String id = karakuri("create", "--name", "dup", "busybox", "true").ok().out().strip();
        refused(karakuri("create", "--name", "dup", "busybox", "true"), 1,
                "karakuri create: the name \"dup\" is already in use by container " + fullId(id));
        refused(karakuri("run", "--name", "dup", "busybox", "true"), 125,
                "karakuri run: the name \"dup\" is already in use by container " + fullId(id));
        assertEquals(1, hitoha.containers().size());
        karakuri("rm", "dup").ok();

        refused(karakuri("create", "--cmd", "sh,,x", "busybox"), 1, "karakuri create: bad --cmd \"sh,,x\": an empty "
                + "argument (two commas, or one at an end); for arguments with commas give the command after the image: "
                + "run IMAGE sh -c 'a,b'");
        refused(karakuri("run", "--port", "99999:80", "busybox", "true"), 125,
                "karakuri run: bad --port \"99999:80\": \"99999\" is not a port (1 to 65535)");
        refused(karakuri("run", "--port", "80", "busybox", "true"), 125,
                "karakuri run: bad --port \"80\": expected [ADDRESS:]HOST_PORT:CONTAINER_PORT[:tcp|udp]");
        refused(karakuri("create", "--port", "8080:80:sctp", "busybox", "true"), 1,
                "karakuri create: bad --port \"8080:80:sctp\": the protocol is tcp or udp, not \"sctp\"");
        Path missing = dir.resolve("no-such-dir");
        refused(karakuri("run", "--mount", missing + ":/data", "busybox", "true"), 125,
                "karakuri run: --mount " + missing + ":/data: " + missing + " does not exist on the host");

        // an image hitoha has not got: a pull (from a registry that is not there), then one line that says so
        Launcher.Result unknown = karakuri("run", "--rm", "localhost:1/nosuch:1", "true");
        assertEquals(125, unknown.code(), unknown.toString());
        assertEquals("", unknown.out());
        assertTrue(unknown.err().startsWith("Unable to find image 'localhost:1/nosuch:1' locally\n"), unknown.err());
        assertTrue(unknown.err().endsWith("\nkarakuri run: cannot create a container of localhost:1/nosuch:1: the pull "
                + "failed\n"), unknown.err());
        assertFalse(unknown.err().contains("Exception"), unknown.err());

        Path none = dir.resolve("none.sock");
        Launcher.Result down = Launcher.run("karakuri", List.of("ls"), Map.of("KARAKURI_SOCKET", none.toString()));
        refused(down, 1, "karakuri ls: cannot reach hitoha at " + none + ": No such file or directory (is the daemon "
                + "running? start it with 'sudo systemctl start hitoha', or run 'sudo hitoha')");
        down = Launcher.run("karakuri", List.of("run", "--rm", "busybox", "true"), Map.of("KARAKURI_SOCKET", none.toString()));
        assertEquals(125, down.code(), down.toString());
        assertTrue(down.err().startsWith("karakuri run: cannot reach hitoha at ") && down.err().lines().count() == 1,
                down.err());
    }

    @Test
    void moreRefusalsAndTheEnvironmentOption() throws Exception {
        Launcher.Result env = Launcher.run("karakuri", List.of("run", "--rm", "--env", "FROM_CLI", "-e", "B=2", "busybox",
                "sh", "-c", "echo $FROM_CLI $B"), Map.of("KARAKURI_SOCKET", hitoha.socket.toString(), "FROM_CLI", "mine"));
        assertEquals(new Launcher.Result(0, "mine 2\n", ""), env);
        assertEquals(new Launcher.Result(125, "", "karakuri run: -d runs in the background: it cannot take --it or -i\n"
                + "Run 'karakuri run --help' for usage.\n"), karakuri("run", "-d", "--it", "busybox", "sh"));
        refused(karakuri("create", "--restart", "sometimes", "busybox"), 1,
                "karakuri create: bad --restart \"sometimes\": expected no, on-boot, always or on-failure[:N]");
        refused(karakuri("run", "--rm", "--restart", "always", "busybox", "true"), 125,
                "karakuri run: --rm and --restart always do not go together");
        refused(karakuri("run", "--rm", "--workdir", "rel", "busybox", "true"), 125,
                "karakuri run: --workdir rel: give an absolute path");
        refused(karakuri("run", "--rm", "--user", "nosuch", "busybox", "true"), 125,
                "karakuri run: --user nosuch: the image has no user \"nosuch\" in /etc/passwd");
        refused(karakuri("run", "--rm", "busybox", "/no/such/program"), 125,
                "karakuri run: exec \"/no/such/program\": No such file or directory");
        refused(karakuri("create", "--ns", "other", "busybox"), 1,
                "karakuri create: no such namespace: other (make it with karakuri createns --name other)");
        String id = karakuri("create", "--name", "holder", "busybox", "true").ok().out().strip();
        refused(karakuri("stop", "--time", "soon", "holder"), 1, "karakuri stop: bad --time \"soon\": expected a number of seconds");
        Launcher.Result rmi = karakuri("rmi", "busybox");
        assertEquals(1, rmi.code(), rmi.toString());
        assertTrue(rmi.err().startsWith("karakuri rmi: ") && rmi.err().contains(id) && rmi.err().lines().count() == 1,
                rmi.err());
        assertEquals("created", hitoha.status(id), "the image in use stays");
        karakuri("rm", "holder").ok();
    }

    @Test
    void runPullsAnImageItHasNotGotWithPullsProgress() throws Exception {
        try (RegistryFixture.Server registry = RegistryFixture.start(Files.createDirectories(dir.resolve("registry")),
                null, null)) {
            String host = registry.host();
            karakuri("tag", "busybox", "tools/bb:1").ok();
            karakuri("push", "--image", "tools/bb:1", "--registry", host).ok();
            karakuri("rmi", "tools/bb:1").ok();
            Launcher.Result r = karakuri("run", "--rm", "--registry", host, "tools/bb:1", "echo", "pulled");
            assertEquals(0, r.code(), r.toString());
            assertEquals("pulled\n", r.out());
            assertTrue(r.err().startsWith("Unable to find image 'tools/bb:1' locally\n"), r.err());
            assertTrue(r.err().contains("Pulled " + host + "/tools/bb:1\n"), r.err());
            karakuri("rmi", host + "/tools/bb:1").ok();
        }
    }

    // ------------------------------------------------------------------------------------ restart policies

    @Test
    void restartPoliciesOnFailureAndAlways() throws Exception {
        String failing = karakuri("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c",
                "echo run; exit 1").ok().out().strip();
        String always = karakuri("run", "-d", "--name", "phoenix", "--restart", "always", "busybox", "sh", "-c",
                "echo up; exit 0").ok().out().strip();
        await(Duration.ofSeconds(30), "on-failure:2 gave up", () -> {
            JsonObject c = hitoha.inspect(failing);
            return c.string("status", "").equals("exited") && c.integer("restartCount") == 2;
        });
        assertEquals("run\nrun\nrun\n", karakuri("logs", failing).ok().out(), "started once, restarted twice");
        JsonObject c = hitoha.inspect(failing);
        assertEquals(List.of("on-failure:2", "1"), List.of(c.string("restartPolicy", ""), String.valueOf(c.integer("exitCode"))));
        Thread.sleep(1500);
        assertEquals("exited", hitoha.status(failing), "no third restart");
        assertTrue(karakuri("ls", "--all").ok().out().contains("flaky   | busybox | exited (1)"),
                karakuri("ls", "--all").out());

        await(Duration.ofSeconds(30), "always: back three times", () -> karakuri("logs", always).out().equals("up\n".repeat(4))
                || karakuri("logs", always).out().startsWith("up\n".repeat(4)));
        assertTrue(hitoha.inspect(always).integer("restartCount") >= 3);
        assertEquals("phoenix\n", karakuri("stop", "phoenix").ok().out());
        assertEquals("exited", hitoha.status(always));
        int lines = karakuri("logs", always).out().length();
        Thread.sleep(1500);
        assertEquals("exited", hitoha.status(always), "stopped by the user: not restarted");
        assertEquals(lines, karakuri("logs", always).out().length());
        karakuri("rm", "flaky", "phoenix").ok();
    }

    // ---------------------------------------------------------------------------------------- concurrency

    @Test
    void twentyContainersCreatedStartedAndRemovedConcurrentlyLeaveNothing() throws Exception {
        int n = 20;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Launcher.Result>> started = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "par-" + i;
                int port = i;
                started.add(pool.submit(() -> {
                    Launcher.Result created = karakuri("create", "--name", name, "--port", "127.0.0.1:" + (18200 + port) + ":80",
                            "busybox", "sleep", "300");
                    return created.code() != 0 ? created : karakuri("start", name);
                }));
            }
            for (Future<Launcher.Result> f : started) {
                f.get().ok();
            }
            List<JsonObject> rows = hitoha.containers();
            assertEquals(n, rows.size());
            Set<String> addresses = new HashSet<>();
            for (JsonObject row : rows) {
                assertEquals("running", row.string("status", ""), row.toString());
                addresses.add(row.string("ip", ""));
            }
            assertEquals(n, addresses.size(), "an address each: " + addresses);
            assertEquals(n, hitoha.monitors().size(), "a monitor each");
            assertEquals(n, HitohaFixture.publishedRules().size(), "a rule each: " + HitohaFixture.publishedRules());

            List<Future<Launcher.Result>> removed = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "par-" + i;
                removed.add(pool.submit(() -> karakuri("rm", "--force", name)));
            }
            for (Future<Launcher.Result> f : removed) {
                f.get().ok();
            }
        } finally {
            pool.shutdownNow();
        }
        hitoha.assertNothingLeft();
    }

    /** The default seccomp profile: no new namespaces (user namespaces least of all), no kernel keyrings. */
    @Test
    void theDefaultSeccompProfileRefusesNewNamespaces() {
        Launcher.Result r = karakuri("run", "--rm", "busybox", "sh", "-c",
                "unshare -U true 2>/dev/null; echo user=$?; unshare -n true 2>/dev/null; echo net=$?; "
                        + "sh -c 'exit 4'; echo fork=$?");
        assertEquals(new Launcher.Result(0, "user=1\nnet=1\nfork=4\n", ""), r);
    }
}
