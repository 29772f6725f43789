package io.karakuri.it;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * futaba on a pure cgroup v2 host. This build machine's cgroups are hybrid (v1 controllers), so the
 * checks (src/test/sh/cgroup2-checks.sh) run in a virtual machine booted with cgroup_no_v1=all
 * (scripts/cgroup2-vm.sh), against the same installed futaba, which the machine sees over 9p.
 */
class CgroupV2IT {

    @Test
    void limitsAndNamespacesOnAUnifiedHierarchy() throws Exception {
        VirtualMachineChecks.run("cgroup2-checks.sh", 13, Duration.ofMinutes(20));
    }
}
