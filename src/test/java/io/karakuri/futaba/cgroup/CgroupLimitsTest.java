package io.karakuri.futaba.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which file gets which value, in which order: linux.resources applied to a fake cgroup tree. */
class CgroupLimitsTest {
    @TempDir
    Path root;

    private final List<String> warnings = new ArrayList<>();

    private static Spec.Resources resources(Spec.Memory memory, Spec.Cpu cpu, Spec.Pids pids) {
        return new Spec.Resources(memory, cpu, pids, List.of(), null, List.of(), null, Map.of(), Map.of());
    }

    private static Spec.Resources blockIo(Spec.BlockIo blockIo) {
        return new Spec.Resources(null, null, null, List.of(), blockIo, List.of(), null, Map.of(), Map.of());
    }

    private static Spec.Resources hugepages(Spec.HugepageLimit... limits) {
        return new Spec.Resources(null, null, null, List.of(), null, List.of(limits), null, Map.of(), Map.of());
    }

    private static Spec.Resources network(Spec.Network network, Map<String, Spec.Rdma> rdma,
            Map<String, String> unified) {
        return new Spec.Resources(null, null, null, List.of(), null, List.of(), network, rdma, unified);
    }

    private static final Spec.Network NETWORK = new Spec.Network(0x100001L,
            List.of(new Spec.InterfacePriority("lo", 2), new Spec.InterfacePriority("eth0", 5)));

    private static Spec.Memory memory(Long limit, Long reservation, Long swap) {
        return new Spec.Memory(limit, reservation, swap, null, null, null, null, null, null);
    }

    private static Spec.Cpu cpu(Long shares, Long quota, Long period) {
        return new Spec.Cpu(shares, quota, null, period, null, null, null, null, null);
    }

    private FakeCgroupTree v1Memory(String limit) {
        return FakeCgroupTree.v1(root, "memory/memory.limit_in_bytes=" + limit, "memory/memory.memsw.limit_in_bytes",
                "memory/memory.soft_limit_in_bytes");
    }

    @Test
    void v1MemoryLimitsGoToTheirFilesSwapFirstWhenItRisesAboveTheOldLimit() {
        FakeCgroupTree tree = v1Memory("9223372036854771712");
        tree.cgroup().create(resources(memory(64L << 20, 32L << 20, 96L << 20), null, null), warnings::add);
        assertEquals(List.of("memory/memory.limit_in_bytes=67108864", "memory/memory.memsw.limit_in_bytes=100663296",
                "memory/memory.soft_limit_in_bytes=33554432"), tree.writes, "from unlimited: memory first");

        tree = v1Memory("1048576");
        tree.cgroup().create(resources(memory(2L << 20, null, 4L << 20), null, null), warnings::add);
        assertEquals(List.of("memory/memory.memsw.limit_in_bytes=4194304", "memory/memory.limit_in_bytes=2097152"),
                tree.writes, "memory plus swap may not fall below memory: it rises first");
    }

    @Test
    void v1UnlimitedMemoryTakesUnlimitedSwapAlong() {
        FakeCgroupTree tree = v1Memory("1048576");
        tree.cgroup().create(resources(memory(-1L, null, null), null, null), warnings::add);
        assertEquals(List.of("memory/memory.memsw.limit_in_bytes=-1", "memory/memory.limit_in_bytes=-1"), tree.writes);
    }

    @Test
    void v1SwapWithoutSwapAccountingIsAClearErrorBeforeAnyWrite() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "memory/memory.limit_in_bytes=0", "pids/pids.max=max");
        Cgroup cgroup = tree.cgroup();
        FutabaException e = assertThrows(FutabaException.class, () -> cgroup.update(
                resources(memory(1L << 20, null, 2L << 20), null, new Spec.Pids(5)), warnings::add));
        assertEquals("linux.resources.memory.swap: this kernel does not account swap "
                + "(no memory.memsw.limit_in_bytes)", e.getMessage());
        assertEquals(List.of(), tree.writes);
    }

    @Test
    void aLimitForAControllerTheHostLacksNamesTheMember() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "memory/memory.limit_in_bytes=0");
        Cgroup cgroup = tree.cgroup();
        FutabaException e = assertThrows(FutabaException.class,
                () -> cgroup.update(resources(memory(1L << 20, null, null), null, new Spec.Pids(5)), warnings::add));
        assertEquals("linux.resources.pids.limit: this host has no pids cgroup hierarchy", e.getMessage());
        assertEquals(List.of(), tree.writes);
    }

    @Test
    void v1CpuPeriodIsRetriedAfterTheQuotaWhenTheOldQuotaDoesNotFitIt() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "cpu,cpuacct/cpu.shares=1024",
                "cpu,cpuacct/cpu.cfs_period_us=100000", "cpu,cpuacct/cpu.cfs_quota_us=50000")
                .refusing("cpu,cpuacct/cpu.cfs_period_us=10000");
        tree.cgroup().update(resources(null, cpu(512L, 5000L, 10000L), null), warnings::add);
        assertEquals(List.of("cpu,cpuacct/cpu.shares=512", "cpu,cpuacct/cpu.cfs_quota_us=5000",
                "cpu,cpuacct/cpu.cfs_period_us=10000"), tree.writes);
    }

    @Test
    void pidsLimitZeroLeavesTheFileAndMinusOneIsMax() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "pids/pids.max=10");
        tree.cgroup().update(resources(null, null, new Spec.Pids(0)), warnings::add);
        tree.cgroup().update(resources(null, null, new Spec.Pids(-1)), warnings::add);
        assertEquals(List.of("pids/pids.max=max"), tree.writes);
    }

    @Test
    void aRefusedWritePutsBackWhatTheUpdateHadWritten() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "memory/memory.limit_in_bytes=1048576",
                "memory/memory.soft_limit_in_bytes=0", "cpuset/cpuset.cpus=0-1", "cpuset/cpuset.mems=0")
                .refusing("cpuset/cpuset.cpus=7");
        Spec.Cpu cpus = new Spec.Cpu(null, null, null, null, null, null, "7", null, null);
        FutabaException e = assertThrows(FutabaException.class, () -> tree.cgroup().update(
                resources(memory(4L << 20, 2L << 20, null), cpus, null), warnings::add));
        assertEquals("linux.resources.cpu.cpus: cannot write \"7\" to " + root.resolve("cpuset/ctr/cpuset.cpus")
                + ": Invalid argument", e.getMessage());
        assertEquals("1048576", tree.content("memory/memory.limit_in_bytes"));
        assertEquals("0", tree.content("memory/memory.soft_limit_in_bytes"));
        assertEquals("0-1", tree.content("cpuset/cpuset.cpus"));
    }

    @Test
    void v1MemoryOptionsAndTheDeprecatedKernelLimits() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "memory/memory.oom_control=oom_kill_disable 0",
                "memory/memory.swappiness=60", "memory/memory.use_hierarchy=1")
                .refusing("memory/memory.use_hierarchy=0");
        tree.cgroup().create(resources(new Spec.Memory(null, null, null, 1L << 20, 1L << 20, 10L, true, false, null),
                null, null), warnings::add);
        assertEquals(List.of("memory/memory.oom_control=1", "memory/memory.swappiness=10"), tree.writes);
        assertEquals(List.of("linux.resources.memory.kernel and kernelTCP: kernel memory limits are deprecated and "
                + "ignored (as runc ignores them)", "linux.resources.memory.useHierarchy: the kernel keeps "
                + "memory.use_hierarchy as it is; ignored"), warnings);
    }

    @Test
    void swappinessMinusOneLeavesTheFile() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "memory/memory.swappiness=60");
        tree.cgroup().update(resources(new Spec.Memory(null, null, null, null, null, -1L, null, null, null), null,
                null), warnings::add);
        assertEquals(List.of(), tree.writes);
    }

    @Test
    void checkBeforeUpdateRefusesALimitAtOrBelowTheUsage() {
        Spec.Memory below = new Spec.Memory(8L << 20, null, null, null, null, null, null, null, true);
        FakeCgroupTree v1 = FakeCgroupTree.v1(root.resolve("v1"), "memory/memory.limit_in_bytes=67108864",
                "memory/memory.usage_in_bytes=" + (10L << 20));
        FutabaException e = assertThrows(FutabaException.class,
                () -> v1.cgroup().update(resources(below, null, null), warnings::add));
        assertEquals("linux.resources.memory.limit: refusing a memory limit of 8388608 bytes: the container uses "
                + "10485760 (checkBeforeUpdate)", e.getMessage());
        FakeCgroupTree v2 = FakeCgroupTree.v2(root.resolve("v2"), "cgroup.controllers=memory",
                "memory.max=67108864", "memory.swap.max=max", "memory.current=" + (10L << 20));
        e = assertThrows(FutabaException.class, () -> v2.cgroup().update(resources(
                new Spec.Memory(8L << 20, null, 9L << 20, null, null, null, null, null, true), null, null),
                warnings::add));
        assertEquals("linux.resources.memory.swap: refusing a memory plus swap limit of 9437184 bytes: the "
                + "container uses 10485760 (checkBeforeUpdate)", e.getMessage());
        assertEquals(List.of(), v1.writes);
        assertEquals(List.of(), v2.writes);

        v2.cgroup().update(resources(new Spec.Memory(16L << 20, null, null, null, null, null, null, null, true),
                null, null), warnings::add);
        assertEquals(List.of("memory.max=16777216"), v2.writes);
    }

    @Test
    void v1CpuBurstRealtimeAndIdleInTheOrderTheKernelTakesThem() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "cpu/cpu.shares=1024", "cpu/cpu.cfs_quota_us=-1",
                "cpu/cpu.cfs_burst_us=0", "cpu/cpu.rt_period_us=1000000", "cpu/cpu.rt_runtime_us=0", "cpu/cpu.idle=0")
                .refusing("cpu/cpu.cfs_burst_us=20000").refusing("cpu/cpu.rt_period_us=500000");
        tree.cgroup().create(resources(null, new Spec.Cpu(512L, 50000L, 20000L, null, 10000L, 500000L, null, null, 1L),
                null), warnings::add);
        assertEquals(List.of("cpu/cpu.shares=512", "cpu/cpu.cfs_quota_us=50000", "cpu/cpu.cfs_burst_us=20000",
                "cpu/cpu.rt_runtime_us=10000", "cpu/cpu.rt_period_us=500000", "cpu/cpu.idle=1"), tree.writes,
                "burst after the quota it needs, period after the runtime it needs, idle after the weight");

        tree.writes.clear();
        tree.cgroup().update(resources(null, new Spec.Cpu(2048L, null, null, null, null, null, null, null, 0L), null),
                warnings::add);
        assertEquals(List.of("cpu/cpu.idle=0", "cpu/cpu.shares=2048"), tree.writes, "not idle before the weight");
    }

    @Test
    void v1CpuBurstWithoutTheFileIsIgnoredWithAWarning() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "cpu/cpu.cfs_quota_us=-1");
        tree.cgroup().update(resources(null, new Spec.Cpu(null, 50000L, 1000L, null, null, null, null, null, null),
                null), warnings::add);
        assertEquals(List.of("cpu/cpu.cfs_quota_us=50000"), tree.writes);
        assertEquals(List.of("linux.resources.cpu.burst: this kernel has no cpu.cfs_burst_us; ignored (as by runc)"),
                warnings);
    }

    @Test
    void v2CpuBurstAndIdleAndWhatV2Ignores() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=cpu memory", "cpu.weight=100",
                "cpu.max=max 100000", "cpu.max.burst=0", "cpu.idle=0", "memory.max=max");
        tree.cgroup().create(resources(new Spec.Memory(null, null, null, null, null, 30L, true, false, null),
                new Spec.Cpu(null, 50000L, 1000L, null, 10000L, null, null, null, 1L), null), warnings::add);
        assertEquals(List.of("cpu.max.burst=1000", "cpu.max=50000 100000", "cpu.idle=1"), tree.writes);
        assertEquals(List.of(
                "linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness; ignored",
                "linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer; ignored",
                "linux.resources.memory.useHierarchy: cgroup v2 always accounts hierarchically; ignored",
                "linux.resources.cpu.realtimeRuntime and realtimePeriod: cgroup v2 has no real-time group scheduling; "
                        + "ignored"), warnings);
    }

    @Test
    void v2SwapCountsSwapAloneAndSharesBecomeAWeight() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=cpuset cpu io memory pids",
                "memory.max=max", "memory.low=0", "memory.swap.max=max", "cpu.weight=100", "cpu.max=max 100000");
        tree.cgroup().create(resources(memory(64L << 20, 32L << 20, 96L << 20), cpu(512L, 50000L, null), null),
                warnings::add);
        assertEquals(List.of("memory.swap.max=33554432", "memory.max=67108864", "memory.low=33554432",
                "cpu.weight=20", "cpu.max=50000 100000"), tree.writes);
        // no rules in the config: as runc, a program that denies all but the default devices
        assertEquals(1, tree.devicePrograms.size());
        assertEquals(new Spec.DeviceRule(false, "a", null, null, "rwm"), tree.devicePrograms.getFirst().getFirst());
    }

    @Test
    void v2CpuMaxKeepsTheHalfAnUpdateLeavesOut() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=cpu memory", "cpu.max=50000 100000",
                "memory.max=67108864", "memory.swap.max=0");
        tree.cgroup().update(resources(memory(null, null, 100L << 20), cpu(null, null, 200000L), null),
                warnings::add);
        assertEquals(List.of(), tree.devicePrograms, "update leaves the device rules be");
        assertEquals(List.of("memory.swap.max=37748736", "cpu.max=50000 200000"), tree.writes,
                "swap counts from the memory limit in force");
    }

    @Test
    void v2NamesAControllerTheParentDoesNotDelegate() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=memory", "pids.max=max");
        Cgroup cgroup = tree.cgroup();
        FutabaException e = assertThrows(FutabaException.class,
                () -> cgroup.update(resources(null, null, new Spec.Pids(5)), warnings::add));
        assertEquals("linux.resources.pids.limit: the pids controller is not available in " + root.resolve("ctr")
                + " (its cgroup.controllers)", e.getMessage());
    }

    private static final Spec.BlockIo BLOCK_IO = new Spec.BlockIo(500L, null,
            List.of(new Spec.WeightDevice(8, 0, 300L, null)), List.of(new Spec.ThrottleDevice(8, 0, 1048576)),
            List.of(new Spec.ThrottleDevice(8, 16, 2097152)), List.of(new Spec.ThrottleDevice(8, 0, 100)),
            List.of(new Spec.ThrottleDevice(8, 0, 200)));

    @Test
    void v1BlockIoTakesBfqWeightsWhereTheKernelHasNoBlkioWeight() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "blkio/blkio.bfq.weight=100", "blkio/blkio.bfq.weight_device",
                "blkio/blkio.throttle.read_bps_device", "blkio/blkio.throttle.write_bps_device",
                "blkio/blkio.throttle.read_iops_device", "blkio/blkio.throttle.write_iops_device");
        tree.cgroup().create(blockIo(BLOCK_IO), warnings::add);
        assertEquals(List.of("blkio/blkio.bfq.weight=500", "blkio/blkio.bfq.weight_device=8:0 300",
                "blkio/blkio.throttle.read_bps_device=8:0 1048576",
                "blkio/blkio.throttle.write_bps_device=8:16 2097152", "blkio/blkio.throttle.read_iops_device=8:0 100",
                "blkio/blkio.throttle.write_iops_device=8:0 200"), tree.writes);
    }

    @Test
    void v1BlockIoTakesCfqWeightsAndLeafWeightsWhereTheKernelHasThem() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "blkio/blkio.weight=500", "blkio/blkio.weight_device",
                "blkio/blkio.leaf_weight=500", "blkio/blkio.leaf_weight_device", "blkio/blkio.bfq.weight=100");
        tree.cgroup().create(blockIo(new Spec.BlockIo(200L, 300L, List.of(new Spec.WeightDevice(8, 0, 400L, 600L)),
                List.of(), List.of(), List.of(), List.of())), warnings::add);
        assertEquals(List.of("blkio/blkio.weight=200", "blkio/blkio.leaf_weight=300",
                "blkio/blkio.weight_device=8:0 400", "blkio/blkio.leaf_weight_device=8:0 600"), tree.writes);
    }

    @Test
    void v1BlockIoWeightWithoutAWeightFileNamesBoth() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "blkio/blkio.throttle.read_bps_device");
        Cgroup cgroup = tree.cgroup();
        FutabaException e = assertThrows(FutabaException.class, () -> cgroup.update(blockIo(BLOCK_IO), warnings::add));
        assertEquals("linux.resources.blockIO.weight: the kernel offers neither blkio.weight nor blkio.bfq.weight in "
                + root.resolve("blkio/ctr") + " (no CFQ or BFQ I/O scheduler)", e.getMessage());
        assertEquals(List.of(), tree.writes);
    }

    @Test
    void anEmptyBlockIoAsksForNothing() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "memory/memory.limit_in_bytes=0");
        tree.cgroup().create(blockIo(new Spec.BlockIo(null, null, List.of(), List.of(), List.of(), List.of(),
                List.of())), warnings::add);
        assertEquals(List.of(), tree.writes, "and needs no blkio hierarchy");
    }

    @Test
    void v2BlockIoWithBfqPerDeviceWeightsAndIoMax() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=io", "io.bfq.weight=default 100",
                "io.weight=default 100", "io.max");
        tree.cgroup().create(blockIo(new Spec.BlockIo(500L, 100L, BLOCK_IO.weightDevice(),
                BLOCK_IO.throttleReadBpsDevice(), BLOCK_IO.throttleWriteBpsDevice(), BLOCK_IO.throttleReadIOPSDevice(),
                BLOCK_IO.throttleWriteIOPSDevice())), warnings::add);
        assertEquals(List.of("io.bfq.weight=500", "io.bfq.weight=8:0 300", "io.max=8:0 rbps=1048576",
                "io.max=8:16 wbps=2097152", "io.max=8:0 riops=100", "io.max=8:0 wiops=200"), tree.writes);
        assertEquals(List.of("linux.resources.blockIO: cgroup v2 has no leaf weights (leafWeight); ignored"), warnings);
    }

    @Test
    void v2BlockIoWeightWithoutBfqIsConvertedForIoWeight() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=io", "io.weight=default 100");
        tree.cgroup().create(blockIo(new Spec.BlockIo(500L, null, BLOCK_IO.weightDevice(), List.of(), List.of(),
                List.of(), List.of())), warnings::add);
        assertEquals(List.of("io.weight=4950"), tree.writes);
        assertEquals(List.of("linux.resources.blockIO.weightDevice: this kernel takes no per-device weights (no "
                + "io.bfq.weight with devices); ignored, as by runc"), warnings);
        assertEquals(1, V2Limits.ioWeight(10));
        assertEquals(10000, V2Limits.ioWeight(1000));
    }

    @Test
    void hugepageLimitsAndTheirReservations() {
        FakeCgroupTree v1 = FakeCgroupTree.v1(root.resolve("v1"), "hugetlb/hugetlb.2MB.limit_in_bytes",
                "hugetlb/hugetlb.2MB.rsvd.limit_in_bytes", "hugetlb/hugetlb.1GB.limit_in_bytes");
        v1.cgroup().create(hugepages(new Spec.HugepageLimit("2MB", 4194304), new Spec.HugepageLimit("1GB", -1)),
                warnings::add);
        assertEquals(List.of("hugetlb/hugetlb.2MB.limit_in_bytes=4194304",
                "hugetlb/hugetlb.2MB.rsvd.limit_in_bytes=4194304", "hugetlb/hugetlb.1GB.limit_in_bytes=-1"), v1.writes);

        FakeCgroupTree v2 = FakeCgroupTree.v2(root.resolve("v2"), "cgroup.controllers=hugetlb", "hugetlb.2MB.max",
                "hugetlb.2MB.rsvd.max");
        v2.cgroup().create(hugepages(new Spec.HugepageLimit("2MB", -1)), warnings::add);
        assertEquals(List.of("hugetlb.2MB.max=max", "hugetlb.2MB.rsvd.max=max"), v2.writes);

        FutabaException e = assertThrows(FutabaException.class,
                () -> v2.cgroup().update(hugepages(new Spec.HugepageLimit("64KB", 0)), warnings::add));
        assertEquals("linux.resources.hugepageLimits: this kernel has no 64KB huge pages (no hugetlb.64KB.max in "
                + root.resolve("v2/ctr") + ")", e.getMessage());
    }

    @Test
    void v1NetworkClassAndPriorities() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "net_cls,net_prio/net_cls.classid=0",
                "net_cls,net_prio/net_prio.ifpriomap=lo 0");
        tree.cgroup().create(network(NETWORK, Map.of(), Map.of()), warnings::add);
        assertEquals(List.of("net_cls,net_prio/net_cls.classid=1048577", "net_cls,net_prio/net_prio.ifpriomap=lo 2",
                "net_cls,net_prio/net_prio.ifpriomap=eth0 5"), tree.writes);
    }

    @Test
    void v2IgnoresTheNetworkWithAWarning() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=memory");
        tree.cgroup().create(network(NETWORK, Map.of(), Map.of()), warnings::add);
        assertEquals(List.of(), tree.writes);
        assertEquals(List.of("linux.resources.network: cgroup v2 has no net_cls or net_prio controller; ignored, as "
                + "by runc"), warnings);
    }

    @Test
    void rdmaLimitsPerDeviceOnEitherVersionAndAClearErrorWithoutTheController() {
        Map<String, Spec.Rdma> rdma = new java.util.LinkedHashMap<>();
        rdma.put("mlx5_1", new Spec.Rdma(3L, 10000L));
        rdma.put("mlx4_0", new Spec.Rdma(null, 7L));
        FakeCgroupTree v1 = FakeCgroupTree.v1(root.resolve("v1"), "rdma/rdma.max");
        v1.cgroup().create(network(null, rdma, Map.of()), warnings::add);
        assertEquals(List.of("rdma/rdma.max=mlx5_1 hca_handle=3 hca_object=10000", "rdma/rdma.max=mlx4_0 hca_object=7"),
                v1.writes);
        FakeCgroupTree v2 = FakeCgroupTree.v2(root.resolve("v2"), "cgroup.controllers=memory rdma", "rdma.max");
        v2.cgroup().create(network(null, rdma, Map.of()), warnings::add);
        assertEquals(List.of("rdma.max=mlx5_1 hca_handle=3 hca_object=10000", "rdma.max=mlx4_0 hca_object=7"),
                v2.writes);

        FakeCgroupTree none = FakeCgroupTree.v1(root.resolve("none"), "memory/memory.limit_in_bytes=0");
        FutabaException e = assertThrows(FutabaException.class,
                () -> none.cgroup().update(network(null, rdma, Map.of()), warnings::add));
        assertEquals("linux.resources.rdma: this host has no rdma cgroup hierarchy", e.getMessage());
    }

    @Test
    void v2UnifiedWritesEachLineOfEachFileLast() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=io memory pids", "memory.high=max",
                "io.max", "pids.max=max");
        Map<String, String> unified = new java.util.LinkedHashMap<>();
        unified.put("memory.high", "1073741824");
        unified.put("io.max", "8:0 rbps=1024\n8:16 wiops=10\n");
        tree.cgroup().create(new Spec.Resources(null, null, new Spec.Pids(10), List.of(), null, List.of(), null,
                Map.of(), unified), warnings::add);
        assertEquals(List.of("pids.max=10", "memory.high=1073741824", "io.max=8:0 rbps=1024", "io.max=8:16 wiops=10"),
                tree.writes);
    }

    @Test
    void v2UnifiedNamesAMissingFileOrController() {
        FakeCgroupTree tree = FakeCgroupTree.v2(root, "cgroup.controllers=memory", "memory.max=max");
        Cgroup cgroup = tree.cgroup();
        FutabaException e = assertThrows(FutabaException.class,
                () -> cgroup.update(network(null, Map.of(), Map.of("rdma.max", "x hca_handle=1")), warnings::add));
        assertEquals("linux.resources.unified: cannot set rdma.max: the rdma controller is not available in "
                + root.resolve("ctr"), e.getMessage());
        e = assertThrows(FutabaException.class,
                () -> cgroup.update(network(null, Map.of(), Map.of("memory.hihg", "1")), warnings::add));
        assertEquals("linux.resources.unified: cannot set memory.hihg: no such file in " + root.resolve("ctr"),
                e.getMessage());
    }

    @Test
    void v1RefusesUnifiedAsRuncDoes() {
        FakeCgroupTree tree = FakeCgroupTree.v1(root, "memory/memory.limit_in_bytes=0");
        Cgroup cgroup = tree.cgroup();
        FutabaException e = assertThrows(FutabaException.class, () -> cgroup.update(
                new Spec.Resources(memory(1L << 20, null, null), null, null, List.of(), null, List.of(), null,
                        Map.of(), Map.of("memory.high", "1")), warnings::add));
        assertEquals("linux.resources.unified: unified resources can only be used with cgroup v2 (this host's "
                + "controllers are on cgroup v1)", e.getMessage());
        assertEquals(List.of(), tree.writes);
    }
}
