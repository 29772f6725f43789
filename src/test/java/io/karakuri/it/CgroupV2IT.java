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
 * futaba on a pure cgroup v2 host. This build machine's cgroups are hybrid (v1 controllers), so the
 * checks (src/test/sh/cgroup2-checks.sh) run in a virtual machine booted with cgroup_no_v1=all
 * (scripts/cgroup2-vm.sh), against the same installed futaba, which the machine sees over 9p.
 */
class CgroupV2IT {

    @Test
    void limitsAndNamespacesOnAUnifiedHierarchy() throws Exception {
        String bin = System.getProperty("karakuri.launcher", "");
        assumeFalse(bin.isEmpty(), "needs an installed karakuri (scripts/test.sh provides one)");
        Path log = Files.createTempFile("cgroup2-vm", ".log");
        try {
            Process vm = new ProcessBuilder("scripts/cgroup2-vm.sh", "sh", "src/test/sh/cgroup2-checks.sh", bin)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            assertTrue(vm.waitFor(20, TimeUnit.MINUTES), "the virtual machine did not finish");
            String out = Files.readString(log);
            assertEquals(0, vm.exitValue(), out);
            List<String> passed = out.lines().filter(l -> l.startsWith("ok - ")).toList();
            assertEquals(13, passed.size(), out);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
