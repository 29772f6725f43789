package io.karakuri.futaba.spec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an OCI runtime-spec config.json (runtime-spec 1.2) that futaba reads. Members futaba
 * does not implement yet are kept as names in {@link #unsupported()}, so that a container never runs
 * without a setting its config asked for.
 */
public record Spec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        String domainname,
        List<Mount> mounts,
        Linux linux,
        Map<String, String> annotations,
        Hooks hooks,
        List<String> unsupported) {

    /** An OCI hook; args null or empty: argv is just the path; timeout in seconds, null for none. */
    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {
        public List<String> argv() {
            return args.isEmpty() ? List.of(path) : args;
        }
    }

    /** The hooks of each lifecycle point (prestart: deprecated, run with createRuntime's). */
    public record Hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
            List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {
        public static final Hooks NONE = new Hooks(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

        /** Each lifecycle point's name, as config.json spells it, with its hooks. */
        public Map<String, List<Hook>> byName() {
            Map<String, List<Hook>> m = new LinkedHashMap<>();
            m.put("prestart", prestart);
            m.put("createRuntime", createRuntime);
            m.put("createContainer", createContainer);
            m.put("startContainer", startContainer);
            m.put("poststart", poststart);
            m.put("poststop", poststop);
            return m;
        }
    }

    public record Process(
            boolean terminal,
            ConsoleSize consoleSize,
            User user,
            List<String> args,
            List<String> env,
            String cwd,
            Capabilities capabilities,
            List<Rlimit> rlimits,
            boolean noNewPrivileges,
            Long oomScoreAdj,
            String apparmorProfile) {}

    /** umask null: runc's default, 022. */
    public record User(long uid, long gid, List<Long> additionalGids, Long umask) {
        public User(long uid, long gid, List<Long> additionalGids) {
            this(uid, gid, additionalGids, null);
        }
    }

    public record ConsoleSize(long height, long width) {}

    /** Each set lists capability names such as CAP_KILL; null when the config leaves it out. */
    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> permitted,
            List<String> inheritable,
            List<String> ambient) {}

    public record Rlimit(String type, long soft, long hard) {}

    public record Root(String path, boolean readonly) {}

    public record Mount(String destination, String type, String source, List<String> options) {}

    public record Linux(
            List<Namespace> namespaces,
            Resources resources,
            String cgroupsPath,
            List<String> maskedPaths,
            List<String> readonlyPaths,
            String rootfsPropagation,
            Map<String, String> sysctl,
            List<Device> devices,
            List<IdMapping> uidMappings,
            List<IdMapping> gidMappings,
            Seccomp seccomp) {}

    /** linux.seccomp; defaultErrnoRet and errnoRet null: EPERM. */
    public record Seccomp(
            String defaultAction,
            Long defaultErrnoRet,
            List<String> architectures,
            List<String> flags,
            List<SyscallRule> syscalls) {}

    public record SyscallRule(List<String> names, String action, Long errnoRet, List<SyscallArg> args) {}

    /** A condition on argument index: op is SCMP_CMP_EQ and the like; valueTwo is MASKED_EQ's expected value. */
    public record SyscallArg(int index, long value, long valueTwo, String op) {}

    /** size ids from containerID on, in a user namespace, are hostID on outside it. */
    public record IdMapping(long containerID, long hostID, long size) {}

    /** A device node to make in the container: type c, b, u (unbuffered c) or p (fifo). */
    public record Device(String path, String type, long major, long minor, Long fileMode, long uid, long gid) {}

    /** type is the OCI name (pid, network, mount, ipc, uts, user, cgroup, time); path null = new. */
    public record Namespace(String type, String path) {}

    public record Resources(
            Memory memory,
            Cpu cpu,
            Pids pids,
            List<DeviceRule> devices,
            BlockIo blockIO,
            List<HugepageLimit> hugepageLimits,
            Network network,
            Map<String, Rdma> rdma,
            Map<String, String> unified) {
        public static final Resources NONE = new Resources(null, null, null, List.of(), null, List.of(), null,
                Map.of(), Map.of());
    }

    /**
     * Bytes; -1 is unlimited; null (or 0) is not set. swap is memory plus swap, as runc reads it. kernel and
     * kernelTCP are deprecated, accepted and ignored. swappiness -1 is not set.
     */
    public record Memory(
            Long limit,
            Long reservation,
            Long swap,
            Long kernel,
            Long kernelTCP,
            Long swappiness,
            Boolean disableOOMKiller,
            Boolean useHierarchy,
            Boolean checkBeforeUpdate) {}

    /** Microseconds; quota and realtimeRuntime -1 are unlimited; idle 1 is SCHED_IDLE; null (or 0) is not set. */
    public record Cpu(
            Long shares,
            Long quota,
            Long burst,
            Long period,
            Long realtimeRuntime,
            Long realtimePeriod,
            String cpus,
            String mems,
            Long idle) {}

    /** limit: -1 is unlimited, 0 is not set. */
    public record Pids(long limit) {}

    /** linux.resources.blockIO: weights 10 to 1000; rates in bytes or operations per second. */
    public record BlockIo(
            Long weight,
            Long leafWeight,
            List<WeightDevice> weightDevice,
            List<ThrottleDevice> throttleReadBpsDevice,
            List<ThrottleDevice> throttleWriteBpsDevice,
            List<ThrottleDevice> throttleReadIOPSDevice,
            List<ThrottleDevice> throttleWriteIOPSDevice) {}

    public record WeightDevice(long major, long minor, Long weight, Long leafWeight) {}

    public record ThrottleDevice(long major, long minor, long rate) {}

    /** pageSize as the kernel names it in hugetlb.2MB.*; limit in bytes, -1 unlimited. */
    public record HugepageLimit(String pageSize, long limit) {}

    public record Network(Long classID, List<InterfacePriority> priorities) {}

    public record InterfacePriority(String name, long priority) {}

    /** The limits of one RDMA device; null is not set. */
    public record Rdma(Long hcaHandles, Long hcaObjects) {}

    /** A device cgroup rule: type a, c or b; major/minor null for any; access from "rwm". */
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}
}
