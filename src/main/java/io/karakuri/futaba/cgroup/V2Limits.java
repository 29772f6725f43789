package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** linux.resources on cgroup v2: every controller's files in the one directory. */
final class V2Limits extends CgroupLimits {
    private final Path dir;
    private List<String> controllers;

    V2Limits(Path dir, CgroupFiles files, Consumer<String> warnings) {
        super(files, warnings);
        this.dir = dir;
    }

    /** The directory, once its cgroup.controllers shows the controller (which its parent delegates). */
    @Override
    Path dir(String controller, String member) {
        if (!available(controller)) {
            throw new FutabaException(RESOURCES + member + ": the " + controller + " controller is not available in "
                    + dir + " (its cgroup.controllers)");
        }
        return dir;
    }

    private boolean available(String controller) {
        if (controllers == null) {
            controllers = List.of(files.read(dir.resolve("cgroup.controllers")).strip().split("\\s+"));
        }
        return controllers.contains(controller);
    }

    @Override
    String limitFile(String prefix) {
        return prefix + ".max";
    }

    @Override
    String unlimited() {
        return "max";
    }

    @Override
    void memory(Spec.Memory m) {
        long limit = orZero(m.limit());
        long swap = orZero(m.swap());
        checkUsage(m, limit, swap, "memory.current");
        if (swap != 0 || limit == -1) {
            // a new swap limit counts from the new memory limit, else from the one in force
            long memory = limit != 0 ? limit : number(dir("memory", "memory.swap").resolve("memory.max"), -1);
            String swapMax = swapMax(swap, memory);
            Path file = optionalFile("memory", "memory.swap.max", "memory.swap");
            if (file != null) {
                add(LimitWrite.of(RESOURCES + "memory.swap", file, swapMax));
            } else if (!swapMax.equals("max") && !swapMax.equals("0")) {
                throw new FutabaException(RESOURCES + "memory.swap: this kernel does not account swap (no "
                        + "memory.swap.max)");
            }
        }
        if (limit != 0) {
            add(write("memory", "memory.max", limit < 0 ? unlimited() : Long.toString(limit), "memory.limit"));
        }
        if (orZero(m.reservation()) != 0) {
            add(write("memory", "memory.low", m.reservation() < 0 ? unlimited() : Long.toString(m.reservation()),
                    "memory.reservation"));
        }
        // what v2 has no file for; runc ignores it silently
        if (m.swappiness() != null && m.swappiness() != -1) {
            warnings.accept(RESOURCES + "memory.swappiness: cgroup v2 has no per-cgroup swappiness; ignored");
        }
        if (Boolean.TRUE.equals(m.disableOOMKiller())) {
            warnings.accept(RESOURCES + "memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer; ignored");
        }
        if (Boolean.FALSE.equals(m.useHierarchy())) {
            warnings.accept(RESOURCES + "memory.useHierarchy: cgroup v2 always accounts hierarchically; ignored");
        }
    }

    /**
     * memory.swap.max for the spec's swap, memory plus swap (v2 counts swap alone), against the memory limit
     * (-1 unlimited), as runc converts it: unlimited memory takes unlimited swap along.
     */
    static String swapMax(long swap, long memory) {
        if (swap == -1 || (swap == 0 && memory == -1)) {
            return "max";
        }
        if (memory <= 0) {
            return Long.toString(swap);
        }
        if (swap < memory) {
            throw new FutabaException(RESOURCES + "memory.swap (memory plus swap) must be at least the memory limit, "
                    + memory);
        }
        return Long.toString(swap - memory);
    }

    @Override
    void cpu(Spec.Cpu c) {
        if (orZero(c.shares()) != 0) {
            add(write("cpu", "cpu.weight", Long.toString(weight(c.shares())), "cpu.shares"));
        }
        if (c.burst() != null) {
            add(write("cpu", "cpu.max.burst", Long.toString(c.burst()), "cpu.burst")
                    .retriedAfter(dir("cpu", "cpu.burst").resolve("cpu.max")));
        }
        long quota = orZero(c.quota());
        long period = orZero(c.period());
        if (quota != 0 || period != 0) {
            // cpu.max holds both: what the member leaves out stays as it is ("max 100000" in a new cgroup)
            Path cpuMax = file("cpu", "cpu.max", quota != 0 ? "cpu.quota" : "cpu.period");
            String[] current = files.read(cpuMax).strip().split(" ");
            String newQuota = quota > 0 ? Long.toString(quota) : quota < 0 ? "max" : current[0];
            String newPeriod = period != 0 ? Long.toString(period) : current.length > 1 ? current[1] : "100000";
            add(LimitWrite.of(RESOURCES + (quota != 0 ? "cpu.quota" : "cpu.period"), cpuMax,
                    newQuota + " " + newPeriod));
        }
        if (orZero(c.realtimeRuntime()) != 0 || orZero(c.realtimePeriod()) != 0) {
            warnings.accept(RESOURCES + "cpu.realtimeRuntime and realtimePeriod: cgroup v2 has no real-time group "
                    + "scheduling; ignored");
        }
    }

    /** cpu.weight (1 to 10000) for cpu.shares (2 to 262144), as runc converts it. */
    static long weight(long shares) {
        return 1 + ((shares - 2) * 9999) / 262142;
    }

    @Override
    void blockIo(Spec.BlockIo b) {
        boolean deviceWeights = b.weightDevice().stream().anyMatch(d -> orZero(d.weight()) != 0);
        if (orZero(b.weight()) != 0 || deviceWeights) {
            // as runc: BFQ's io.bfq.weight where the kernel has it, else io.weight (blk-iocost) on its own scale
            Path bfq = optionalFile("io", "io.bfq.weight", "blockIO.weight");
            if (orZero(b.weight()) != 0) {
                add(bfq != null ? LimitWrite.of(RESOURCES + "blockIO.weight", bfq, Long.toString(b.weight()))
                        : LimitWrite.of(RESOURCES + "blockIO.weight", ioWeight(), Long.toString(ioWeight(b.weight()))));
            }
            // a kernel older than 5.4 has a single number there, and no per-device weights
            if (deviceWeights && (bfq == null || files.read(bfq).strip().matches("\\d+"))) {
                warnings.accept(RESOURCES + "blockIO.weightDevice: this kernel takes no per-device weights (no "
                        + "io.bfq.weight with devices); ignored, as by runc");
            } else if (deviceWeights) {
                for (Spec.WeightDevice d : b.weightDevice()) {
                    if (orZero(d.weight()) != 0) {
                        add(LimitWrite.of(RESOURCES + "blockIO.weightDevice", bfq,
                                device(d.major(), d.minor()) + " " + d.weight()));
                    }
                }
            }
        }
        if (orZero(b.leafWeight()) != 0 || b.weightDevice().stream().anyMatch(d -> orZero(d.leafWeight()) != 0)) {
            warnings.accept(RESOURCES + "blockIO: cgroup v2 has no leaf weights (leafWeight); ignored");
        }
        throttle(b.throttleReadBpsDevice(), "rbps", "blockIO.throttleReadBpsDevice");
        throttle(b.throttleWriteBpsDevice(), "wbps", "blockIO.throttleWriteBpsDevice");
        throttle(b.throttleReadIOPSDevice(), "riops", "blockIO.throttleReadIOPSDevice");
        throttle(b.throttleWriteIOPSDevice(), "wiops", "blockIO.throttleWriteIOPSDevice");
    }

    @Override
    void network(Spec.Network n) {
        if (orZero(n.classID()) != 0 || !n.priorities().isEmpty()) {
            warnings.accept(RESOURCES + "network: cgroup v2 has no net_cls or net_prio controller; ignored, as by "
                    + "runc");
        }
    }

    /** As runc: each line of a value in a write of its own (io.max takes one device per write). */
    @Override
    void unified(Map<String, String> values) {
        values.forEach((name, value) -> {
            Path file = dir.resolve(name);
            if (!files.exists(file)) {
                String controller = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
                throw new FutabaException(RESOURCES + "unified: cannot set " + name + ": "
                        + (controller.equals("cgroup") || available(controller) ? "no such file in " + dir
                                : "the " + controller + " controller is not available in " + dir));
            }
            for (String line : value.split("\n")) {
                if (!line.isEmpty() || value.isEmpty()) {
                    add(LimitWrite.of(RESOURCES + "unified." + name, file, line));
                }
            }
        });
    }

    private Path ioWeight() {
        Path file = optionalFile("io", "io.weight", "blockIO.weight");
        if (file == null) {
            throw new FutabaException(RESOURCES + "blockIO.weight: the kernel offers neither io.bfq.weight nor "
                    + "io.weight in " + dir + " (no BFQ I/O scheduler, no blk-iocost)");
        }
        return file;
    }

    /** io.weight (1 to 10000) for a blkio weight (10 to 1000), as runc converts it. */
    static long ioWeight(long blkioWeight) {
        return 1 + (blkioWeight - 10) * 9999 / 990;
    }

    private void throttle(List<Spec.ThrottleDevice> devices, String key, String member) {
        for (Spec.ThrottleDevice d : devices) {
            add(write("io", "io.max", device(d.major(), d.minor()) + " " + key + "=" + d.rate(), member));
        }
    }
}
