package io.karakuri.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.karakuri.futaba.Futaba;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.it.Bundle;
import io.karakuri.linux.LinuxSyscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * karakuri-monitor for real, as root, from the build's target/native/: containers cloned by a monitor,
 * their log, exit file and attach socket. Skipped when not root.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MonitorRootTest {
    @TempDir
    Path work;

    private Futaba futaba;
    private final List<String> ids = new ArrayList<>();
    private final List<Integer> monitors = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "needs busybox-static");
        assumeTrue(Files.isExecutable(MonitorLauncher.binary()), "needs karakuri-monitor built");
        futaba = new Futaba(Files.createDirectories(work.resolve("state")), LinuxSyscalls.INSTANCE, w -> {});
    }

    @AfterEach
    void tearDown() throws Exception {
        for (String id : ids) {
            futaba.delete(id, true);
        }
        for (int pid : monitors) {
            if (!awaitGone(pid, 5000)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                throw new AssertionError("monitor " + pid + " still runs after its container was deleted");
            }
        }
    }

    private Monitored create(Bundle bundle, MonitorOptions options) {
        String id = "kmon-" + UUID.randomUUID().toString().substring(0, 8);
        ids.add(id);
        Monitored m = futaba.createMonitored(id, bundle.write().dir(), options);
        monitors.add(m.monitorPid());
        return m;
    }

    private String id() {
        return ids.getLast();
    }

    private MonitorOptions options(boolean stdin) {
        return MonitorOptions.container(work.resolve("run-" + ids.size()), work.resolve("ctr-" + ids.size() + ".log"), stdin);
    }

    private static ExitRecord awaitExit(Monitored m) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            var r = ExitRecord.read(m.runDir());
            if (r.isPresent()) {
                return r.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no exit file in " + m.runDir());
    }

    /** Gone, or a zombie (this machine's pid 1 may not reap). */
    private static boolean awaitGone(int pid, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < end) {
            try {
                String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                    return true;
                }
            } catch (IOException gone) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    private static int ppid(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    private static SocketChannel attach(Monitored m) throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(m.attachSocket()));
    }

    /** Reads frames until the exit frame: {stdout+stderr text, exit code}. */
    private static Object[] drain(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (AttachFrames.Frame f = AttachFrames.read(in); f != null; f = AttachFrames.read(in)) {
            if (f.type() == AttachFrames.EXIT) {
                return new Object[] {out.toString(StandardCharsets.UTF_8), f.exitCode()};
            }
            out.writeBytes(f.payload());
        }
        throw new AssertionError("no exit frame; got: " + out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void logsBothStreamsAndRecordsTheExitCode() throws Exception {
        Bundle b = Bundle.busybox(work).shell("echo out; echo err >&2; printf 'no newline'; exit 3");
        Monitored m = create(b, options(false));
        assertTrue(Files.exists(m.attachSocket()));
        assertEquals(Integer.toString(m.monitorPid()), Files.readString(m.pidFile()).strip());
        futaba.start(id());
        ExitRecord exit = awaitExit(m);
        assertEquals(3, exit.exitCode());
        assertEquals(0, exit.signal());
        List<ContainerLog.Entry> log = new ContainerLog(m.log()).all();
        assertTrue(log.stream().anyMatch(e -> e.stream().equals("stdout") && e.text().equals("out") && !e.partial()), log.toString());
        assertTrue(log.stream().anyMatch(e -> e.stream().equals("stderr") && e.text().equals("err")), log.toString());
        assertTrue(log.stream().anyMatch(e -> e.text().equals("no newline") && e.partial()), log.toString());
        assertTrue(awaitGone(m.monitorPid(), 5000), "the monitor exits after its process");
        assertFalse(Files.exists(m.attachSocket()));
    }

    @Test
    void aKilledProcessIs137AndTheMonitorIsNotThisJvmsChild() throws Exception {
        Monitored m = create(Bundle.busybox(work).shell("sleep 100"), options(false));
        futaba.start(id());
        assertNotEquals(ProcessHandle.current().pid(), ppid(m.monitorPid()));
        assertEquals(m.monitorPid(), ppid(m.pid()));
        long rssKb = Files.readAllLines(Path.of("/proc", Integer.toString(m.monitorPid()), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).sum();
        System.out.println("karakuri-monitor VmRSS: " + rssKb + " kB");
        assertTrue(rssKb < 2048, "the monitor's resident set: " + rssKb + " kB");
        // SIGTERM to the monitor does not end it nor the container
        new ProcessBuilder("kill", "-TERM", Integer.toString(m.monitorPid())).start().waitFor();
        Thread.sleep(100);
        assertTrue(ProcessHandle.of(m.monitorPid()).isPresent());
        assertTrue(ProcessHandle.of(m.pid()).isPresent());
        assertEquals(m.monitorPid(), Monitored.running(m.runDir()).orElseThrow());
        futaba.kill(id(), 9, false);
        ExitRecord exit = awaitExit(m);
        assertTrue(awaitGone(m.monitorPid(), 5000));
        assertTrue(Monitored.running(m.runDir()).isEmpty());
        assertEquals(137, exit.exitCode());
        assertEquals(9, exit.signal());
    }

    @Test
    void attachGetsOutputAndSendsStdin() throws Exception {
        Monitored m = create(Bundle.busybox(work).shell("read line; echo got $line; echo e >&2; cat; echo done"), options(true));
        try (SocketChannel ch = attach(m)) {
            futaba.start(id());
            OutputStream out = Channels.newOutputStream(ch);
            out.write(AttachFrames.stdin("hello\n".getBytes()));
            out.write(AttachFrames.stdin("more\n".getBytes()));
            out.write(AttachFrames.stdinEof());
            Object[] r = drain(Channels.newInputStream(ch));
            assertEquals("got hello\ne\nmore\ndone\n", r[0]);
            assertEquals(0, r[1]);
        }
        assertEquals(0, awaitExit(m).exitCode());
    }

    @Test
    void aTerminalWithResize() throws Exception {
        Bundle b = Bundle.busybox(work).shell("read x; stty size; echo x=$x; exit 7");
        b.section("process").put("terminal", true);
        Monitored m = create(b, options(true));
        try (SocketChannel ch = attach(m)) {
            OutputStream out = Channels.newOutputStream(ch);
            out.write(AttachFrames.resize(30, 100));
            futaba.start(id());
            out.write(AttachFrames.stdin("go\n".getBytes()));
            Object[] r = drain(Channels.newInputStream(ch));
            String text = (String) r[0];
            assertTrue(text.contains("30 100"), text);
            assertTrue(text.contains("x=go"), text);
            assertEquals(7, r[1]);
        }
        List<ContainerLog.Entry> log = new ContainerLog(m.log()).all();
        assertTrue(log.stream().allMatch(e -> e.stream().equals("stdout")), log.toString());
        assertTrue(log.stream().anyMatch(e -> e.text().contains("30 100")), log.toString());
    }

    @Test
    void theLogRotates() throws Exception {
        Bundle b = Bundle.busybox(work).shell("i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done");
        MonitorOptions o = options(false);
        Monitored m = create(b, new MonitorOptions(o.runDir(), o.log(), 4000, false, false));
        futaba.start(id());
        assertEquals(0, awaitExit(m).exitCode());
        Path older = m.log().resolveSibling(m.log().getFileName() + ".1");
        assertTrue(Files.exists(older));
        assertTrue(Files.size(m.log()) <= 4000, "size " + Files.size(m.log()));
        assertTrue(Files.size(older) <= 4000);
        List<ContainerLog.Entry> tail = new ContainerLog(m.log()).tail(3);
        assertEquals(List.of("line-297", "line-298", "line-299"), tail.stream().map(ContainerLog.Entry::text).toList());
    }

    @Test
    void execThroughAMonitor() throws Exception {
        Monitored m = create(Bundle.busybox(work).shell("sleep 100"), options(false));
        futaba.start(id());
        Spec.Process process = futaba.configuredProcess(id());
        Spec.Process exec = withArgs(process, List.of("sh", "-c", "echo in-exec; echo $$; exit 5"));
        Monitored e = futaba.execMonitored(id(), exec, MonitorOptions.exec(work.resolve("exec-run"), false));
        monitors.add(e.monitorPid());
        Thread.sleep(200); // the process has ended by now: its output waits for the first client
        try (SocketChannel ch = attach(e)) {
            Object[] r = drain(Channels.newInputStream(ch));
            assertTrue(((String) r[0]).startsWith("in-exec\n"), r[0].toString());
            assertEquals(5, r[1]);
        }
        assertEquals(5, awaitExit(e).exitCode());
        assertTrue(ProcessHandle.of(m.pid()).isPresent(), "the container still runs");
    }

    /** More output than the pipes and socket buffers hold: the attached client and the log get all of it. */
    @Test
    void muchOutputReachesTheClientAndTheLog() throws Exception {
        Bundle b = Bundle.busybox(work).shell("i=0; while [ $i -lt 20000 ]; do echo 0123456789012345678901234567890123456789-$i; i=$((i+1)); done");
        Monitored m = create(b, options(false));
        try (SocketChannel ch = attach(m)) {
            futaba.start(id());
            InputStream in = Channels.newInputStream(ch);
            Thread.sleep(300); // a slow client: the monitor holds the output back meanwhile
            Object[] r = drain(in);
            String[] lines = ((String) r[0]).split("\n");
            assertEquals(20000, lines.length);
            assertTrue(lines[19999].endsWith("-19999"), lines[19999]);
            assertEquals(0, r[1]);
        }
        List<ContainerLog.Entry> log = new ContainerLog(m.log()).all();
        assertEquals(20000, log.size());
        assertTrue(log.getLast().text().endsWith("-19999"));
    }

    /** A client sending a frame too long is dropped; the others go on. */
    @Test
    void aBadClientIsDropped() throws Exception {
        Monitored m = create(Bundle.busybox(work).shell("read x; echo x=$x"), options(true));
        try (SocketChannel bad = attach(m); SocketChannel good = attach(m)) {
            futaba.start(id());
            Channels.newOutputStream(bad).write(new byte[] {0, 0, 0, 0, 0x7f, 0, 0, 0});
            assertEquals(-1, Channels.newInputStream(bad).read(), "the monitor closed the bad client");
            Channels.newOutputStream(good).write(AttachFrames.stdin("ok\n".getBytes()));
            Object[] r = drain(Channels.newInputStream(good));
            assertEquals("x=ok\n", r[0]);
            assertEquals(0, r[1]);
        }
    }

    /** An exec whose program is missing fails as futaba's own does, and its monitor does not linger. */
    @Test
    void aFailedExecEndsItsMonitor() throws Exception {
        create(Bundle.busybox(work).shell("sleep 100"), options(false));
        futaba.start(id());
        Spec.Process exec = withArgs(futaba.configuredProcess(id()), List.of("no-such-program"));
        Path run = work.resolve("exec-fail");
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.karakuri.futaba.FutabaException.class,
                () -> futaba.execMonitored(id(), exec, MonitorOptions.exec(run, false)));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        int monitor = Integer.parseInt(Files.readString(run.resolve(Monitored.PID_FILE)).strip());
        assertTrue(awaitGone(monitor, 3000), "the monitor of a failed exec exits");
        assertTrue(ExitRecord.read(run).isPresent());
    }

    /** A user namespace with a new pid namespace: the process is forked inside it, and its exit is the one kept. */
    @Test
    void aUserNamespacesForkedProcess() throws Exception {
        Bundle b = Bundle.busybox(work).shell("echo pid=$$; exit 4");
        for (Path dir : List.of(work, b.dir())) {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        try (var files = Files.walk(b.rootfs())) {
            for (Path f : files.toList()) {
                Files.setAttribute(f, "unix:uid", 200000, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(f, "unix:gid", 200000, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
        @SuppressWarnings("unchecked")
        List<Object> namespaces = new ArrayList<>((List<Object>) b.section("linux").get("namespaces"));
        namespaces.add(java.util.Map.of("type", "user"));
        b.section("linux").put("namespaces", namespaces);
        var mapping = List.of(java.util.Map.of("containerID", 0, "hostID", 200000, "size", 65536));
        b.section("linux").put("uidMappings", mapping);
        b.section("linux").put("gidMappings", mapping);
        b.writable();
        Monitored m = create(b, options(false));
        assertEquals(m.monitorPid(), ppid(m.pid()));
        futaba.start(id());
        assertEquals(4, awaitExit(m).exitCode());
        List<ContainerLog.Entry> log = new ContainerLog(m.log()).all();
        assertEquals(List.of("pid=1"), log.stream().map(ContainerLog.Entry::text).toList());
    }

    private static Spec.Process withArgs(Spec.Process p, List<String> args) {
        return ProcessCopy.withArgs(p, args);
    }

    /** Keeps test code from depending on Spec.Process's component order. */
    private static final class ProcessCopy {
        static Spec.Process withArgs(Spec.Process p, List<String> args) {
            try {
                var components = Spec.Process.class.getRecordComponents();
                Object[] values = new Object[components.length];
                Class<?>[] types = new Class<?>[components.length];
                for (int i = 0; i < components.length; i++) {
                    types[i] = components[i].getType();
                    values[i] = components[i].getName().equals("args") ? args : components[i].getAccessor().invoke(p);
                }
                return Spec.Process.class.getDeclaredConstructor(types).newInstance(values);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

}
