package io.karakuri.futaba.spec;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.plan.MountOptions;
import io.karakuri.futaba.seccomp.SeccompCompiler;
import io.karakuri.linux.Capability;
import io.karakuri.linux.Namespaces;
import io.karakuri.linux.Rlimit;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks a {@link Spec} before anything is created for it; every error names the member at fault. */
public final class SpecValidator {
    private static final long UINT32_MAX = 0xFFFFFFFFL;

    private SpecValidator() {
    }

    public static void validate(Spec spec) {
        if (!spec.unsupported().isEmpty()) {
            throw invalid("futaba does not support " + String.join(", ", spec.unsupported()) + " yet");
        }
        if (spec.process() == null) {
            throw invalid("process is required");
        }
        validateProcess(spec.process(), "process");
        if (spec.root() == null || spec.root().path().isEmpty()) {
            throw invalid("root.path is required");
        }
        validateNamespaces(spec);
        for (int i = 0; i < spec.mounts().size(); i++) {
            Spec.Mount m = spec.mounts().get(i);
            String at = "mounts[" + i + "]";
            if (m.destination().isEmpty()) {
                throw invalid(at + ".destination is required");
            }
            cleanContainerPath(m.destination(), at + ".destination");
            MountOptions o = MountOptions.parse(m.options());
            if ((o.bind() || "bind".equals(m.type())) && m.source().isEmpty()) {
                throw invalid(at + ".source: a bind mount needs a source");
            }
        }
        for (Spec.Device d : spec.linux().devices()) {
            String where = "linux.devices " + d.path();
            absolute(d.path(), "linux.devices");
            cleanContainerPath(d.path(), where);
            if (!List.of("c", "b", "u", "p").contains(d.type())) {
                throw invalid(where + ": unknown type \"" + d.type() + "\" (c, b, u or p)");
            }
            // podman writes the node's type bits into fileMode (020666 for a character device), runc takes it
            long typeBits = d.fileMode() == null ? 0 : d.fileMode() & ~07777L;
            long ownType = switch (d.type()) {
                case "b" -> 0060000;
                case "p" -> 0010000;
                default -> 0020000;
            };
            if (typeBits != 0 && typeBits != ownType) {
                throw invalid(where + ": fileMode must be permission bits (at most 07777), or those and the "
                        + "type bits of a " + d.type() + " device (0" + Long.toOctalString(ownType) + ")");
            }
        }
        validateSysctl(spec);
        spec.hooks().byName().forEach((name, hooks) -> {
            for (int i = 0; i < hooks.size(); i++) {
                Spec.Hook hook = hooks.get(i);
                String where = "hooks." + name + "[" + i + "]";
                if (!hook.path().startsWith("/")) {
                    throw invalid(where + ".path: must be an absolute path, found \"" + hook.path() + "\"");
                }
                if (hook.timeout() != null && hook.timeout() <= 0) {
                    throw invalid(where + ".timeout: must be more than 0 seconds, found " + hook.timeout());
                }
            }
        });
        if (spec.linux().seccomp() != null) {
            SeccompCompiler.validate(spec.linux().seccomp());
        }
        for (String path : spec.linux().maskedPaths()) {
            absolute(path, "linux.maskedPaths");
        }
        for (String path : spec.linux().readonlyPaths()) {
            absolute(path, "linux.readonlyPaths");
        }
        String propagation = spec.linux().rootfsPropagation();
        if (propagation != null && !propagation.isEmpty() && MountOptions.propagation(propagation) == null) {
            throw invalid("linux.rootfsPropagation: unknown value \"" + propagation + "\"");
        }
        String cgroupsPath = spec.linux().cgroupsPath();
        if (cgroupsPath != null && List.of(cgroupsPath.split("/")).contains("..")) {
            throw invalid("linux.cgroupsPath: must not contain \"..\": " + cgroupsPath);
        }
        validateResources(spec.linux().resources(), "config.json");
    }

    /**
     * The checks linux.resources gets, in a config or given to `update`; source (config.json, a file) starts
     * each error.
     */
    public static void validateResources(Spec.Resources r, String source) {
        Spec.Memory memory = r.memory();
        if (memory != null) {
            if (memory.limit() != null && memory.swap() != null && memory.limit() > 0 && memory.swap() > 0
                    && memory.swap() < memory.limit()) {
                throw invalidResource(source, "memory.swap (memory plus swap) must be at least memory.limit");
            }
            if (memory.swappiness() != null && memory.swappiness() != -1 && !within(memory.swappiness(), 0, 100)) {
                throw invalidResource(source, "memory.swappiness: must be 0 to 100, found " + memory.swappiness());
            }
        }
        Spec.Cpu cpu = r.cpu();
        if (cpu != null) {
            if (cpu.idle() != null && !within(cpu.idle(), 0, 1)) {
                throw invalidResource(source, "cpu.idle: must be 0 or 1, found " + cpu.idle());
            }
            if (cpu.burst() != null && cpu.burst() < 0) {
                throw invalidResource(source, "cpu.burst: must not be negative, found " + cpu.burst());
            }
        }
        Spec.BlockIo blockIo = r.blockIO();
        if (blockIo != null) {
            weight(blockIo.weight(), "blockIO.weight", source);
            weight(blockIo.leafWeight(), "blockIO.leafWeight", source);
            for (Spec.WeightDevice d : blockIo.weightDevice()) {
                blockDevice(d.major(), d.minor(), "blockIO.weightDevice", source);
                weight(d.weight(), "blockIO.weightDevice " + d.major() + ":" + d.minor() + " weight", source);
                weight(d.leafWeight(), "blockIO.weightDevice " + d.major() + ":" + d.minor() + " leafWeight", source);
            }
            for (List<Spec.ThrottleDevice> devices : List.of(blockIo.throttleReadBpsDevice(),
                    blockIo.throttleWriteBpsDevice(), blockIo.throttleReadIOPSDevice(),
                    blockIo.throttleWriteIOPSDevice())) {
                for (Spec.ThrottleDevice d : devices) {
                    blockDevice(d.major(), d.minor(), "blockIO throttle", source);
                }
            }
        }
        for (Spec.HugepageLimit limit : r.hugepageLimits()) {
            // the kernel's names, which become file names: hugetlb.2MB.max
            if (!limit.pageSize().matches("[1-9][0-9]*[KMG]B")) {
                throw invalidResource(source, "hugepageLimits: pageSize must be a size such as 2MB or 1GB, found \""
                        + limit.pageSize() + "\"");
            }
        }
        Spec.Network network = r.network();
        if (network != null) {
            if (network.classID() != null && !within(network.classID(), 0, UINT32_MAX)) {
                throw invalidResource(source, "network.classID: must be 0 to 4294967295, found "
                        + network.classID());
            }
            for (Spec.InterfacePriority p : network.priorities()) {
                if (!p.name().matches("\\S+") || !within(p.priority(), 0, UINT32_MAX)) {
                    throw invalidResource(source, "network.priorities: an interface name without spaces and a "
                            + "priority of 0 to 4294967295, found \"" + p.name() + "\" " + p.priority());
                }
            }
        }
        r.rdma().forEach((device, limits) -> {
            if (!device.matches("\\S+")) {
                throw invalidResource(source, "rdma: invalid device name \"" + device + "\"");
            }
            if (limits.hcaHandles() == null && limits.hcaObjects() == null) {
                throw invalidResource(source, "rdma." + device + ": needs hcaHandles or hcaObjects");
            }
            for (Long limit : Arrays.asList(limits.hcaHandles(), limits.hcaObjects())) {
                if (limit != null && !within(limit, 0, UINT32_MAX)) {
                    throw invalidResource(source, "rdma." + device + ": limits must be 0 to 4294967295, found "
                            + limit);
                }
            }
        });
        for (String name : r.unified().keySet()) {
            // names of files in the container's cgroup directory, and no other
            if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                throw invalidResource(source, "unified: \"" + name + "\" is not the name of a cgroup file");
            }
        }
        for (Spec.DeviceRule rule : r.devices()) {
            if (!List.of("a", "c", "b").contains(rule.type())) {
                throw invalidResource(source, "devices: unknown device type \"" + rule.type() + "\"");
            }
            if (rule.access().isEmpty() || !rule.access().matches("[rwm]+")) {
                throw invalidResource(source, "devices: access must be made of r, w and m, found \"" + rule.access()
                        + "\"");
            }
        }
    }

    /** A blkio weight: 10 to 1000, or 0 or null to leave it. */
    private static void weight(Long weight, String member, String source) {
        if (weight != null && weight != 0 && !within(weight, 10, 1000)) {
            throw invalidResource(source, member + ": must be 10 to 1000, found " + weight);
        }
    }

    private static void blockDevice(long major, long minor, String member, String source) {
        if (major < 0 || minor < 0) {
            throw invalidResource(source, member + ": major and minor are required, found " + major + ":" + minor);
        }
    }

    private static boolean within(long value, long min, long max) {
        return value >= min && value <= max;
    }

    private static FutabaException invalidResource(String source, String resourcesMessage) {
        return new FutabaException(source + ": linux.resources." + resourcesMessage);
    }

    /** The checks a process gets, the container's (at "process") or one `exec` runs. */
    public static void validateProcess(Spec.Process p, String where) {
        if (p.consoleSize() != null && (p.consoleSize().height() < 0 || p.consoleSize().width() < 0
                || p.consoleSize().height() > 65535 || p.consoleSize().width() > 65535)) {
            throw invalid(where + ".consoleSize: height and width must be 0 to 65535");
        }
        if (p.args().isEmpty() || p.args().getFirst().isEmpty()) {
            throw invalid(where + ".args: must name the program to run");
        }
        Long umask = p.user().umask();
        if (umask != null && (umask < 0 || umask > 0777)) {
            throw invalid(where + ".user.umask: must be 0 to 0777 (511), found " + umask);
        }
        if (!p.cwd().startsWith("/")) {
            throw invalid(where + ".cwd: must be an absolute path, found \"" + p.cwd() + "\"");
        }
        Set<String> limits = new HashSet<>();
        for (Spec.Rlimit r : p.rlimits()) {
            if (Rlimit.number(r.type()) < 0) {
                throw invalid(where + ".rlimits: unknown type \"" + r.type() + "\"");
            }
            if (!limits.add(r.type())) {
                throw invalid(where + ".rlimits: " + r.type() + " is set twice");
            }
            if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                throw invalid(where + ".rlimits: " + r.type() + " has a soft limit above its hard limit");
            }
        }
        Spec.Capabilities caps = p.capabilities();
        if (caps != null) {
            for (List<String> set : List.of(nonNull(caps.bounding()), nonNull(caps.effective()),
                    nonNull(caps.permitted()), nonNull(caps.inheritable()), nonNull(caps.ambient()))) {
                for (String name : set) {
                    if (Capability.number(name) < 0) {
                        throw invalid(where + ".capabilities: unknown capability \"" + name + "\"");
                    }
                }
            }
        }
    }

    /** As runc: only the sysctls of a namespace the container has of its own. */
    private static void validateSysctl(Spec spec) {
        Set<String> own = new HashSet<>();
        for (Spec.Namespace ns : spec.linux().namespaces()) {
            if (ns.path() == null) {
                own.add(ns.type());
            }
        }
        for (String key : spec.linux().sysctl().keySet()) {
            String namespace;
            if (key.startsWith("net.")) {
                namespace = "network";
            } else if (key.startsWith("fs.mqueue.") || key.startsWith("kernel.msg") || key.startsWith("kernel.shm")
                    || key.equals("kernel.sem")) {
                namespace = "ipc";
            } else if (key.equals("kernel.hostname") || key.equals("kernel.domainname")) {
                namespace = "uts";
            } else {
                throw invalid("linux.sysctl: " + key + " is not namespaced: a container may not set it");
            }
            if (!own.contains(namespace)) {
                throw invalid("linux.sysctl: " + key + " needs a new " + namespace + " namespace");
            }
            if (key.contains("/") || key.contains("..")) {
                throw invalid("linux.sysctl: invalid name " + key);
            }
        }
    }

    private static void validateNamespaces(Spec spec) {
        Set<String> seen = new HashSet<>();
        boolean uts = false;
        for (Spec.Namespace ns : spec.linux().namespaces()) {
            if (Namespaces.flag(ns.type()) == null) {
                throw invalid("linux.namespaces: unknown namespace type \"" + ns.type() + "\"");
            }
            if (!seen.add(ns.type())) {
                throw invalid("linux.namespaces: the " + ns.type() + " namespace is listed twice");
            }
            if (ns.type().equals("time")) {
                throw invalid("linux.namespaces: time namespaces are not supported yet");
            }
            if (ns.path() != null && !ns.path().startsWith("/")) {
                throw invalid("linux.namespaces: the " + ns.type() + " namespace path must be absolute");
            }
            uts |= ns.type().equals("uts"); // new or joined, as runc: the name is set after the setns
        }
        if ((spec.hostname() != null && !spec.hostname().isEmpty()
                || spec.domainname() != null && !spec.domainname().isEmpty()) && !uts) {
            throw invalid("hostname: setting a host or domain name needs a uts namespace of the container's");
        }
        boolean newUser = spec.linux().namespaces().stream().anyMatch(n -> n.type().equals("user") && n.path() == null);
        List<Spec.IdMapping> uids = spec.linux().uidMappings();
        List<Spec.IdMapping> gids = spec.linux().gidMappings();
        if (newUser && (uids.isEmpty() || gids.isEmpty())) {
            throw invalid("linux.uidMappings and linux.gidMappings: a new user namespace needs both");
        }
        if (!newUser && (!uids.isEmpty() || !gids.isEmpty())) {
            throw invalid("linux.uidMappings: id mappings need a new user namespace ({\"type\": \"user\"})");
        }
        for (Spec.IdMapping m : uids) {
            validateMapping(m, "linux.uidMappings");
        }
        for (Spec.IdMapping m : gids) {
            validateMapping(m, "linux.gidMappings");
        }
    }

    /**
     * Whether a container makes its mounts in the host's mount namespace, having none of its own (as
     * runc allows): then they are made on its root there, and taken off again by delete.
     */
    public static boolean mountsInHostNamespace(Spec spec) {
        boolean mountNamespace = spec.linux().namespaces().stream().anyMatch(n -> n.type().equals("mount"));
        return !mountNamespace && (!spec.mounts().isEmpty() || !spec.linux().maskedPaths().isEmpty()
                || !spec.linux().readonlyPaths().isEmpty() || spec.root().readonly()
                || !spec.linux().devices().isEmpty() || !spec.linux().sysctl().isEmpty());
    }

    private static void validateMapping(Spec.IdMapping m, String where) {
        if (m.containerID() < 0 || m.hostID() < 0 || m.size() <= 0 || m.containerID() + m.size() > 0xFFFFFFFFL
                || m.hostID() + m.size() > 0xFFFFFFFFL) {
            throw invalid(where + ": invalid mapping " + m.containerID() + " -> " + m.hostID() + " (size " + m.size()
                    + "): ids are 0 to 4294967294 and size at least 1");
        }
    }

    private static List<String> nonNull(List<String> list) {
        return list == null ? List.of() : list;
    }

    private static void absolute(String path, String where) {
        if (!path.startsWith("/")) {
            throw invalid(where + ": must be absolute, found \"" + path + "\"");
        }
    }

    /**
     * A container path made canonical ("/a/./b/../c" is "/a/c"); a relative path is taken from "/",
     * as runc does. A path whose ".." climbs above "/" is refused.
     */
    public static String cleanContainerPath(String path, String where) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw invalid(where + ": \"" + path + "\" escapes the container's root");
                }
                parts.removeLast();
            } else {
                parts.addLast(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static FutabaException invalid(String message) {
        return new FutabaException("config.json: " + message);
    }
}
