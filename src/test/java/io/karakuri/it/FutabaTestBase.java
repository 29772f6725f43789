package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.cgroup.CgroupHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Integration tests of futaba as root: each test gets its own state root and bundles under a
 * temporary directory, and after each test nothing may be left of its containers: no state
 * directory, cgroup, mount or process.
 */
abstract class FutabaTestBase {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @TempDir
    Path work;

    Path root;
    private final List<String> ids = new ArrayList<>();

    @BeforeEach
    void makeRoot() throws IOException {
        root = Files.createDirectories(work.resolve("state"));
    }

    /** A fresh container id, remembered for the leak check. */
    String id(String name) {
        String id = "it-" + name + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        ids.add(id);
        return id;
    }

    Bundle bundle() {
        return Bundle.busybox(work);
    }

    Launcher.Result futaba(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        return Launcher.run("futaba", all);
    }

    /** Runs the bundle in the foreground as a fresh container; returns the result. */
    Launcher.Result run(Bundle bundle) {
        bundle.write();
        return futaba("run", "--bundle", bundle.dir().toString(), id("run"));
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        for (String id : ids) {
            futaba("delete", "--force", id);
        }
        try (Stream<Path> left = Files.list(root)) {
            assertEquals(List.of(), left.toList(), "state directories left in " + root);
        }
        CgroupHost host = CgroupHost.detect();
        for (String id : ids) {
            for (String dir : Cgroup.of(host, id).dirs().values()) {
                assertFalse(Files.exists(Path.of(dir)), "cgroup left behind: " + dir);
            }
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains(work.toString()), "mounts left under " + work + ":\n" + mounts);
        assertTrue(processesRootedIn(work).isEmpty(), "processes left in containers: " + processesRootedIn(work));
    }

    private static List<Long> processesRootedIn(Path dir) {
        return ProcessHandle.allProcesses().map(ProcessHandle::pid).filter(pid -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc", pid.toString(), "root")).startsWith(dir);
            } catch (IOException | UnsupportedOperationException gone) {
                return false;
            }
        }).toList();
    }

    /** Polls until condition holds, for at most ten seconds. */
    static void eventually(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
