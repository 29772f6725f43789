package io.karakuri.futaba.plan;

import static io.karakuri.futaba.plan.MountOptions.MS_BIND;
import static io.karakuri.futaba.plan.MountOptions.MS_NODEV;
import static io.karakuri.futaba.plan.MountOptions.MS_NOEXEC;
import static io.karakuri.futaba.plan.MountOptions.MS_NOSUID;
import static io.karakuri.futaba.plan.MountOptions.MS_PRIVATE;
import static io.karakuri.futaba.plan.MountOptions.MS_RDONLY;
import static io.karakuri.futaba.plan.MountOptions.MS_REC;
import static io.karakuri.futaba.plan.MountOptions.MS_REMOUNT;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.plan.PlanOp.Type;
import io.karakuri.futaba.seccomp.SeccompCompiler;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecValidator;
import io.karakuri.linux.Namespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Turns a validated {@link Spec} into the {@link Plan} the container's first process executes: the
 * policy (what, in which order, with which flags) is decided here, in Java; libfutaba only carries it
 * out. Pure: no system call, so every rule is unit-tested without root.
 */
public final class PlanBuilder {

    /**
     * @param rootfs the root file system, absolute
     * @param bundle the bundle directory (relative bind-mount sources are resolved against it)
     * @param syncFd the child's end of the go-ahead pipe
     * @param statusFd the child's end of the status pipe
     * @param fifoFd the exec fifo's read end, opened non-blocking (-1: exec without waiting for start)
     * @param consoleFd the console socket, for a process with a terminal (-1: none)
     * @param seccomp the compiled linux.seccomp, or null
     * @param state the container's runtime-spec state document, for its hooks
     * @param joinFds an open fd for each namespace the container joins, by OCI type
     * @param preserveFds how many fds after stderr the process keeps (runc's --preserve-fds)
     * @param lastCap the highest capability number the kernel knows
     * @param apparmorAttribute where a process asks for its AppArmor profile (AppArmor.execAttribute()), or
     *     null when AppArmor is not enabled
     */
    public record Inputs(
            Spec spec,
            Path rootfs,
            Path bundle,
            int syncFd,
            int statusFd,
            int fifoFd,
            int consoleFd,
            SeccompCompiler.Filter seccomp,
            Map<String, Object> state,
            Map<String, Integer> joinFds,
            int preserveFds,
            int lastCap,
            String apparmorAttribute,
            CgroupMountLayout cgroups,
            Consumer<String> warnings) {}

    /** The device nodes every container gets (runtime-spec "Default Devices"): name, major, minor. */
    private static final Object[][] DEFAULT_DEVICES = {
        {"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
        {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
    };
    private static final String[][] DEFAULT_LINKS = {
        {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
        {"/proc/self/fd/2", "/dev/stderr"}, {"pts/ptmx", "/dev/ptmx"},
    };
    private static final long S_IFCHR = 0020000;
    private static final long S_IFBLK = 0060000;
    private static final long S_IFIFO = 0010000;

    private final Inputs in;
    private final Spec spec;
    private final List<PlanOp> ops = new ArrayList<>();
    /** In a user namespace device nodes cannot be made: the host's are bind-mounted instead. */
    private boolean userns;

    private PlanBuilder(Inputs in) {
        this.in = in;
        this.spec = in.spec();
    }

    public static Plan build(Inputs in) {
        return new PlanBuilder(in).build();
    }

    private Plan build() {
        boolean newUser = false;
        boolean joinUser = false;
        boolean joinPid = false;
        boolean mountNs = false;
        long newFlags = 0; // every new namespace but the user one
        for (Spec.Namespace ns : spec.linux().namespaces()) {
            mountNs |= ns.type().equals("mount");
            if (ns.path() != null) {
                joinPid |= ns.type().equals("pid");
                joinUser |= ns.type().equals("user");
            } else if (ns.type().equals("user")) {
                newUser = true;
            } else {
                newFlags |= Namespaces.flag(ns.type());
            }
        }
        userns = newUser || joinUser;
        boolean newCgroupNs = (newFlags & Namespaces.CLONE_NEWCGROUP) != 0;
        // Without a user namespace, clone() makes the new namespaces, but the cgroup one: that is unshared
        // after the process is placed in its cgroup, so that the cgroup is its root. With one, every other
        // namespace is unshared after it, so that it owns them; the pid one then takes effect in a fork.
        long cloneFlags = userns ? 0 : newFlags & ~Namespaces.CLONE_NEWCGROUP;
        long unshareFlags = userns ? newFlags : newFlags & Namespaces.CLONE_NEWCGROUP;

        TreeSet<Integer> keep = new TreeSet<>(List.of(in.syncFd(), in.statusFd()));
        if (in.fifoFd() >= 0) {
            keep.add(in.fifoFd());
        }
        if (in.consoleFd() >= 0) {
            keep.add(in.consoleFd());
        }
        keep.addAll(in.joinFds().values());
        for (int i = 0; i < in.preserveFds(); i++) {
            keep.add(3 + i);
        }
        ops.add(PlanOp.of(Type.CLOSE_FDS, "closing inherited file descriptors",
                keep.stream().mapToLong(Integer::longValue).toArray()));
        if (newUser) {
            // the namespaces to join belong to the host's user namespace: joined while still in it
            joinAll();
            ops.add(PlanOp.of(Type.UNSHARE, "unsharing the user namespace", new long[] {Namespaces.CLONE_NEWUSER}));
            ops.add(PlanOp.of(Type.SYNC, "waiting for the user namespace's id maps", waitInts()));
            // root of the new namespace: mounts made from now on are owned by an id it maps
            ops.add(PlanOp.of(Type.USER, "become root of the user namespace", new long[] {0, 0, 1}));
        } else {
            ops.add(PlanOp.of(Type.WAIT_GO, "waiting for the go-ahead", waitInts()));
            joinAll();
            if (joinUser) {
                ops.add(PlanOp.of(Type.USER, "become root of the user namespace", new long[] {0, 0, 1}));
            }
        }
        if (unshareFlags != 0) {
            ops.add(PlanOp.of(Type.UNSHARE, "unsharing the container's namespaces", new long[] {unshareFlags}));
        }
        if (joinPid || (userns && (newFlags & Namespaces.CLONE_NEWPID) != 0)) {
            ops.add(PlanOp.of(Type.FORK, "forking into the container's pid namespace"));
        }

        Spec.Process process = spec.process();
        String rootfs = in.rootfs().toString();
        if (mountNs || SpecValidator.mountsInHostNamespace(spec)) {
            rootFileSystem(rootfs, process.cwd(), newCgroupNs, !mountNs);
        } else {
            createHooks();
            ops.add(PlanOp.of(Type.CHROOT, "chroot to " + rootfs, new long[0], rootfs));
        }

        if (spec.hostname() != null && !spec.hostname().isEmpty()) {
            ops.add(PlanOp.of(Type.HOSTNAME, "set hostname " + spec.hostname(), new long[0], spec.hostname()));
        }
        if (spec.domainname() != null && !spec.domainname().isEmpty()) {
            ops.add(PlanOp.of(Type.DOMAINNAME, "set domain name " + spec.domainname(), new long[0],
                    spec.domainname()));
        }
        new ProcessOps(ops, in.lastCap(), in.apparmorAttribute(), in.warnings()).append(process, in.fifoFd(), in.consoleFd(), in.seccomp());
        ops.addAll(HookOps.ops("startContainer", spec.hooks().startContainer(), state("created"), true));
        return new Plan(cloneFlags, in.statusFd(), List.copyOf(ops));
    }

    /** The prestart and createRuntime hooks run on the host, while the process waits in a SYNC. */
    private boolean hostHooks() {
        return !spec.hooks().prestart().isEmpty() || !spec.hooks().createRuntime().isEmpty();
    }

    /** The first wait for the parent keeps the pipe open when the hooks' SYNC waits on it again. */
    private long[] waitInts() {
        return hostHooks() ? new long[] {in.syncFd(), 1} : new long[] {in.syncFd()};
    }

    /**
     * With the namespaces made and the mounts done, before pivot_root: the host's prestart and
     * createRuntime hooks (the parent runs them during a SYNC), then the createContainer ones here.
     */
    private void createHooks() {
        if (hostHooks()) {
            ops.add(PlanOp.of(Type.SYNC, "waiting for the prestart and createRuntime hooks", new long[] {in.syncFd()}));
        }
        // "created", as crun and the runtime-tools suite have it (runc says "creating")
        ops.addAll(HookOps.ops("createContainer", spec.hooks().createContainer(), state("created"), true));
    }

    private Map<String, Object> state(String status) {
        Map<String, Object> state = new LinkedHashMap<>(in.state());
        state.put("status", status);
        return state;
    }

    /**
     * What `exec` runs: a new process in a running container.
     *
     * @param joins the container's namespaces this process enters: OCI type to an open fd, in order
     * @param root where to chroot when there is no mount namespace to join (the container's process
     *     chrooted there too), such as /proc/PID/root; null with one
     */
    public record ExecInputs(
            Spec.Process process,
            int syncFd,
            int statusFd,
            int consoleFd,
            SeccompCompiler.Filter seccomp,
            Map<String, Integer> joins,
            String root,
            int preserveFds,
            int lastCap,
            String apparmorAttribute,
            Consumer<String> warnings) {}

    /** The order namespaces are entered in: the user namespace grants the rest, the mount one changes the root. */
    public static final List<String> JOIN_ORDER = List.of("user", "cgroup", "ipc", "uts", "network", "pid", "time", "mount");

    /**
     * The plan of a process that joins a container: its namespaces (then, for its pid namespace, a fork),
     * then the process's own attributes; no mounts, the container's are there.
     */
    public static Plan buildExec(ExecInputs in) {
        List<PlanOp> ops = new ArrayList<>();
        TreeSet<Integer> keep = new TreeSet<>(List.of(in.syncFd(), in.statusFd()));
        keep.addAll(in.joins().values());
        if (in.consoleFd() >= 0) {
            keep.add(in.consoleFd());
        }
        for (int i = 0; i < in.preserveFds(); i++) {
            keep.add(3 + i);
        }
        ops.add(PlanOp.of(Type.CLOSE_FDS, "closing inherited file descriptors",
                keep.stream().mapToLong(Integer::longValue).toArray()));
        ops.add(PlanOp.of(Type.WAIT_GO, "waiting for the go-ahead", new long[] {in.syncFd()}));
        for (String type : JOIN_ORDER) {
            Integer fd = in.joins().get(type);
            if (fd != null) {
                ops.add(PlanOp.of(Type.SETNS, "join the container's " + type + " namespace",
                        new long[] {fd, Namespaces.flag(type)}));
            }
        }
        if (in.joins().containsKey("pid")) {
            ops.add(PlanOp.of(Type.FORK, "forking into the container's pid namespace"));
        }
        if (in.root() != null) {
            ops.add(PlanOp.of(Type.CHROOT, "chroot to the container's root", new long[0], in.root()));
        }
        new ProcessOps(ops, in.lastCap(), in.apparmorAttribute(), in.warnings()).append(in.process(), -1, in.consoleFd(), in.seccomp());
        return new Plan(0, in.statusFd(), List.copyOf(ops));
    }

    /** SETNS for each namespace the config joins, in JOIN_ORDER. */
    private void joinAll() {
        for (String type : JOIN_ORDER) {
            for (Spec.Namespace ns : spec.linux().namespaces()) {
                if (ns.path() != null && ns.type().equals(type)) {
                    Integer fd = in.joinFds().get(type);
                    if (fd == null) {
                        throw new IllegalStateException("no open fd for the " + type + " namespace " + ns.path());
                    }
                    ops.add(PlanOp.of(Type.SETNS, "join the " + type + " namespace " + ns.path(),
                            new long[] {fd, Namespaces.flag(type)}));
                }
            }
        }
    }

    /**
     * The root file system's mounts, then pivot_root. In the host's mount namespace (hostNamespace: the
     * container has none of its own) the mounts are made there, on the root's own bind mount, which
     * delete takes off with everything on it; the host's propagation is left alone, and the process
     * chroots instead.
     */
    private void rootFileSystem(String rootfs, String cwd, boolean newCgroupNs, boolean hostNamespace) {
        if (!hostNamespace) {
            // pivot_root refuses shared mounts: nothing mounted here may propagate back to the host.
            ops.add(PlanOp.of(Type.PROPAGATE, "make / private", new long[] {MS_REC | MS_PRIVATE}, "/"));
        }
        ops.add(PlanOp.of(Type.ROOTFS, "bind mount the root file system " + rootfs, new long[0], rootfs));
        boolean devFromHost = false;
        for (Spec.Mount m : spec.mounts()) {
            String dest = SpecValidator.cleanContainerPath(m.destination(), "mount destination");
            MountOptions o = MountOptions.parse(m.options());
            if (m.type().equals("cgroup")) {
                cgroupMount(dest, o, newCgroupNs);
            } else if (o.bind() || m.type().equals("bind")) {
                devFromHost |= dest.equals("/dev");
                bindMount(m, dest, o);
            } else {
                String what = "mount " + (m.type().isEmpty() ? m.source() : m.type()) + " on " + dest;
                long kind = o.copyUp() && m.type().equals("tmpfs") ? 2 : 0;
                ops.add(PlanOp.of(Type.MOUNT, what, new long[] {o.flags(), o.propagation(), 0, kind},
                        m.source(), dest, m.type(), o.data()));
            }
        }
        for (Spec.Device d : spec.linux().devices()) {
            String path = SpecValidator.cleanContainerPath(d.path(), "linux.devices");
            if (userns) {
                bindDevice(path);
                continue;
            }
            long type = switch (d.type()) {
                case "b" -> S_IFBLK;
                case "p" -> S_IFIFO;
                default -> S_IFCHR;
            };
            long mode = type | (d.fileMode() == null ? 0666 : d.fileMode() & 07777);
            long dev = d.type().equals("p") ? 0 : makedev(d.major(), d.minor());
            ops.add(PlanOp.of(Type.MKNOD, "create device " + d.path(), new long[] {mode, dev, d.uid(), d.gid()}, path));
        }
        if (!devFromHost) {
            for (Object[] d : DEFAULT_DEVICES) {
                if (userns) {
                    bindDevice((String) d[0]);
                    continue;
                }
                long major = (Integer) d[1];
                long minor = (Integer) d[2];
                ops.add(PlanOp.of(Type.MKNOD, "create device " + d[0],
                        new long[] {S_IFCHR | 0666, makedev(major, minor), 0, 0}, (String) d[0]));
            }
            for (String[] link : DEFAULT_LINKS) {
                ops.add(PlanOp.of(Type.SYMLINK, "create symlink " + link[1] + " -> " + link[0], new long[0],
                        link[0], link[1]));
            }
        }
        ops.add(PlanOp.of(Type.MKDIR, "create the working directory " + cwd, new long[0], cwd));
        createHooks();
        if (hostNamespace) {
            ops.add(PlanOp.of(Type.CHROOT, "chroot to " + rootfs, new long[0], rootfs));
        } else {
            ops.add(PlanOp.of(Type.PIVOT_ROOT, "pivot_root to " + rootfs));
        }
        String propagation = spec.linux().rootfsPropagation();
        if (propagation != null && !propagation.isEmpty()) {
            ops.add(PlanOp.of(Type.PROPAGATE, "make / " + propagation,
                    new long[] {MountOptions.propagation(propagation)}, "/"));
        }
        // sysctls before the read-only paths: the template makes /proc/sys read-only
        for (Map.Entry<String, String> sysctl : spec.linux().sysctl().entrySet()) {
            ops.add(PlanOp.of(Type.WRITE, "set sysctl " + sysctl.getKey(), new long[0],
                    "/proc/sys/" + sysctl.getKey().replace('.', '/'), sysctl.getValue()));
        }
        for (String path : spec.linux().readonlyPaths()) {
            ops.add(PlanOp.of(Type.READONLY, "make " + path + " read-only", new long[0], path));
        }
        for (String path : spec.linux().maskedPaths()) {
            ops.add(PlanOp.of(Type.MASK, "mask " + path, new long[0], path));
        }
        if (spec.root().readonly()) {
            ops.add(PlanOp.of(Type.ROOT_READONLY, "make the root file system read-only"));
        }
    }

    /** The host's device node at the same path, bind-mounted (on an empty file the mount creates). */
    private void bindDevice(String path) {
        ops.add(PlanOp.of(Type.MOUNT, "bind mount the host's " + path, new long[] {MS_BIND, 0, 0, 1},
                path, path, "", ""));
    }

    private void bindMount(Spec.Mount m, String dest, MountOptions o) {
        Path source = in.bundle().resolve(m.source());
        if (!Files.exists(source)) {
            throw new FutabaException("mount source " + source + " for " + dest + " does not exist");
        }
        long kind = Files.isDirectory(source) ? 0 : 1;
        ops.add(PlanOp.of(Type.MOUNT, "bind mount " + source + " on " + dest,
                new long[] {o.flags() | MS_BIND, o.propagation(), o.remountFlags(), kind},
                source.toString(), dest, "", ""));
    }

    /** "cgroup" in a config means the container's view of its cgroups, whatever the host's version. */
    private void cgroupMount(String dest, MountOptions o, boolean newCgroupNs) {
        CgroupMountLayout layout = in.cgroups();
        long flags = o.flags() & ~(MS_BIND | MS_REC);
        if (layout.unified()) {
            CgroupMountLayout.Hierarchy h = layout.hierarchies().getFirst();
            cgroupHierarchy(h, dest, flags, newCgroupNs);
            return;
        }
        long tmpfsFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
        ops.add(PlanOp.of(Type.MOUNT, "mount tmpfs on " + dest, new long[] {tmpfsFlags, 0, 0, 0},
                "tmpfs", dest, "tmpfs", "mode=755"));
        for (CgroupMountLayout.Hierarchy h : layout.hierarchies()) {
            String at = dest + "/" + h.name();
            cgroupHierarchy(h, at, flags, newCgroupNs);
            if (h.name().contains(",")) { // "cpu,cpuacct" is also reachable as "cpu" and "cpuacct"
                for (String part : h.name().split(",")) {
                    ops.add(PlanOp.of(Type.SYMLINK, "link " + dest + "/" + part, new long[0], h.name(),
                            dest + "/" + part));
                }
            }
        }
        if ((flags & MS_RDONLY) != 0) {
            ops.add(PlanOp.of(Type.MOUNT, "make " + dest + " read-only",
                    new long[] {MS_REMOUNT | MS_RDONLY | tmpfsFlags, 0, 0, 0}, "tmpfs", dest, "tmpfs", ""));
        }
    }

    private void cgroupHierarchy(CgroupMountLayout.Hierarchy h, String at, long flags, boolean newCgroupNs) {
        if (newCgroupNs) {
            ops.add(PlanOp.of(Type.MOUNT, "mount " + h.fsType() + " on " + at, new long[] {flags, 0, 0, 0},
                    "cgroup", at, h.fsType(), h.data()));
        } else {
            ops.add(PlanOp.of(Type.MOUNT, "bind mount " + h.containerDir() + " on " + at,
                    new long[] {MS_BIND | MS_REC, 0, flags, 0}, h.containerDir(), at, "", ""));
        }
    }

    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12)
                | (minor & 0xffL);
    }
}
