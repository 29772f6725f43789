package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.cgroup.CgroupHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the tests of futaba under a container engine (containerd, podman) share: the busybox image
 * archive, the engine's own programs, and the checks that nothing of a container is left on the host.
 */
final class ContainerEngines {
    /** The image every engine test runs: Debian's busybox-static in one layer, built locally. */
    static final String IMAGE = "localhost/futaba-busybox:it";

    private ContainerEngines() {
    }

    /** Builds the image archive (an OCI layout in a tar) with src/test/sh/make-oci-archive.sh. */
    static Path busyboxArchive(Path dir) {
        Path script = Path.of("src/test/sh/make-oci-archive.sh").toAbsolutePath();
        Path archive = dir.resolve("busybox-oci.tar");
        run(Duration.ofMinutes(1), "/bin/sh", script.toString(), archive.toString(), IMAGE).ok();
        return archive;
    }

    /** Runs a program of the engine's for at most timeout; fails if it is not installed. */
    static Launcher.Result run(Duration timeout, String... cmd) {
        return run(timeout, Map.of(), List.of(cmd));
    }

    static Launcher.Result run(Duration timeout, Map<String, String> env, List<String> cmd) {
        return Launcher.runProgram(cmd, env, timeout);
    }

    /** Fails, naming the package, when a program the test drives is missing. */
    static void require(String program, String debianPackage) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
        assertTrue(found, program + " is not installed: apt-get install " + debianPackage);
    }

    /** The host directories of the cgroup at cgroupsPath (absolute), one per hierarchy futaba uses. */
    static List<Path> cgroupDirs(String cgroupsPath) {
        return Cgroup.of(CgroupHost.detect(), cgroupsPath).dirs().values().stream().map(Path::of).toList();
    }

    /**
     * Removes the cgroup at cgroupsPath that an engine made as a parent, with the (empty) cgroups under it
     * (podman's cgroupfs manager puts conmon in PARENT/conmon), deepest first.
     */
    static void removeCgroup(String cgroupsPath) throws IOException {
        for (Path dir : cgroupDirs(cgroupsPath)) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> tree = Files.walk(dir)) {
                    for (Path d : tree.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(d);
                    }
                }
            }
        }
    }

    /** Asserts that no cgroup directory at cgroupsPath is left. */
    static void assertNoCgroup(String cgroupsPath) {
        for (Path dir : cgroupDirs(cgroupsPath)) {
            assertTrue(!Files.exists(dir), "cgroup left behind: " + dir);
        }
    }

    /** Asserts that no mount under dir is left and no process has its root there. */
    static void assertNothingMountedOrRunningUnder(Path dir) throws IOException {
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        List<String> under = mounts.lines().filter(l -> l.contains(" " + dir)).toList();
        assertEquals(List.of(), under, "mounts left under " + dir);
        List<Long> pids = ProcessHandle.allProcesses().map(ProcessHandle::pid).filter(pid -> {
            try {
                return Files.readSymbolicLink(Path.of("/proc", pid.toString(), "root")).startsWith(dir);
            } catch (IOException | UnsupportedOperationException gone) {
                return false;
            }
        }).toList();
        assertEquals(List.of(), pids, "processes left in containers under " + dir);
    }

    /** Runs a command line under a pseudo-terminal (util-linux script), for the engines' -t options. */
    static List<String> underATerminal(String commandLine) {
        return List.of("script", "-qec", commandLine, "/dev/null");
    }

    /** Quotes a word for /bin/sh. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Quotes each word for /bin/sh and joins them. */
    static String shellLine(List<String> words) {
        return String.join(" ", words.stream().map(ContainerEngines::quote).toList());
    }
}
