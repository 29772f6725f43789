package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a check script of src/test/sh in the virtual machine of scripts/cgroup2-vm.sh (Debian's kernel with a
 * pure cgroup v2 tree and AppArmor), against the installed karakuri the machine sees over 9p, and expects it
 * to pass with the given number of "ok - " lines.
 */
final class VirtualMachineChecks {
    private VirtualMachineChecks() {
    }

    static void run(String script, int checks, Duration timeout) throws Exception {
        String bin = System.getProperty("karakuri.launcher", "");
        assumeFalse(bin.isEmpty(), "needs an installed karakuri (scripts/test.sh provides one)");
        Path log = Files.createTempFile("vm-checks", ".log");
        try {
            Process vm = new ProcessBuilder("scripts/cgroup2-vm.sh", "sh", "src/test/sh/" + script, bin)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(vm.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), "the virtual machine did not finish");
            String out = Files.readString(log);
            assertEquals(0, vm.exitValue(), out);
            List<String> passed = out.lines().filter(l -> l.startsWith("ok - ")).toList();
            assertEquals(checks, passed.size(), out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
