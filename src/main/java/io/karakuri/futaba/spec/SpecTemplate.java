package io.karakuri.futaba.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The config.json `futaba spec` writes: runc's default, with what futaba runs today. */
public final class SpecTemplate {
    private SpecTemplate() {
    }

    public static Map<String, Object> standard() {
        List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        Map<String, Object> process = map(
                "terminal", false,
                "user", map("uid", 0, "gid", 0),
                "args", List.of("sh"),
                "env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                "cwd", "/",
                "capabilities", map("bounding", caps, "effective", caps, "permitted", caps, "ambient", caps),
                "rlimits", List.of(map("type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024)),
                "noNewPrivileges", true);
        List<Object> mounts = List.of(
                mount("/proc", "proc", "proc", List.of()),
                mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                mount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
                mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        Map<String, Object> linux = map(
                "resources", map("devices", List.of(map("allow", false, "access", "rwm"))),
                "namespaces", List.of(map("type", "pid"), map("type", "network"), map("type", "ipc"),
                        map("type", "uts"), map("type", "mount"), map("type", "cgroup")),
                "maskedPaths", List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                        "/sys/firmware", "/proc/scsi"),
                "readonlyPaths", List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
        return map(
                "ociVersion", "1.2.0",
                "process", process,
                "root", map("path", "rootfs", "readonly", true),
                "hostname", "futaba",
                "mounts", mounts,
                "linux", linux);
    }

    private static Map<String, Object> mount(String destination, String type, String source, List<String> options) {
        Map<String, Object> m = map("destination", destination, "type", type, "source", source);
        if (!options.isEmpty()) {
            m.put("options", options);
        }
        return m;
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
