package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The installed hitoha, started in the foreground on a socket, image store and run directory of a test's own,
 * with a busybox image (every applet of Debian's busybox-static) imported; and the checks that a test's
 * containers left nothing behind: no record, no directory, no overlay mount, no cgroup, no veth, no network
 * namespace, no monitor. Only one such hitoha may run on the machine at a time: they share the bridge
 * karakuri2 (and those of other namespaces) and the nft table inet karakuri, which {@link #close} removes.
 */
final class HitohaFixture implements AutoCloseable {
    final Path dir;
    final Path socket;
    final Path root;
    final Path run;
    private final Path log;
    private final Map<String, String> environment;
    private Process hitoha;

    private HitohaFixture(Path dir, Map<String, String> environment) {
        this.dir = dir;
        this.environment = environment;
        this.socket = dir.resolve("hitoha.sock");
        this.root = dir.resolve("root");
        this.run = dir.resolve("run");
        this.log = dir.resolve("hitoha.log");
    }

    /** Starts hitoha in dir and imports the busybox image as "busybox". */
    static HitohaFixture start(Path dir) throws Exception {
        return start(dir, Map.of());
    }

    /**
     * Starts hitoha in dir with environment (over the fixture's: the name servers forward to 127.0.0.1:9,
     * where nothing answers, so that no test ever sends a query to the host's real resolvers).
     */
    static HitohaFixture start(Path dir, Map<String, String> environment) throws Exception {
        removeHostLeftovers(); // of an earlier run that was killed
        HitohaFixture f = new HitohaFixture(dir, environment);
        f.startHitoha();
        String users = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n";
        String groups = "root:x:0:\napp:x:1000:\n";
        Launcher.runShell("set -e; fs='" + dir + "/fs'; mkdir -p $fs/bin $fs/etc $fs/tmp $fs/root $fs/home/app;"
                + " cp /bin/busybox $fs/bin/; for a in $(/bin/busybox --list); do"
                + " [ $a = busybox ] || ln -s busybox $fs/bin/$a; done;"
                + " printf '" + users + "' > $fs/etc/passwd; printf '" + groups + "' > $fs/etc/group;"
                + " chmod 1777 $fs/tmp; tar --numeric-owner --owner=0 --group=0 -C $fs -cf '" + dir + "/busybox.tar' .;"
                + " rm -rf $fs").ok();
        f.karakuri("import", dir.resolve("busybox.tar").toString(), "busybox").ok();
        return f;
    }

    /** Starts hitoha (again), and waits for its socket. */
    void startHitoha() throws Exception {
        Files.deleteIfExists(socket); // a killed hitoha leaves it
        ProcessBuilder pb = new ProcessBuilder(Launcher.command("hitoha")).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("QUARKUS_HTTP_DOMAIN_SOCKET", socket.toString());
        pb.environment().put("KARAKURI_ROOT", root.toString());
        pb.environment().put("KARAKURI_RUN_DIR", run.toString());
        pb.environment().put("KARAKURI_CONFIG_DIR", dir.resolve("etc").toString());
        pb.environment().put("KARAKURI_DNS_UPSTREAMS", "127.0.0.1:9");
        pb.environment().putAll(environment);
        hitoha = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(socket)) {
            assertTrue(hitoha.isAlive(), "hitoha exited: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no socket after 60 s");
            Thread.sleep(50);
        }
    }

    /** hitoha's process (the launcher execs java). */
    Process process() {
        return hitoha;
    }

    /** SIGKILL: hitoha has no chance to tidy up. */
    void kill() throws InterruptedException {
        hitoha.destroyForcibly();
        assertTrue(hitoha.waitFor(30, TimeUnit.SECONDS), "hitoha survived SIGKILL");
    }

    void stop() throws InterruptedException {
        if (hitoha != null && hitoha.isAlive()) {
            hitoha.destroy();
            if (!hitoha.waitFor(30, TimeUnit.SECONDS)) {
                hitoha.destroyForcibly();
                hitoha.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    Launcher.Result karakuri(String... args) {
        return Launcher.run("karakuri", List.of(args), Map.of("KARAKURI_SOCKET", socket.toString()));
    }

    /** The containers of every namespace (`ls --all --ns all --format json`). */
    @SuppressWarnings("unchecked")
    List<JsonObject> containers() {
        List<JsonObject> rows = new ArrayList<>();
        for (Object o : (List<Object>) Json.parse(karakuri("ls", "--all", "--ns", "all", "--format", "json").ok().out())) {
            rows.add(JsonObject.root(o, "row"));
        }
        return rows;
    }

    JsonObject inspect(String ref) {
        return JsonObject.root(Json.parse(karakuri("inspect", "--format", "json", ref).ok().out()), ref);
    }

    String status(String ref) {
        return inspect(ref).string("status", "");
    }

    /** Waits (at most timeout) for condition; fails with what. */
    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within " + timeout.toSeconds() + " s: " + what);
            Thread.sleep(100);
        }
    }

    /** Removes whatever containers are left (a failed test's) and then checks that nothing of any is left. */
    void removeAllAndCheckNothingLeft() throws Exception {
        List<JsonObject> left = containers();
        for (JsonObject c : left) {
            karakuri("rm", "--force", c.string("id", ""));
        }
        assertEquals(List.of(), left.stream().map(c -> c.string("name", "")).toList(), "containers left by the test");
        assertNothingLeft();
    }

    /**
     * No container record, directory, overlay mount (under the store) or network namespace file, no
     * karakuri cgroup with a container in it, no container veth (kr + 12 hex), no karakuri-monitor of this
     * run directory.
     */
    void assertNothingLeft() throws Exception {
        assertEquals("[]\n", karakuri("ls", "--all", "--ns", "all", "--format", "json").ok().out());
        assertEquals(List.of(), list(root.resolve("containers")), "container directories");
        assertEquals(List.of(), list(run.resolve("netns")), "network namespace files");
        await(Duration.ofSeconds(5), "no monitor left", () -> monitors().isEmpty());
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(root.toString()) || l.contains(run.resolve("netns") + "/")).toList();
        assertEquals(List.of(), mounts, "mounts");
        // cgroup v1: karakuri/<id> under each controller's hierarchy, relative to hitoha's own cgroup there
        // (here memory's is a sandbox's process_api/…/), so looked for at any depth
        List<String> cgroups = Launcher.runShell("find /sys/fs/cgroup -mindepth 2 -maxdepth 8 -type d -path '*/karakuri/*'")
                .ok().out().lines().toList();
        assertEquals(List.of(), cgroups, "container cgroups");
        String links = Launcher.runShell("ip -o link show").ok().out();
        assertEquals(List.of(), links.lines().filter(l -> l.matches("\\d+: kr[0-9a-f]{12}[@:].*")).toList(), "veths");
        assertEquals(List.of(), publishedRules(), "published ports' rules");
        // no container and no namespace of one's own: no bridge and no table either
        if (Json.parse(karakuri("ns", "--format", "json").ok().out()) instanceof List<?> namespaces
                && namespaces.stream().allMatch(n -> JsonObject.root(n, "ns").bool("reserved", false))) {
            assertEquals(List.of(), bridges(), "bridges");
            assertEquals("", Launcher.runShell("nft list tables | grep karakuri; true").ok().out(), "nft table");
        }
    }

    /** The dnat rules of karakuri's published ports (none when the table is not there). */
    static List<String> publishedRules() {
        return Launcher.runShell("nft list chain inet karakuri published 2>/dev/null; true").ok().out().lines()
                .filter(l -> l.contains(" dnat ")).map(String::strip).toList();
    }

    /** The bridges of karakuri's namespaces (karakuri0 … karakuri254) and its nft table: shared by every hitoha. */
    static void removeHostLeftovers() {
        Launcher.runShell("for b in $(ip -o link show type bridge | awk -F': ' '{print $2}' | grep -E '^karakuri[0-9]+$');"
                + " do ip link del $b; done; nft delete table inet karakuri 2>/dev/null; true").ok();
    }

    /** The karakuri bridges there are now. */
    static List<String> bridges() {
        return Launcher.runShell("ip -o link show type bridge | awk -F': ' '{print $2}' | grep -E '^karakuri[0-9]+$'; true")
                .ok().out().lines().toList();
    }

    /** The pids of the karakuri-monitor processes of this run directory. */
    List<Long> monitors() {
        return ProcessHandle.allProcesses().filter(p -> {
            String cmd = commandLine(p.pid());
            return cmd.contains("karakuri-monitor") && cmd.contains(run.toString());
        }).map(ProcessHandle::pid).toList();
    }

    static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ');
        } catch (IOException | RuntimeException gone) {
            return "";
        }
    }

    private static List<Path> list(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    /**
     * Stops hitoha, ends the monitors of this run directory if any are left (by pid), and removes what
     * hitoha leaves on the host by design: the bridge, the nft table, the shared mount of its netns
     * directory, and the parent cgroups karakuri/ of the containers' cgroups (removed only when empty: rmdir
     * refuses a cgroup in use).
     */
    @Override
    public void close() throws Exception {
        stop();
        String log = log();
        for (long pid : monitors()) {
            Launcher.runShell("kill -9 " + pid);
        }
        removeHostLeftovers();
        Launcher.runShell("while mountpoint -q '" + run.resolve("netns") + "'; do umount '" + run.resolve("netns") + "'; done;"
                + " find /sys/fs/cgroup -maxdepth 4 -type d -name karakuri -exec rmdir {} + 2>/dev/null;"
                + " true");
        assertTrue(!log.contains("Exception in thread") && !log.contains("Error in thread"),
                "an uncaught exception in hitoha's log:\n" + log);
    }
}
