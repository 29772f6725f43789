package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * process.apparmorProfile on a host that enforces AppArmor. This build machine's kernel does not, so the
 * checks (src/test/sh/apparmor-checks.sh) run in the virtual machine of scripts/cgroup2-vm.sh, whose
 * Debian kernel does, against the same installed futaba.
 */
class AppArmorIT {

    @Test
    void theProfileIsAskedForAndAMissingOneIsAClearError() throws Exception {
        String bin = System.getProperty("karakuri.launcher", "");
        assumeFalse(bin.isEmpty(), "needs an installed karakuri (scripts/test.sh provides one)");
        Path log = Files.createTempFile("apparmor-vm", ".log");
        try {
            Process vm = new ProcessBuilder("scripts/cgroup2-vm.sh", "sh", "src/test/sh/apparmor-checks.sh", bin)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(vm.waitFor(10, TimeUnit.MINUTES), "the virtual machine did not finish");
            String out = Files.readString(log);
            assertEquals(0, vm.exitValue(), out);
            List<String> passed = out.lines().filter(l -> l.startsWith("ok - ")).toList();
            assertEquals(3, passed.size(), out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
