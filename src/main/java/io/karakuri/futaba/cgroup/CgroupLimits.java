package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What linux.resources asks of a cgroup: the files and values runc 1.1/1.2 writes (its libcontainer cgroup
 * drivers fs and fs2), in runc's order. Planning reads what it needs (which files the kernel offers, the
 * limits in force) and fails before anything is written: a missing controller or file fails here, naming
 * the config member that asked for it. A member left out, null or 0 leaves its file as it is.
 */
abstract sealed class CgroupLimits permits V1Limits, V2Limits {
    static final String RESOURCES = "linux.resources.";

    final CgroupFiles files;
    final Consumer<String> warnings;
    private final List<LimitWrite> writes = new ArrayList<>();

    CgroupLimits(CgroupFiles files, Consumer<String> warnings) {
        this.files = files;
        this.warnings = warnings;
    }

    /** The directory of a controller's files; fails, naming member, when the cgroup has no such controller. */
    abstract Path dir(String controller, String member);

    abstract void memory(Spec.Memory m);

    /** cpu's members but idle, cpus and mems. */
    abstract void cpu(Spec.Cpu c);

    abstract void blockIo(Spec.BlockIo b);

    abstract void network(Spec.Network n);

    /** linux.resources.unified: files of the v2 tree by name. */
    abstract void unified(Map<String, String> values);

    /** A limit file's name: hugetlb.2MB.limit_in_bytes on v1, hugetlb.2MB.max on v2, for "hugetlb.2MB". */
    abstract String limitFile(String prefix);

    /** How a limit file says "no limit": -1 on v1, max on v2. */
    abstract String unlimited();

    /** The writes that apply r, checked. Device rules are not among them. */
    final List<LimitWrite> plan(Spec.Resources r) {
        if (r.memory() != null) {
            if (r.memory().kernel() != null || r.memory().kernelTCP() != null) {
                warnings.accept(RESOURCES + "memory.kernel and kernelTCP: kernel memory limits are deprecated and "
                        + "ignored (as runc ignores them)");
            }
            memory(r.memory());
        }
        if (r.cpu() != null) {
            // the kernel refuses a weight for an idle cgroup: leave idle before weighing, go idle after
            boolean goesIdle = orZero(r.cpu().idle()) != 0;
            if (r.cpu().idle() != null && !goesIdle) {
                add(write("cpu", "cpu.idle", "0", "cpu.idle"));
            }
            cpu(r.cpu());
            if (goesIdle) {
                add(write("cpu", "cpu.idle", Long.toString(r.cpu().idle()), "cpu.idle"));
            }
            cpuset(r.cpu());
        }
        if (r.pids() != null && r.pids().limit() != 0) {
            add(write("pids", "pids.max", r.pids().limit() > 0 ? Long.toString(r.pids().limit()) : "max",
                    "pids.limit"));
        }
        if (r.blockIO() != null) {
            blockIo(r.blockIO());
        }
        hugepages(r.hugepageLimits());
        if (r.network() != null) {
            network(r.network());
        }
        r.rdma().forEach(this::rdma);
        if (!r.unified().isEmpty()) {
            unified(r.unified()); // last, so that it has the final word, as in runc
        }
        return List.copyOf(writes);
    }

    private void rdma(String device, Spec.Rdma limits) {
        StringBuilder line = new StringBuilder(device);
        if (limits.hcaHandles() != null) {
            line.append(" hca_handle=").append(limits.hcaHandles());
        }
        if (limits.hcaObjects() != null) {
            line.append(" hca_object=").append(limits.hcaObjects());
        }
        add(write("rdma", "rdma.max", line.toString(), "rdma"));
    }

    /** As runc: the reservations (kernel 5.7 on) get the same limit as the faults, where the kernel has them. */
    private void hugepages(List<Spec.HugepageLimit> limits) {
        for (Spec.HugepageLimit l : limits) {
            String prefix = "hugetlb." + l.pageSize();
            Path file = optionalFile("hugetlb", limitFile(prefix), "hugepageLimits");
            if (file == null) {
                throw new FutabaException(RESOURCES + "hugepageLimits: this kernel has no " + l.pageSize()
                        + " huge pages (no " + limitFile(prefix) + " in " + dir("hugetlb", "hugepageLimits") + ")");
            }
            String value = l.limit() < 0 ? unlimited() : Long.toString(l.limit());
            add(LimitWrite.of(RESOURCES + "hugepageLimits", file, value));
            Path reservations = optionalFile("hugetlb", limitFile(prefix + ".rsvd"), "hugepageLimits");
            if (reservations != null) {
                add(LimitWrite.of(RESOURCES + "hugepageLimits", reservations, value));
            }
        }
    }

    private void cpuset(Spec.Cpu c) {
        if (c.cpus() != null && !c.cpus().isEmpty()) {
            add(write("cpuset", "cpuset.cpus", c.cpus(), "cpu.cpus"));
        }
        if (c.mems() != null && !c.mems().isEmpty()) {
            add(write("cpuset", "cpuset.mems", c.mems(), "cpu.mems"));
        }
    }

    /**
     * checkBeforeUpdate: refuses a memory limit (or memory plus swap) at or below what the cgroup uses, as
     * runc does on v2 (and the v1 kernel only after trying to reclaim). Best effort: no usage, no check.
     */
    final void checkUsage(Spec.Memory m, long limit, long swap, String usageFile) {
        if (!Boolean.TRUE.equals(m.checkBeforeUpdate()) || (limit <= 0 && swap <= 0)) {
            return;
        }
        long usage = number(dir("memory", "memory.checkBeforeUpdate").resolve(usageFile), -1);
        if (usage >= 0 && swap > 0 && swap <= usage) {
            throw new FutabaException(RESOURCES + "memory.swap: refusing a memory plus swap limit of " + swap
                    + " bytes: the container uses " + usage + " (checkBeforeUpdate)");
        }
        if (usage >= 0 && limit > 0 && limit <= usage) {
            throw new FutabaException(RESOURCES + "memory.limit: refusing a memory limit of " + limit
                    + " bytes: the container uses " + usage + " (checkBeforeUpdate)");
        }
    }

    final void add(LimitWrite write) {
        writes.add(write);
    }

    /** A write of value to a controller's file, for member (below linux.resources); the file must exist. */
    final LimitWrite write(String controller, String file, String value, String member) {
        return LimitWrite.of(RESOURCES + member, file(controller, file, member), value);
    }

    /** A controller's file; fails, naming member, when the kernel does not offer it. */
    final Path file(String controller, String name, String member) {
        Path file = dir(controller, member).resolve(name);
        if (!files.exists(file)) {
            throw new FutabaException(RESOURCES + member + ": the kernel offers no " + name + " in "
                    + file.getParent());
        }
        return file;
    }

    /** A controller's file, or null when the kernel does not offer it. */
    final Path optionalFile(String controller, String name, String member) {
        Path file = dir(controller, member).resolve(name);
        return files.exists(file) ? file : null;
    }

    /** A number a file holds ("max" and the like: unlimited, -1), or fallback when it holds none. */
    final long number(Path file, long fallback) {
        String text = files.readIfPossible(file);
        if (text == null) {
            return fallback;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException notANumber) {
            return text.strip().equals("max") ? -1 : fallback;
        }
    }

    /** A block device as the blkio and io files name it: "8:0". */
    static String device(long major, long minor) {
        return major + ":" + minor;
    }

    /** A member's value, with null (not set) as 0. */
    static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
