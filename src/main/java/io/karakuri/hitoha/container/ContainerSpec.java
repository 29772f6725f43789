package io.karakuri.hitoha.container;

import io.karakuri.futaba.spec.SpecTemplate;
import io.karakuri.image.oci.ImageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's OCI config.json, from its image's config and what create was given: Docker's defaults
 * (capabilities, devices, masked paths, a private network namespace wired by hitoha), the hostname = the
 * id, /etc/hosts, /etc/hostname and /etc/resolv.conf bound from the container's directory, the user's
 * bind mounts and limits.
 */
final class ContainerSpec {
    /** Docker's default capabilities. */
    static final List<String> CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ContainerSpec() {
    }

    /** The process's arguments: the image's entrypoint, then cmd (the request's, else the image's). */
    static List<String> command(ImageConfig.Config image, List<String> cmd) {
        List<String> args = new ArrayList<>();
        if (image != null && image.entrypoint() != null) {
            args.addAll(image.entrypoint());
        }
        if (cmd != null) {
            args.addAll(cmd);
        } else if (image != null && image.cmd() != null) {
            args.addAll(image.cmd());
        }
        if (args.isEmpty()) {
            throw new IllegalArgumentException("the image has no command to run (no Entrypoint or Cmd): give one "
                    + "with --cmd");
        }
        return args;
    }

    /** The environment: PATH, HOSTNAME, TERM with a terminal, the image's, then the request's (later wins). */
    static List<String> environment(ImageConfig.Config image, ContainerRecord c) {
        Map<String, String> env = new LinkedHashMap<>();
        put(env, DEFAULT_PATH);
        put(env, "HOSTNAME=" + c.id());
        if (c.request().hasTerminal()) {
            put(env, "TERM=xterm");
        }
        if (image != null && image.env() != null) {
            image.env().forEach(e -> put(env, e));
        }
        c.request().env().forEach(e -> put(env, e));
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    private static void put(Map<String, String> env, String entry) {
        int eq = entry.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--env \"" + entry + "\": write it as NAME=VALUE");
        }
        env.put(entry.substring(0, eq), entry.substring(eq + 1));
    }

    /**
     * @param dir the container's directory (hosts, hostname, resolv.conf)
     * @param netns the network namespace hitoha wires, or null for none of its own
     */
    static Map<String, Object> build(ContainerRecord c, ImageConfig.Config image, ProcessUser user, List<BindMount> binds,
            Limits limits, Path dir, Path netns) {
        Map<String, Object> spec = SpecTemplate.standard();
        @SuppressWarnings("unchecked")
        Map<String, Object> process = (Map<String, Object>) spec.get("process");
        process.put("terminal", c.request().hasTerminal());
        Map<String, Object> u = map("uid", user.uid(), "gid", user.gid());
        if (!user.additionalGids().isEmpty()) {
            u.put("additionalGids", user.additionalGids());
        }
        process.put("user", u);
        process.put("args", c.command());
        process.put("env", environment(image, c));
        String cwd = c.request().workdir() != null ? c.request().workdir()
                : image != null && image.workingDir() != null && !image.workingDir().isEmpty() ? image.workingDir() : "/";
        if (!cwd.startsWith("/")) {
            throw new IllegalArgumentException("--workdir " + cwd + ": give an absolute path");
        }
        process.put("cwd", cwd);
        process.put("capabilities", map("bounding", CAPABILITIES, "effective", CAPABILITIES,
                "permitted", CAPABILITIES));
        long files = openFilesLimit();
        process.put("rlimits", List.of(map("type", "RLIMIT_NOFILE", "hard", files, "soft", files)));
        process.put("noNewPrivileges", false);
        spec.put("root", map("path", "rootfs", "readonly", false));
        spec.put("hostname", c.id());

        @SuppressWarnings("unchecked")
        List<Object> mounts = new ArrayList<>((List<Object>) spec.get("mounts"));
        for (String file : List.of("hosts", "hostname", "resolv.conf")) {
            mounts.add(map("destination", "/etc/" + file, "type", "bind", "source", dir.resolve(file).toString(),
                    "options", List.of("rbind", "rprivate", "nosuid", "nodev", "noexec")));
        }
        for (BindMount b : binds) {
            List<String> options = new ArrayList<>(List.of("rbind", "rprivate"));
            if (b.readOnly()) {
                options.add("ro");
            }
            mounts.add(map("destination", b.target(), "type", "bind", "source", b.source(), "options", options));
        }
        spec.put("mounts", mounts);

        @SuppressWarnings("unchecked")
        Map<String, Object> linux = (Map<String, Object>) spec.get("linux");
        List<Object> namespaces = new ArrayList<>();
        for (String type : List.of("pid", "ipc", "uts", "mount", "cgroup")) {
            namespaces.add(map("type", type));
        }
        namespaces.add(netns == null ? map("type", "network") : map("type", "network", "path", netns.toString()));
        linux.put("namespaces", namespaces);
        linux.put("cgroupsPath", "karakuri/" + c.id());
        Map<String, Object> resources = new LinkedHashMap<>();
        resources.put("devices", devices());
        if (limits.memory() > 0) {
            resources.put("memory", map("limit", limits.memory()));
        }
        if (limits.cpuQuota() > 0) {
            resources.put("cpu", map("quota", limits.cpuQuota(), "period", Limits.CPU_PERIOD));
        }
        if (limits.pids() > 0) {
            resources.put("pids", map("limit", limits.pids()));
        }
        linux.put("resources", resources);
        linux.put("seccomp", seccomp());
        spec.put("annotations", map("io.karakuri.namespace", c.ns(), "io.karakuri.image", c.image(),
                "io.karakuri.name", c.name()));
        return spec;
    }

    /**
     * The system calls a container may not make, as Docker's default profile has them for a container
     * without extra capabilities: kernel keyrings, modules, kexec, BPF, perf, userfaultfd, handles to host
     * files, the clock, swap, accounting, and new namespaces (unshare, setns, clone with namespace flags;
     * clone3 answers ENOSYS so that the C library falls back to clone, whose flags can be checked). What
     * the dropped capabilities refuse anyway (mount, reboot) is listed too, as a second wall. Foreign
     * architectures (i386 on x86_64) are in the filter, so 32-bit calls do not get around it.
     */
    static Map<String, Object> seccomp() {
        List<String> denied = List.of("acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module",
                "delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms",
                "init_module", "ioperm", "iopl", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie",
                "mount", "move_mount", "name_to_handle_at", "nfsservctl", "open_by_handle_at", "open_tree",
                "perf_event_open", "pivot_root", "query_module", "quotactl", "reboot", "request_key", "setns",
                "settimeofday", "stime", "swapoff", "swapon", "sysfs", "_sysctl", "umount", "umount2", "unshare",
                "uselib", "userfaultfd", "ustat", "vm86", "vm86old");
        List<String> architectures = "aarch64".equals(System.getProperty("os.arch")) ? List.of("SCMP_ARCH_AARCH64")
                : List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        List<Object> rules = new ArrayList<>();
        rules.add(map("names", denied, "action", "SCMP_ACT_ERRNO", "errnoRet", 1));
        rules.add(map("names", List.of("clone3"), "action", "SCMP_ACT_ERRNO", "errnoRet", 38));
        // CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME: a rule each (rules are or-ed)
        for (long flag : new long[] {0x00020000L, 0x02000000L, 0x04000000L, 0x08000000L, 0x10000000L, 0x20000000L,
                0x40000000L, 0x00000080L}) {
            rules.add(map("names", List.of("clone"), "action", "SCMP_ACT_ERRNO", "errnoRet", 1,
                    "args", List.of(map("index", 0, "value", flag, "valueTwo", flag, "op", "SCMP_CMP_MASKED_EQ"))));
        }
        return map("defaultAction", "SCMP_ACT_ALLOW", "architectures", architectures, "syscalls", rules);
    }

    /** hitoha's own hard limit of open files, at most 1048576: what a container may have (as Docker gives). */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? 1048576 : Math.min(1048576, Long.parseLong(f[1]));
                }
            }
        } catch (IOException | RuntimeException e) {
            // the common default below
        }
        return 1024;
    }

    /** Docker's device cgroup: everything denied, then the standard devices and the pty master. */
    private static List<Object> devices() {
        List<Object> rules = new ArrayList<>();
        rules.add(map("allow", false, "access", "rwm"));
        int[][] chars = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}, {10, 200}};
        for (int[] d : chars) {
            Map<String, Object> rule = map("allow", true, "type", "c", "major", d[0]);
            if (d[1] >= 0) {
                rule.put("minor", d[1]);
            }
            rule.put("access", "rwm");
            rules.add(rule);
        }
        return rules;
    }

    /** A {@code --mount host:container[:ro]}. */
    record BindMount(String source, String target, boolean readOnly) {
        static BindMount parse(String text) {
            String[] p = text.split(":", -1);
            if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()
                    || (p.length == 3 && !p[2].equals("ro") && !p[2].equals("rw"))) {
                throw new IllegalArgumentException("--mount \"" + text + "\": write it as HOST_PATH:CONTAINER_PATH[:ro]");
            }
            if (!p[0].startsWith("/") || !p[1].startsWith("/")) {
                throw new IllegalArgumentException("--mount \"" + text + "\": both paths must be absolute");
            }
            return new BindMount(Path.of(p[0]).normalize().toString(), Path.of(p[1]).normalize().toString(),
                    p.length == 3 && p[2].equals("ro"));
        }
    }

    static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
