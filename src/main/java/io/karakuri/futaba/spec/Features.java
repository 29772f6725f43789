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
        cgroup.put("rdma", false);
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("namespaces", List.of("cgroup", "ipc", "mount", "network", "pid", "uts"));
        linux.put("capabilities", Capability.all());
        linux.put("cgroup", cgroup);
        linux.put("seccomp", Map.of("enabled", false));
        linux.put("apparmor", Map.of("enabled", false));
        linux.put("selinux", Map.of("enabled", false));
        linux.put("intelRdt", Map.of("enabled", false));
        linux.put("mountExtensions", Map.of("idmap", Map.of("enabled", false)));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("ociVersionMin", "1.0.0");
        doc.put("ociVersionMax", "1.2.0");
        doc.put("hooks", List.of());
        doc.put("mountOptions", MountOptions.names());
        doc.put("linux", linux);
        return doc;
    }
}
