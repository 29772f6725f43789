package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/** linux.resources on cgroup v1: each controller's files in its own hierarchy. */
final class V1Limits extends CgroupLimits {
    private static final String MEMSW = "memory.memsw.limit_in_bytes";

    private final Function<String, Path> hierarchies;

    /** hierarchies: the container's directory in the hierarchy of a controller, null when the host has none. */
    V1Limits(Function<String, Path> hierarchies, CgroupFiles files, Consumer<String> warnings) {
        super(files, warnings);
        this.hierarchies = hierarchies;
    }

    @Override
    Path dir(String controller, String member) {
        Path dir = hierarchies.apply(controller);
        if (dir == null) {
            throw new FutabaException(RESOURCES + member + ": this host has no " + controller + " cgroup hierarchy");
        }
        return dir;
    }

    @Override
    String limitFile(String prefix) {
        return prefix + ".limit_in_bytes";
    }

    @Override
    String unlimited() {
        return "-1";
    }

    @Override
    void memory(Spec.Memory m) {
        long limit = orZero(m.limit());
        long swap = orZero(m.swap());
        if (limit == -1 && swap == 0 && optionalFile("memory", MEMSW, "memory.limit") != null) {
            swap = -1; // as runc: unlimited memory takes unlimited swap along
        }
        checkUsage(m, limit, swap, "memory.usage_in_bytes");
        List<LimitWrite> memoryAndSwap = new ArrayList<>();
        if (limit != 0) {
            memoryAndSwap.add(write("memory", "memory.limit_in_bytes", Long.toString(limit), "memory.limit"));
        }
        if (swap != 0) {
            if (optionalFile("memory", MEMSW, "memory.swap") == null) {
                throw new FutabaException(RESOURCES + "memory.swap: this kernel does not account swap (no " + MEMSW
                        + ")");
            }
            LimitWrite swapWrite = write("memory", MEMSW, Long.toString(swap), "memory.swap");
            // memory plus swap may not be below memory: raise it first when the new value is above the old limit
            boolean swapFirst = limit != 0 && (swap == -1
                    || number(dir("memory", "memory.limit").resolve("memory.limit_in_bytes"), Long.MAX_VALUE) < swap);
            memoryAndSwap.add(swapFirst ? 0 : memoryAndSwap.size(), swapWrite);
        }
        memoryAndSwap.forEach(this::add);
        if (orZero(m.reservation()) != 0) {
            add(write("memory", "memory.soft_limit_in_bytes", Long.toString(m.reservation()), "memory.reservation"));
        }
        if (m.disableOOMKiller() != null) {
            add(write("memory", "memory.oom_control", m.disableOOMKiller() ? "1" : "0", "memory.disableOOMKiller"));
        }
        if (m.swappiness() != null && m.swappiness() != -1) {
            add(write("memory", "memory.swappiness", Long.toString(m.swappiness()), "memory.swappiness"));
        }
        if (m.useHierarchy() != null) {
            // kernels since 5.16 always account hierarchically and refuse 0, which runc never writes
            add(write("memory", "memory.use_hierarchy", m.useHierarchy() ? "1" : "0", "memory.useHierarchy")
                    .warningIfRefused(RESOURCES + "memory.useHierarchy: the kernel keeps memory.use_hierarchy as it "
                            + "is; ignored"));
        }
    }

    @Override
    void cpu(Spec.Cpu c) {
        if (orZero(c.shares()) != 0) {
            add(write("cpu", "cpu.shares", Long.toString(c.shares()), "cpu.shares"));
        }
        if (orZero(c.period()) != 0) {
            add(write("cpu", "cpu.cfs_period_us", Long.toString(c.period()), "cpu.period")
                    .retriedAfter(dir("cpu", "cpu.period").resolve("cpu.cfs_quota_us")));
        }
        if (c.burst() != null) {
            Path burst = optionalFile("cpu", "cpu.cfs_burst_us", "cpu.burst");
            if (burst == null) {
                warnings.accept(RESOURCES + "cpu.burst: this kernel has no cpu.cfs_burst_us; ignored (as by runc)");
            } else {
                add(LimitWrite.of(RESOURCES + "cpu.burst", burst, Long.toString(c.burst()))
                        .retriedAfter(burst.resolveSibling("cpu.cfs_quota_us")));
            }
        }
        if (orZero(c.quota()) != 0) {
            add(write("cpu", "cpu.cfs_quota_us", Long.toString(c.quota()), "cpu.quota"));
        }
        if (orZero(c.realtimePeriod()) != 0) {
            add(write("cpu", "cpu.rt_period_us", Long.toString(c.realtimePeriod()), "cpu.realtimePeriod")
                    .retriedAfter(dir("cpu", "cpu.realtimePeriod").resolve("cpu.rt_runtime_us")));
        }
        if (orZero(c.realtimeRuntime()) != 0) {
            add(write("cpu", "cpu.rt_runtime_us", Long.toString(c.realtimeRuntime()), "cpu.realtimeRuntime"));
        }
    }

    @Override
    void blockIo(Spec.BlockIo b) {
        if (orZero(b.weight()) != 0) {
            add(write("blkio", weightFile("blockIO.weight"), Long.toString(b.weight()), "blockIO.weight"));
        }
        if (orZero(b.leafWeight()) != 0) {
            add(write("blkio", "blkio.leaf_weight", Long.toString(b.leafWeight()), "blockIO.leafWeight"));
        }
        for (Spec.WeightDevice d : b.weightDevice()) {
            if (orZero(d.weight()) != 0) {
                add(write("blkio", weightFile("blockIO.weightDevice") + "_device",
                        device(d.major(), d.minor()) + " " + d.weight(), "blockIO.weightDevice"));
            }
            if (orZero(d.leafWeight()) != 0) {
                add(write("blkio", "blkio.leaf_weight_device", device(d.major(), d.minor()) + " " + d.leafWeight(),
                        "blockIO.weightDevice"));
            }
        }
        throttle(b.throttleReadBpsDevice(), "read_bps_device", "blockIO.throttleReadBpsDevice");
        throttle(b.throttleWriteBpsDevice(), "write_bps_device", "blockIO.throttleWriteBpsDevice");
        throttle(b.throttleReadIOPSDevice(), "read_iops_device", "blockIO.throttleReadIOPSDevice");
        throttle(b.throttleWriteIOPSDevice(), "write_iops_device", "blockIO.throttleWriteIOPSDevice");
    }

    @Override
    void network(Spec.Network n) {
        if (orZero(n.classID()) != 0) {
            add(write("net_cls", "net_cls.classid", Long.toString(n.classID()), "network.classID"));
        }
        for (Spec.InterfacePriority p : n.priorities()) {
            add(write("net_prio", "net_prio.ifpriomap", p.name() + " " + p.priority(), "network.priorities"));
        }
    }

    @Override
    void unified(Map<String, String> values) {
        throw new FutabaException(RESOURCES + "unified: unified resources can only be used with cgroup v2 (this "
                + "host's controllers are on cgroup v1)");
    }

    /** As runc: CFQ's blkio.weight where the kernel has it, else BFQ's blkio.bfq.weight. */
    private String weightFile(String member) {
        if (optionalFile("blkio", "blkio.weight", member) != null) {
            return "blkio.weight";
        }
        if (optionalFile("blkio", "blkio.bfq.weight", member) != null) {
            return "blkio.bfq.weight";
        }
        throw new FutabaException(RESOURCES + member + ": the kernel offers neither blkio.weight nor blkio.bfq.weight "
                + "in " + dir("blkio", member) + " (no CFQ or BFQ I/O scheduler)");
    }

    private void throttle(List<Spec.ThrottleDevice> devices, String file, String member) {
        for (Spec.ThrottleDevice d : devices) {
            add(write("blkio", "blkio.throttle." + file, device(d.major(), d.minor()) + " " + d.rate(), member));
        }
    }
}
