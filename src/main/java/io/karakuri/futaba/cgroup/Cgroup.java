package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.plan.CgroupMountLayout;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.linux.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One container's cgroup: a directory in each v1 hierarchy, or one in the v2 tree. Creates it, writes
 * the limits, places processes, lists them, and removes it.
 */
public final class Cgroup {
    /** One directory of this cgroup. name: the hierarchy's directory under /sys/fs/cgroup. */
    public record Member(String name, String controllers, String fsType, Path dir) {}

    private final int version;
    private final List<Member> members;
    private final CgroupFiles files;

    private Cgroup(int version, List<Member> members, CgroupFiles files) {
        this.version = version;
        this.members = members;
        this.files = files;
    }

    /** The cgroup at cgroupsPath (absolute, or relative to futaba's own cgroup) on this host. */
    public static Cgroup of(CgroupHost host, String cgroupsPath) {
        return of(host, cgroupsPath, CgroupFiles.SYSTEM);
    }

    static Cgroup of(CgroupHost host, String cgroupsPath, CgroupFiles files) {
        List<Member> members = new ArrayList<>();
        for (CgroupHost.Hierarchy h : host.hierarchies()) {
            members.add(new Member(h.mountPoint().getFileName().toString(), h.controllers(), h.fsType(),
                    h.dir(cgroupsPath)));
        }
        return new Cgroup(host.version(), List.copyOf(members), files);
    }

    /** The cgroup a state file recorded: version and directories by hierarchy name. */
    public static Cgroup fromState(int version, Map<String, String> dirs) {
        List<Member> members = new ArrayList<>();
        dirs.forEach((name, dir) -> members.add(new Member(name, "", "", Path.of(dir))));
        return new Cgroup(version, List.copyOf(members), CgroupFiles.SYSTEM);
    }

    public int version() {
        return version;
    }

    /** Directories by hierarchy name, as a state file records them. */
    public Map<String, String> dirs() {
        Map<String, String> out = new LinkedHashMap<>();
        members.forEach(m -> out.put(m.name(), m.dir().toString()));
        return out;
    }

    /**
     * Creates the directories and writes the limits; on failure removes what it made. What the cgroup version
     * cannot apply and runc ignores goes to warnings.
     */
    public void create(Spec.Resources resources, Consumer<String> warnings) {
        try {
            for (Member m : members) {
                makeDirs(m);
            }
            applyLimits(resources, warnings);
            applyDevices(resources.devices());
        } catch (RuntimeException e) {
            destroy();
            throw e;
        }
    }

    /**
     * Writes new limits to the existing cgroup of a container (`update`), leaving its device rules be, as
     * runc does. A failure leaves the limits as they were where the files allow it.
     */
    public void update(Spec.Resources resources, Consumer<String> warnings) {
        applyLimits(resources, warnings);
    }

    private void makeDirs(Member m) {
        List<Path> missing = new ArrayList<>();
        for (Path p = m.dir(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.addFirst(p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // made by a concurrent container with the same parent
            } catch (IOException e) {
                throw new FutabaException("cannot create cgroup " + p + ": " + IoErrors.reason(e), e);
            }
            if (version == 1 && m.controllers().contains("cpuset")) {
                // a v1 cpuset takes no process until its cpus and mems are set: inherit the parent's
                for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
                    if (files.read(p.resolve(file)).isBlank()) {
                        files.write(p.resolve(file), files.read(p.getParent().resolve(file)).strip());
                    }
                }
            } else if (version == 2) {
                enableControllers(p.getParent());
            }
        }
    }

    /** The v1 hierarchy of a controller (by its controllers, or, read back from a state file, its name). */
    private Member member(String controller) {
        for (Member m : members) {
            if (List.of(m.controllers().split(",")).contains(controller)
                    || List.of(m.name().split(",")).contains(controller)) {
                return m;
            }
        }
        return null;
    }

    /** The directory where a controller's files are: its v1 hierarchy, or the one v2 directory. */
    private Path dirOf(String controller) {
        if (version == 2) {
            return members.getFirst().dir();
        }
        Member m = member(controller);
        if (m == null) {
            throw new FutabaException("this host has no " + controller + " cgroup hierarchy");
        }
        return m.dir();
    }

    /** The cgroup's cpu, memory and pids figures, in runc's shape (`runc events --stats`). */
    public Map<String, Object> stats() {
        if (version == 2) {
            return CgroupStats.v2(members.getFirst().dir());
        }
        return CgroupStats.v1(dirOrNull("cpuacct"), dirOrNull("cpu"), dirOrNull("memory"), dirOrNull("pids"));
    }

    /** How many times the kernel's OOM killer has killed a process of this cgroup. */
    public long oomKills() {
        Path file = version == 2 ? members.getFirst().dir().resolve("memory.events")
                : dirOrNull("memory") == null ? null : dirOrNull("memory").resolve("memory.oom_control");
        try {
            for (String line : file == null ? List.<String>of() : Files.readAllLines(file)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring(9).strip());
                }
            }
        } catch (IOException | NumberFormatException gone) {
            // no figure
        }
        return 0;
    }

    private Path dirOrNull(String controller) {
        Member m = member(controller);
        return m == null ? null : m.dir();
    }

    /** Whether the freezer holds the cgroup's processes (v1 freezer.state, v2 cgroup.freeze). */
    public boolean frozen() {
        try {
            return version == 2 ? Files.readString(dirOf("freezer").resolve("cgroup.freeze")).strip().equals("1")
                    : !Files.readString(dirOf("freezer").resolve("freezer.state")).strip().equals("THAWED");
        } catch (IOException gone) {
            return false;
        }
    }

    /** Freezes or thaws every process of the cgroup, and waits until the kernel has done it. */
    public void freeze(boolean freeze) {
        Path dir = dirOf("freezer");
        if (version == 2) {
            files.write(dir.resolve("cgroup.freeze"), freeze ? "1" : "0");
        } else {
            files.write(dir.resolve("freezer.state"), freeze ? "FROZEN" : "THAWED");
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            String now = files.read(dir.resolve(version == 2 ? "cgroup.events" : "freezer.state"));
            boolean done = version == 2 ? now.contains("frozen " + (freeze ? 1 : 0))
                    : now.strip().equals(freeze ? "FROZEN" : "THAWED");
            if (done) {
                return;
            }
            if (version == 1 && freeze && attempt % 50 == 49) {
                files.write(dir.resolve("freezer.state"), "FROZEN"); // a task busy in the kernel can keep it FREEZING
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new FutabaException("the cgroup " + dir + " did not " + (freeze ? "freeze" : "thaw") + " in time");
    }

    private void applyLimits(Spec.Resources r, Consumer<String> warnings) {
        CgroupLimits limits = version == 1 ? new V1Limits(this::dirOrNull, files, warnings)
                : new V2Limits(members.getFirst().dir(), files, warnings);
        LimitWrite.writeAll(limits.plan(r), files, warnings);
    }

    /**
     * The device rules, always (as runc): a cgroup starts out denying every device, then the config's rules,
     * then the devices every container may use. v1 takes them in devices.deny and devices.allow; v2 as an
     * eBPF program.
     */
    private void applyDevices(List<Spec.DeviceRule> rules) {
        List<Spec.DeviceRule> all = DeviceRules.withDefaults(rules);
        if (version == 2) {
            files.attachDeviceProgram(members.getFirst().dir(), all);
            return;
        }
        Member devices = member("devices");
        if (devices != null) {
            for (Spec.DeviceRule rule : all) {
                files.write(devices.dir().resolve(rule.allow() ? "devices.allow" : "devices.deny"),
                        DeviceRules.v1(rule));
            }
        }
    }

    /** v2 limits a controller in a cgroup only if its parent delegates it (cgroup.subtree_control). */
    private void enableControllers(Path parent) {
        String available = files.read(parent.resolve("cgroup.controllers"));
        String enabled = files.read(parent.resolve("cgroup.subtree_control"));
        for (String controller : List.of("cpu", "cpuset", "memory", "pids", "io", "hugetlb", "rdma")) {
            if (List.of(available.strip().split(" ")).contains(controller)
                    && !List.of(enabled.strip().split(" ")).contains(controller)) {
                try {
                    files.writeOrFail(parent.resolve("cgroup.subtree_control"), "+" + controller);
                } catch (IOException notDelegable) {
                    // a limit that needs it then fails with its own clear error
                }
            }
        }
    }

    public void addProcess(int pid) {
        for (Member m : members) {
            files.write(m.dir().resolve("cgroup.procs"), Integer.toString(pid));
        }
    }

    /** Every process in the cgroup (and, on v2, in cgroups below it). */
    public List<Integer> processes() {
        Member m = version == 2 ? members.getFirst() : member("pids");
        if (m == null) {
            m = member("freezer") != null ? member("freezer") : members.getFirst();
        }
        List<Integer> pids = new ArrayList<>();
        List<Path> dirs = List.of(m.dir());
        if (version == 2 && Files.isDirectory(m.dir())) {
            try (Stream<Path> walk = Files.walk(m.dir())) {
                dirs = walk.filter(Files::isDirectory).toList();
            } catch (IOException | java.io.UncheckedIOException gone) {
                dirs = List.of(m.dir());
            }
        }
        for (Path dir : dirs) {
            Path procs = dir.resolve("cgroup.procs");
            if (Files.exists(procs)) {
                for (String line : files.read(procs).split("\n")) {
                    if (!line.isBlank()) {
                        pids.add(Integer.parseInt(line.strip()));
                    }
                }
            }
        }
        return pids;
    }

    /** Removes the directories (the leaves; parents may be shared). Waits briefly for exiting tasks. */
    public void destroy() {
        List<String> failed = new ArrayList<>();
        for (Member m : members) {
            if (!removeDir(m.dir())) {
                failed.add(m.dir().toString());
            }
        }
        if (!failed.isEmpty()) {
            throw new FutabaException("cannot remove cgroup " + String.join(", ", failed) + ": it still has processes");
        }
    }

    private static boolean removeDir(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> children = Files.list(dir)) {
                // nested cgroups made inside the container go first
                for (Path child : children.filter(Files::isDirectory).toList()) {
                    removeDir(child);
                }
            } catch (IOException | java.io.UncheckedIOException ignored) {
                // the rmdir below reports what is left
            }
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                Files.deleteIfExists(dir);
                return true;
            } catch (IOException busy) {
                try {
                    Thread.sleep(10); // a task that just exited can keep the cgroup busy for a moment
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /** How a "cgroup" mount inside this container is built. */
    public CgroupMountLayout mountLayout() {
        List<CgroupMountLayout.Hierarchy> hierarchies = new ArrayList<>();
        for (Member m : members) {
            String data = m.controllers().startsWith("name=") ? "none," + m.controllers() : m.controllers();
            hierarchies.add(new CgroupMountLayout.Hierarchy(version == 2 ? "" : m.name(), m.fsType(), data,
                    m.dir().toString()));
        }
        return new CgroupMountLayout(version == 2, hierarchies);
    }
}
