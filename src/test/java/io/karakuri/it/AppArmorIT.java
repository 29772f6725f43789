package io.karakuri.it;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * process.apparmorProfile on a host that enforces AppArmor. This build machine's kernel does not, so the
 * checks (src/test/sh/apparmor-checks.sh) run in the virtual machine of scripts/cgroup2-vm.sh, whose
 * Debian kernel does, against the same installed futaba.
 */
class AppArmorIT {

    @Test
    void theProfileIsAskedForAndAMissingOneIsAClearError() throws Exception {
        VirtualMachineChecks.run("apparmor-checks.sh", 3, Duration.ofMinutes(10));
    }
}
