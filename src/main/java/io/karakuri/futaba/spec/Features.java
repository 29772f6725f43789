package io.karakuri.futaba.spec;

import io.karakuri.futaba.plan.MountOptions;
import io.karakuri.linux.Capability;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** `futaba features`: what this futaba implements, as the runtime spec's features document says it. */
public final class Features {
    private Features() {
    }

    public static Map<String, Object> document() {
        Map<String, Object> cgroup = new LinkedHashMap<>();
        cgroup.put("v1", true);
        cgroup.put("v2", true);
        cgroup.put("systemd", false);
        cgroup.put("systemdUser", false);
        cgroup.put("rdma", true);
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("namespaces", List.of("cgroup", "ipc", "mount", "network", "pid", "uts"));
        linux.put("capabilities", Capability.all());
        linux.put("cgroup", cgroup);
        Map<String, Object> seccomp = new LinkedHashMap<>();
        seccomp.put("enabled", true);
        seccomp.put("actions", List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"));
        seccomp.put("operators", List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"));
        seccomp.put("archs", List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"));
        seccomp.put("supportedFlags", List.of("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
        linux.put("seccomp", seccomp);
        linux.put("apparmor", Map.of("enabled", false));
        linux.put("selinux", Map.of("enabled", false));
        linux.put("intelRdt", Map.of("enabled", false));
        linux.put("mountExtensions", Map.of("idmap", Map.of("enabled", false)));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("ociVersionMin", "1.0.0");
        doc.put("ociVersionMax", "1.2.0");
        doc.put("hooks", List.copyOf(Spec.Hooks.NONE.byName().keySet()));
        doc.put("mountOptions", MountOptions.names());
        doc.put("linux", linux);
        return doc;
    }
}
