package io.karakuri.futaba.plan;

import static io.karakuri.futaba.plan.MountOptions.MS_BIND;
import static io.karakuri.futaba.plan.MountOptions.MS_NODEV;
import static io.karakuri.futaba.plan.MountOptions.MS_NOEXEC;
import static io.karakuri.futaba.plan.MountOptions.MS_NOSUID;
import static io.karakuri.futaba.plan.MountOptions.MS_PRIVATE;
import static io.karakuri.futaba.plan.MountOptions.MS_RDONLY;
import static io.karakuri.futaba.plan.MountOptions.MS_REC;
import static io.karakuri.futaba.plan.MountOptions.MS_RELATIME;
import static io.karakuri.futaba.plan.MountOptions.MS_REMOUNT;
import static io.karakuri.futaba.plan.MountOptions.MS_SLAVE;
import static io.karakuri.futaba.plan.MountOptions.MS_STRICTATIME;
import static io.karakuri.futaba.spec.Configs.json;
import static io.karakuri.futaba.spec.Configs.list;
import static io.karakuri.futaba.spec.Configs.namespaces;
import static io.karakuri.futaba.spec.Configs.object;
import static io.karakuri.linux.Namespaces.CLONE_NEWCGROUP;
import static io.karakuri.linux.Namespaces.CLONE_NEWIPC;
import static io.karakuri.linux.Namespaces.CLONE_NEWNET;
import static io.karakuri.linux.Namespaces.CLONE_NEWNS;
import static io.karakuri.linux.Namespaces.CLONE_NEWPID;
import static io.karakuri.linux.Namespaces.CLONE_NEWUTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.plan.CgroupMountLayout.Hierarchy;
import io.karakuri.futaba.plan.PlanOp.Type;
import io.karakuri.futaba.spec.Configs;
import io.karakuri.futaba.seccomp.SeccompCompiler;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanBuilderTest {
    private static final int SYNC_FD = 10;
    private static final int STATUS_FD = 11;
    private static final Map<String, Object> STATE = stateDocument();
    private static final long S_IFCHR = 0020000;
    /** The flags of the template's cgroup mount: nosuid, noexec, nodev, relatime, ro. */
    private static final long CGROUP_FLAGS = MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY;

    private static final CgroupMountLayout V2 = new CgroupMountLayout(true,
            List.of(new Hierarchy("", "cgroup2", "", "/sys/fs/cgroup/futaba/c1")));
    private static final CgroupMountLayout V1 = new CgroupMountLayout(false, List.of(
            new Hierarchy("cpu,cpuacct", "cgroup", "cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/c1"),
            new Hierarchy("memory", "cgroup", "memory", "/sys/fs/cgroup/memory/c1"),
            new Hierarchy("systemd", "cgroup", "none,name=systemd", "/sys/fs/cgroup/systemd/c1"),
            new Hierarchy("unified", "cgroup2", "", "/sys/fs/cgroup/unified/c1")));

    @TempDir
    Path bundle;
    Path rootfs;
    Map<String, Object> config;
    Map<String, Integer> joinFds = new LinkedHashMap<>();
    int fifoFd = 12;
    int consoleFd = -1;
    int preserveFds;
    int lastCap = 40;
    String apparmor = null;
    CgroupMountLayout cgroups = V2;
    List<String> warnings = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        rootfs = Files.createDirectory(bundle.resolve("rootfs"));
        config = Configs.standard();
    }

    private Plan build() {
        Spec spec = Configs.read(config);
        SpecValidator.validate(spec);
        return PlanBuilder.build(new PlanBuilder.Inputs(spec, rootfs, bundle, SYNC_FD, STATUS_FD, fifoFd,
                consoleFd, seccomp(spec), STATE, joinFds, preserveFds, lastCap, apparmor, cgroups, warnings::add));
    }

    private SeccompCompiler.Filter seccomp(Spec spec) {
        return spec.linux().seccomp() == null ? null : SeccompCompiler.compile(spec.linux().seccomp(), warnings::add);
    }

    /** The op types in order, a run of one type shown once with its count: "MOUNT*7". */
    private static String outline(Plan plan) {
        List<String> parts = new ArrayList<>();
        List<PlanOp> ops = plan.ops();
        for (int i = 0; i < ops.size(); ) {
            int j = i;
            while (j < ops.size() && ops.get(j).type() == ops.get(i).type()) {
                j++;
            }
            parts.add(ops.get(i).type() + (j - i > 1 ? "*" + (j - i) : ""));
            i = j;
        }
        return String.join(" ", parts);
    }

    private static List<PlanOp> ops(Plan plan, Type type) {
        return plan.ops().stream().filter(op -> op.type() == type).toList();
    }

    private static PlanOp only(Plan plan, Type type) {
        List<PlanOp> ops = ops(plan, type);
        assertEquals(1, ops.size(), type + " ops");
        return ops.getFirst();
    }

    private static String show(PlanOp op) {
        return show(op.type(), op.ints(), op.strs().toArray(String[]::new));
    }

    private static String show(Type type, long[] ints, String... strs) {
        return type + " " + Arrays.toString(ints) + " " + Arrays.toString(strs);
    }

    private static List<String> show(List<PlanOp> ops) {
        return ops.stream().map(PlanBuilderTest::show).toList();
    }

    private static long[] ints(long... values) {
        return values;
    }

    /** The MOUNT op whose destination is dest. */
    private static PlanOp mountAt(Plan plan, String dest) {
        return ops(plan, Type.MOUNT).stream().filter(op -> op.strs().get(1).equals(dest)).findFirst().orElseThrow();
    }

    @Test
    void theTemplatesPlan() {
        Plan plan = build();

        assertEquals("CLOSE_FDS WAIT_GO UNSHARE PROPAGATE ROOTFS MOUNT*7 MKNOD*6 SYMLINK*5 MKDIR PIVOT_ROOT "
                + "READONLY*5 MASK*10 ROOT_READONLY HOSTNAME RLIMIT CAP_BOUNDING USER CAPS NO_NEW_PRIVS UMASK CHDIR EXEC",
                outline(plan));
        assertEquals(STATUS_FD, plan.statusFd());
    }

    @Test
    void startsByClosingAllButTheGivenFdsThenWaitsForTheGoAhead() {
        namespaces(config, "pid", "network=/proc/1/ns/net", "ipc", "uts", "mount");
        joinFds.put("network", 13);
        preserveFds = 2;

        List<PlanOp> ops = build().ops();

        assertEquals(show(Type.CLOSE_FDS, ints(3, 4, SYNC_FD, STATUS_FD, 12, 13)), show(ops.get(0)));
        assertEquals(show(Type.WAIT_GO, ints(SYNC_FD)), show(ops.get(1)));
    }

    @Test
    void withoutAFifoItsFdIsNotKeptAndExecGetsMinusOne() {
        fifoFd = -1;

        Plan plan = build();

        assertEquals(show(Type.CLOSE_FDS, ints(SYNC_FD, STATUS_FD)), show(plan.ops().getFirst()));
        PlanOp exec = plan.ops().getLast();
        assertEquals(-1, exec.ints()[0]);
        assertEquals("sh", exec.strs().getFirst());
    }

    @Test
    void newNamespacesAreCloneFlagsExceptTheCgroupNamespaceWhichIsUnsharedAfterTheGoAhead() {
        Plan plan = build();

        assertEquals(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS, plan.cloneFlags());
        assertEquals(0, plan.cloneFlags() & CLONE_NEWCGROUP);
        assertEquals(show(Type.UNSHARE, ints(CLONE_NEWCGROUP)), show(plan.ops().get(2)));
        assertEquals(List.of(), ops(plan, Type.FORK));
    }

    @Test
    void joinedNamespacesAreSetnsOpsWithTheMountNamespaceLastAndAForkForAJoinedPidNamespace() {
        namespaces(config, "mount=/proc/1/ns/mnt", "network=/proc/1/ns/net", "pid=/proc/1/ns/pid", "uts", "cgroup");
        joinFds.put("mount", 21);
        joinFds.put("network", 20);
        joinFds.put("pid", 22);

        Plan plan = build();

        assertEquals(CLONE_NEWUTS, plan.cloneFlags());
        assertEquals(List.of(show(Type.SETNS, ints(20, CLONE_NEWNET)), show(Type.SETNS, ints(22, CLONE_NEWPID)),
                show(Type.SETNS, ints(21, CLONE_NEWNS))), show(ops(plan, Type.SETNS)));
        assertTrue(outline(plan).startsWith("CLOSE_FDS WAIT_GO SETNS*3 UNSHARE FORK PROPAGATE ROOTFS "), outline(plan));
    }

    @Test
    void aJoinedNamespaceWithoutAnOpenFdIsADefect() {
        namespaces(config, "uts", "mount", "network=/proc/1/ns/net");
        assertThrows(IllegalStateException.class, this::build);
    }

    @Test
    void theMountsComeInConfigOrderWithTheirFlagsAndData() {
        Plan plan = build();

        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"),
                ops(plan, Type.MOUNT).stream().map(op -> op.strs().get(1)).toList());
        assertEquals(show(Type.MOUNT, ints(0, 0, 0, 0), "proc", "/proc", "proc", ""), show(mountAt(plan, "/proc")));
        assertEquals(show(Type.MOUNT, ints(MS_NOSUID | MS_STRICTATIME, 0, 0, 0), "tmpfs", "/dev", "tmpfs",
                "mode=755,size=65536k"), show(mountAt(plan, "/dev")));
        assertEquals(show(Type.MOUNT, ints(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, 0, 0, 0), "sysfs", "/sys",
                "sysfs", ""), show(mountAt(plan, "/sys")));
        assertEquals(show(Type.PROPAGATE, ints(MS_REC | MS_PRIVATE), "/"), show(plan.ops().get(3)));
        assertEquals(show(Type.ROOTFS, ints(), rootfs.toString()), show(plan.ops().get(4)));
    }

    @Test
    void aDeviceNodesModeMayCarryItsTypeBitsAsPodmanWritesThem() {
        object(config, "linux").put("devices", List.of(
                json("path", "/dev/fuse", "type", "c", "major", 10, "minor", 229, "fileMode", 0020600),
                json("path", "/dev/loop0", "type", "b", "major", 7, "minor", 0, "fileMode", 0640)));

        List<PlanOp> nodes = ops(build(), Type.MKNOD);

        assertEquals(show(Type.MKNOD, ints(S_IFCHR | 0600, (10 << 8) | 229, 0, 0), "/dev/fuse"),
                show(nodes.stream().filter(op -> op.strs().getFirst().equals("/dev/fuse")).findFirst().orElseThrow()));
        assertEquals(show(Type.MKNOD, ints(0060640, 7 << 8, 0, 0), "/dev/loop0"),
                show(nodes.stream().filter(op -> op.strs().getFirst().equals("/dev/loop0")).findFirst().orElseThrow()));
    }

    @Test
    void tmpcopyupMakesACopyUpTmpfsMountAndIsNoFileSystemData() {
        list(config, "mounts").add(json("destination", "/etc", "type", "tmpfs", "source", "tmpfs",
                "options", List.of("tmpcopyup", "size=1m", "nodev")));

        assertEquals(show(Type.MOUNT, ints(MS_NODEV, 0, 0, 2), "tmpfs", "/etc", "tmpfs", "size=1m"),
                show(mountAt(build(), "/etc")));
    }

    @Test
    void mountDestinationsAreCleaned() {
        list(config, "mounts").add(json("destination", "run/../tmp/", "type", "tmpfs", "source", "tmpfs"));
        assertEquals("/tmp", ops(build(), Type.MOUNT).getLast().strs().get(1));
    }

    @Test
    void theDefaultDevicesAndLinks() {
        Plan plan = build();

        List<String> devices = List.of("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty");
        long[][] numbers = {{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}};
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            expected.add(show(Type.MKNOD, ints(S_IFCHR | 0666, (numbers[i][0] << 8) | numbers[i][1], 0, 0),
                    devices.get(i)));
        }
        assertEquals(expected, show(ops(plan, Type.MKNOD)));
        assertEquals(show(Type.MKNOD, ints(0020666, 259, 0, 0), "/dev/null"), show(ops(plan, Type.MKNOD).getFirst()));
        assertEquals(List.of(
                show(Type.SYMLINK, ints(), "/proc/self/fd", "/dev/fd"),
                show(Type.SYMLINK, ints(), "/proc/self/fd/0", "/dev/stdin"),
                show(Type.SYMLINK, ints(), "/proc/self/fd/1", "/dev/stdout"),
                show(Type.SYMLINK, ints(), "/proc/self/fd/2", "/dev/stderr"),
                show(Type.SYMLINK, ints(), "pts/ptmx", "/dev/ptmx")), show(ops(plan, Type.SYMLINK)));
    }

    @Test
    void makedevSplitsMajorAndMinorAsGlibcDoes() {
        assertEquals(0x103, PlanBuilder.makedev(1, 3));
        assertEquals(0x0000_1000_5672_3489L, PlanBuilder.makedev(0x1234, 0x56789));
    }

    @Test
    void aDevBindMountedFromTheHostGetsNoDefaultDevices() {
        list(config, "mounts").set(1, json("destination", "/dev", "type", "bind", "source", "/dev",
                "options", List.of("rbind")));

        Plan plan = build();

        assertEquals(List.of(), ops(plan, Type.MKNOD));
        assertEquals(List.of(), ops(plan, Type.SYMLINK));
    }

    @Test
    void afterTheMountsThePivotRootThenReadOnlyAndMaskedPaths() {
        object(config, "process").put("cwd", "/srv/app");
        object(config, "linux").put("rootfsPropagation", "rslave");
        object(config, "linux").put("readonlyPaths", List.of("/proc/sys", "/proc/bus"));
        object(config, "linux").put("maskedPaths", List.of("/proc/kcore", "/sys/firmware"));

        Plan plan = build();

        assertTrue(outline(plan).contains(
                "SYMLINK*5 MKDIR PIVOT_ROOT PROPAGATE READONLY*2 MASK*2 ROOT_READONLY HOSTNAME"), outline(plan));
        assertEquals(show(Type.MKDIR, ints(), "/srv/app"), show(only(plan, Type.MKDIR)));
        assertEquals(show(Type.PROPAGATE, ints(MS_SLAVE | MS_REC), "/"), show(ops(plan, Type.PROPAGATE).getLast()));
        assertEquals(List.of(show(Type.READONLY, ints(), "/proc/sys"), show(Type.READONLY, ints(), "/proc/bus")),
                show(ops(plan, Type.READONLY)));
        assertEquals(List.of(show(Type.MASK, ints(), "/proc/kcore"), show(Type.MASK, ints(), "/sys/firmware")),
                show(ops(plan, Type.MASK)));
        assertEquals(show(Type.CHDIR, ints(), "/srv/app"), show(only(plan, Type.CHDIR)));
    }

    @Test
    void aWritableRootGetsNoRootReadOnlyOp() {
        object(config, "root").put("readonly", false);
        assertEquals(List.of(), ops(build(), Type.ROOT_READONLY));
    }

    @Test
    void withoutAMountNamespaceTheProcessIsChrooted() {
        Configs.withoutMountNamespace(config);

        Plan plan = build();

        assertEquals("CLOSE_FDS WAIT_GO CHROOT HOSTNAME RLIMIT CAP_BOUNDING USER CAPS NO_NEW_PRIVS UMASK CHDIR EXEC",
                outline(plan));
        assertEquals(show(Type.CHROOT, ints(), rootfs.toString()), show(only(plan, Type.CHROOT)));
        assertEquals(CLONE_NEWPID | CLONE_NEWUTS, plan.cloneFlags());
    }

    @Test
    void mountsWithoutAMountNamespaceAreMadeInTheHostsOnTheRootThenTheProcessChroots() {
        namespaces(config, "pid", "uts");

        String outline = outline(build());

        assertTrue(outline.startsWith("CLOSE_FDS WAIT_GO ROOTFS MOUNT*7"), "the host's propagation is left alone: " + outline);
        assertTrue(outline.contains("MKDIR CHROOT READONLY*5 MASK*10 ROOT_READONLY"), outline);
    }

    @Test
    void bindMountsResolveTheirSourceAgainstTheBundleAndKnowFilesFromDirectories() throws IOException {
        Path data = Files.createDirectory(bundle.resolve("data"));
        Path hosts = Files.writeString(bundle.resolve("hosts"), "127.0.0.1 localhost\n");
        list(config, "mounts").add(json("destination", "/data", "type", "bind", "source", "data",
                "options", List.of("rbind", "ro", "rprivate")));
        list(config, "mounts").add(json("destination", "/etc/hosts", "source", hosts.toString(),
                "options", List.of("bind")));

        Plan plan = build();

        assertEquals(show(Type.MOUNT, ints(MS_BIND | MS_REC | MS_RDONLY, MS_PRIVATE | MS_REC, MS_RDONLY, 0),
                data.toString(), "/data", "", ""), show(mountAt(plan, "/data")));
        assertEquals(show(Type.MOUNT, ints(MS_BIND, 0, 0, 1), hosts.toString(), "/etc/hosts", "", ""),
                show(mountAt(plan, "/etc/hosts")));
    }

    @Test
    void aBindMountTypeWithoutTheBindOptionIsStillABindMount() throws IOException {
        Files.createDirectory(bundle.resolve("data"));
        list(config, "mounts").add(json("destination", "/data", "type", "bind", "source", "data",
                "options", List.of("nosuid")));

        assertEquals(show(Type.MOUNT, ints(MS_BIND | MS_NOSUID, 0, MS_NOSUID, 0), bundle.resolve("data").toString(),
                "/data", "", ""), show(mountAt(build(), "/data")));
    }

    @Test
    void aBindMountOfAMissingSourceFails() {
        list(config, "mounts").add(json("destination", "/data", "type", "bind", "source", "nope"));

        FutabaException e = assertThrows(FutabaException.class, this::build);
        assertEquals("mount source " + bundle.resolve("nope") + " for /data does not exist", e.getMessage());
    }

    @Test
    void aCgroupMountOnAV2HostIsOneCgroup2Mount() {
        assertEquals(show(Type.MOUNT, ints(CGROUP_FLAGS, 0, 0, 0), "cgroup", "/sys/fs/cgroup", "cgroup2", ""),
                show(mountAt(build(), "/sys/fs/cgroup")));
    }

    @Test
    void aCgroupMountOnAV2HostWithoutACgroupNamespaceBindsTheContainersCgroup() {
        namespaces(config, "pid", "network", "ipc", "uts", "mount");
        assertEquals(show(Type.MOUNT, ints(MS_BIND | MS_REC, 0, CGROUP_FLAGS, 0), "/sys/fs/cgroup/futaba/c1",
                "/sys/fs/cgroup", "", ""), show(mountAt(build(), "/sys/fs/cgroup")));
    }

    /** The ops from the tmpfs mount on /sys/fs/cgroup up to the default devices. */
    private static List<String> cgroupOps(Plan plan) {
        List<PlanOp> ops = plan.ops();
        int from = ops.indexOf(mountAt(plan, "/sys/fs/cgroup"));
        int to = ops.indexOf(ops(plan, Type.MKNOD).getFirst());
        return show(ops.subList(from, to));
    }

    @Test
    void aCgroupMountOnAV1HostWithACgroupNamespaceMountsEachHierarchyOnATmpfs() {
        cgroups = V1;
        long tmpfsFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

        assertEquals(List.of(
                show(Type.MOUNT, ints(tmpfsFlags, 0, 0, 0), "tmpfs", "/sys/fs/cgroup", "tmpfs", "mode=755"),
                show(Type.MOUNT, ints(CGROUP_FLAGS, 0, 0, 0), "cgroup", "/sys/fs/cgroup/cpu,cpuacct", "cgroup",
                        "cpu,cpuacct"),
                show(Type.SYMLINK, ints(), "cpu,cpuacct", "/sys/fs/cgroup/cpu"),
                show(Type.SYMLINK, ints(), "cpu,cpuacct", "/sys/fs/cgroup/cpuacct"),
                show(Type.MOUNT, ints(CGROUP_FLAGS, 0, 0, 0), "cgroup", "/sys/fs/cgroup/memory", "cgroup", "memory"),
                show(Type.MOUNT, ints(CGROUP_FLAGS, 0, 0, 0), "cgroup", "/sys/fs/cgroup/systemd", "cgroup",
                        "none,name=systemd"),
                show(Type.MOUNT, ints(CGROUP_FLAGS, 0, 0, 0), "cgroup", "/sys/fs/cgroup/unified", "cgroup2", ""),
                show(Type.MOUNT, ints(MS_REMOUNT | MS_RDONLY | tmpfsFlags, 0, 0, 0), "tmpfs", "/sys/fs/cgroup",
                        "tmpfs", "")),
                cgroupOps(build()));
    }

    @Test
    void aCgroupMountOnAV1HostWithoutACgroupNamespaceBindsTheContainersCgroups() {
        cgroups = V1;
        namespaces(config, "pid", "network", "ipc", "uts", "mount");
        List<PlanOp> mounts = ops(build(), Type.MOUNT);

        for (Hierarchy h : V1.hierarchies()) {
            String at = "/sys/fs/cgroup/" + h.name();
            assertEquals(show(Type.MOUNT, ints(MS_BIND | MS_REC, 0, CGROUP_FLAGS, 0), h.containerDir(), at, "", ""),
                    show(mounts.stream().filter(op -> op.strs().get(1).equals(at)).findFirst().orElseThrow()));
        }
    }

    @Test
    void aWritableCgroupMountOnAV1HostIsNotRemounted() {
        cgroups = V1;
        list(config, "mounts").set(6, json("destination", "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
                "options", List.of("nosuid")));

        List<String> ops = cgroupOps(build());

        assertEquals(7, ops.size(), ops::toString);
        assertTrue(ops.getLast().contains("/sys/fs/cgroup/unified"), ops.getLast());
        assertEquals(show(Type.MOUNT, ints(MS_NOSUID, 0, 0, 0), "cgroup", "/sys/fs/cgroup/memory", "cgroup", "memory"),
                ops.get(4));
    }

    @Test
    void capabilitiesBecomeBitMasks() {
        object(config, "process").put("capabilities", json(
                "bounding", List.of("CAP_KILL", "CAP_NET_BIND_SERVICE"),
                "effective", List.of("CAP_KILL"),
                "permitted", List.of("CAP_KILL", "CAP_BPF"),
                "ambient", List.of()));

        Plan plan = build();

        assertEquals(show(Type.CAP_BOUNDING, ints((1L << 5) | (1L << 10), 40)), show(only(plan, Type.CAP_BOUNDING)));
        assertEquals(show(Type.CAPS, ints(1L << 5, (1L << 5) | (1L << 39), 0, 0, 40)), show(only(plan, Type.CAPS)));
        assertEquals(List.of(), warnings);
    }

    @Test
    void capabilitiesTheKernelDoesNotKnowAreSkippedWithOneWarning() {
        lastCap = 38;
        object(config, "process").put("capabilities", json(
                "bounding", List.of("CAP_KILL", "CAP_BPF"), "effective", List.of("CAP_BPF")));

        Plan plan = build();

        assertEquals(show(Type.CAP_BOUNDING, ints(1L << 5, 38)), show(only(plan, Type.CAP_BOUNDING)));
        assertEquals(show(Type.CAPS, ints(0, 0, 0, 0, 38)), show(only(plan, Type.CAPS)));
        assertEquals(List.of("capability CAP_BPF is not known to this kernel: skipped"), warnings);
    }

    @Test
    void withoutCapabilitiesOrNoNewPrivilegesThoseOpsAreLeftOut() {
        object(config, "process").remove("capabilities");
        object(config, "process").put("noNewPrivileges", false);

        String outline = outline(build());

        assertTrue(outline.endsWith("ROOT_READONLY HOSTNAME RLIMIT USER UMASK CHDIR EXEC"), outline);
    }

    @Test
    void theUserOpHasUidGidAndTheAdditionalGids() {
        object(config, "process").put("user", json("uid", 1000, "gid", 100, "additionalGids", List.of(10, 20)));

        PlanOp user = only(build(), Type.USER);

        assertEquals(show(Type.USER, ints(1000, 100, 1, 10, 20)), show(user));
        assertEquals("switch to uid 1000, gid 100", user.what());
    }

    @Test
    void anAppArmorProfileIsAskedForBeforeThePrivilegesGoAndRefusedWithoutAppArmor() {
        object(config, "process").put("apparmorProfile", "docker-default");
        FutabaException e = assertThrows(FutabaException.class, this::build);
        assertEquals("process.apparmorProfile: AppArmor is not enabled on this host, so the profile docker-default "
                + "cannot be applied", e.getMessage());

        apparmor = "/proc/self/attr/apparmor/exec";
        Plan plan = build();

        assertEquals(show(Type.WRITE, ints(), "/proc/self/attr/apparmor/exec", "exec docker-default"),
                show(only(plan, Type.WRITE)));
        assertTrue(outline(plan).contains("RLIMIT WRITE CAP_BOUNDING USER"), outline(plan));
        assertEquals(1, ops(buildExec(Map.of()), Type.WRITE).size(), "exec gets the container's profile");
    }

    @Test
    void theUmaskIsTheProcesssOrRuncsDefault() {
        assertEquals(show(Type.UMASK, ints(022)), show(only(build(), Type.UMASK)));
        object(config, "process", "user").put("umask", 077);
        assertEquals(show(Type.UMASK, ints(077)), show(only(build(), Type.UMASK)));
    }

    @Test
    void hostnameDomainnameAndRlimits() {
        config.put("domainname", "example.org");
        list(config, "rlimits", "process").add(json("type", "RLIMIT_CORE", "soft", 0, "hard", -1));

        Plan plan = build();

        assertEquals(show(Type.HOSTNAME, ints(), "futaba"), show(only(plan, Type.HOSTNAME)));
        assertEquals(show(Type.DOMAINNAME, ints(), "example.org"), show(only(plan, Type.DOMAINNAME)));
        assertEquals(List.of(show(Type.RLIMIT, ints(7, 1024, 1024)), show(Type.RLIMIT, ints(4, 0, -1))),
                show(ops(plan, Type.RLIMIT)));
    }

    @Test
    void execIsLastWithTheFifoTheArgumentsAndTheEnvironment() {
        object(config, "process").put("args", List.of("/bin/app", "-x"));
        object(config, "process").put("env", List.of("A=1"));

        Plan plan = build();

        assertEquals(show(Type.EXEC, ints(12, 2, 1), "/bin/app", "-x", "A=1"), show(plan.ops().getLast()));
        assertEquals(1, ops(plan, Type.EXEC).size());
        assertEquals("exec \"/bin/app\"", plan.describe(plan.ops().size() - 1));
        assertEquals("start futaba-init", plan.describe(-1));
    }

    private void denyMkdir() {
        object(config, "linux").put("seccomp", json("defaultAction", "SCMP_ACT_ALLOW",
                "syscalls", List.of(json("names", List.of("mkdir"), "action", "SCMP_ACT_ERRNO"))));
    }

    @Test
    void withNoNewPrivilegesTheSeccompFilterRidesOnTheExecOpAfterItsFlags() {
        denyMkdir();

        Plan plan = build();

        assertEquals(List.of(), ops(plan, Type.SECCOMP));
        long[] exec = plan.ops().getLast().ints();
        assertTrue(exec.length > 5, "the filter follows fifo, argc and envc");
        assertEquals(0, exec[3], "no filter flags");
        assertEquals(3 + 1 + SeccompCompiler.compile(Configs.read(config).linux().seccomp(), w -> { })
                .instructions().length, exec.length);
    }

    @Test
    void withoutNoNewPrivilegesTheSeccompFilterIsLoadedBeforeTheCapabilitiesAreDropped() {
        denyMkdir();
        object(config, "process").put("noNewPrivileges", false);

        Plan plan = build();

        String outline = outline(plan);
        assertTrue(outline.endsWith("RLIMIT SECCOMP CAP_BOUNDING USER CAPS UMASK CHDIR EXEC"), outline);
        assertEquals(3, plan.ops().getLast().ints().length, "exec carries no filter");
    }

    @Test
    void execTakesTheContainersSeccompFilter() {
        denyMkdir();

        assertTrue(buildExec(Map.of()).ops().getLast().ints().length > 5);
    }

    private static Map<String, Object> stateDocument() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("ociVersion", "1.2.0");
        state.put("id", "c1");
        state.put("pid", 0);
        state.put("status", "creating");
        state.put("bundle", "/b");
        return state;
    }

    private static Map<String, Object> hook(String path, Object... more) {
        Map<String, Object> hook = json("path", path);
        for (int i = 0; i < more.length; i += 2) {
            hook.put((String) more[i], more[i + 1]);
        }
        return hook;
    }

    @Test
    void withoutHostHooksThereIsNoSecondWaitAndTheGoAheadPipeIsClosedAtOnce() {
        config.put("hooks", json("createContainer", List.of(hook("/bin/a"))));

        Plan plan = build();

        assertEquals(List.of(), ops(plan, Type.SYNC));
        assertEquals(show(Type.WAIT_GO, ints(SYNC_FD)), show(only(plan, Type.WAIT_GO)));
    }

    @Test
    void prestartAndCreateRuntimeHooksMakeTheProcessWaitBeforePivotRootThenCreateContainerHooksRun() {
        config.put("hooks", json("prestart", List.of(hook("/bin/p")), "createRuntime", List.of(hook("/bin/r")),
                "createContainer", List.of(hook("/bin/c1", "args", List.of("c1", "-x"), "env", List.of("A=1"),
                        "timeout", 5), hook("/bin/c2"))));

        Plan plan = build();

        assertEquals(show(Type.WAIT_GO, ints(SYNC_FD, 1)), show(only(plan, Type.WAIT_GO)), "kept open for the SYNC");
        assertEquals(show(Type.SYNC, ints(SYNC_FD)), show(only(plan, Type.SYNC)));
        String outline = outline(plan);
        assertTrue(outline.contains("MKDIR SYNC HOOK*2 PIVOT_ROOT"), outline);
        List<PlanOp> hooks = ops(plan, Type.HOOK);
        String state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"pid\":,\"status\":\"created\",\"bundle\":\"/b\"}";
        assertEquals(show(Type.HOOK, ints(5, 2, 1, state.indexOf(",\"status")), "/bin/c1", "c1", "-x", "A=1", state),
                show(hooks.get(0)));
        assertEquals(show(Type.HOOK, ints(0, 1, 0, state.indexOf(",\"status")), "/bin/c2", "/bin/c2", state),
                show(hooks.get(1)), "no args: argv is the path");
        assertEquals("run createContainer hook 1 (/bin/c2)", hooks.get(1).what());
    }

    @Test
    void startContainerHooksFollowTheExecOpAndSeeTheCreatedStatus() {
        config.put("hooks", json("startContainer", List.of(hook("/bin/s"))));

        Plan plan = build();

        assertEquals(Type.EXEC, plan.ops().get(plan.ops().size() - 2).type());
        PlanOp hook = plan.ops().getLast();
        assertEquals(Type.HOOK, hook.type());
        assertTrue(hook.strs().getLast().contains("\"status\":\"created\""), hook.strs().getLast());
    }

    @Test
    void aUserNamespaceKeepsThePipeOpenAcrossItsSyncForTheHooksOne() {
        list(config, "namespaces", "linux").add(json("type", "user"));
        object(config, "linux").put("uidMappings", List.of(json("containerID", 0, "hostID", 1000, "size", 10)));
        object(config, "linux").put("gidMappings", List.of(json("containerID", 0, "hostID", 1000, "size", 10)));
        config.put("hooks", json("createRuntime", List.of(hook("/bin/r"))));

        List<PlanOp> syncs = ops(build(), Type.SYNC);

        assertEquals(List.of(show(Type.SYNC, ints(SYNC_FD, 1)), show(Type.SYNC, ints(SYNC_FD))), show(syncs));
    }

    // ---- exec: a process that joins a running container ----

    private Plan buildExec(Map<String, Integer> joins) {
        Spec spec = Configs.read(config);
        return PlanBuilder.buildExec(new PlanBuilder.ExecInputs(spec.process(), SYNC_FD, STATUS_FD, -1, seccomp(spec), joins,
                joins.containsKey("mount") ? null : "/proc/7/root", 0, 40, apparmor,
                warnings::add));
    }

    @Test
    void execJoinsTheContainersNamespacesUserFirstMountLastThenForksIntoItsPidNamespace() {
        Map<String, Integer> joins = new LinkedHashMap<>();
        joins.put("mount", 20);
        joins.put("pid", 21);
        joins.put("network", 22);
        joins.put("user", 23);

        Plan plan = buildExec(joins);

        assertEquals(0, plan.cloneFlags(), "exec creates no namespace");
        assertEquals(show(Type.CLOSE_FDS, ints(SYNC_FD, STATUS_FD, 20, 21, 22, 23)), show(plan.ops().get(0)));
        assertEquals(show(Type.WAIT_GO, ints(SYNC_FD)), show(plan.ops().get(1)));
        assertEquals(List.of(23L, 22L, 21L, 20L), ops(plan, Type.SETNS).stream().map(op -> op.ints()[0]).toList());
        assertEquals(Type.FORK, plan.ops().get(6).type());
        assertEquals(List.of(), ops(plan, Type.MOUNT));
        assertEquals(List.of(), ops(plan, Type.PIVOT_ROOT));
        PlanOp exec = plan.ops().getLast();
        assertEquals(Type.EXEC, exec.type());
        assertEquals(-1, exec.ints()[0], "no fifo: exec at once");
    }

    @Test
    void execWithoutAMountNamespaceToJoinChrootsToTheContainersRoot() {
        Plan plan = buildExec(Map.of("pid", 20));

        assertEquals(show(Type.CHROOT, ints(), "/proc/7/root"), show(only(plan, Type.CHROOT)));
        assertTrue(outline(plan).contains("FORK CHROOT"), outline(plan));
        assertEquals(List.of(), ops(buildExec(Map.of("mount", 20)), Type.CHROOT));
    }

    @Test
    void execWithoutAPidNamespaceToJoinDoesNotFork() {
        assertEquals(List.of(), ops(buildExec(Map.of("network", 20)), Type.FORK));
    }

    @Test
    void aNewUserNamespaceIsMadeFirstAndOwnsTheOthers() {
        list(config, "namespaces", "linux").add(json("type", "user"));
        object(config, "linux").put("uidMappings", List.of(json("containerID", 0, "hostID", 1000, "size", 10)));
        object(config, "linux").put("gidMappings", List.of(json("containerID", 0, "hostID", 1000, "size", 10)));

        Plan plan = build();

        assertEquals(0, plan.cloneFlags(), "every namespace is unshared, after the user one");
        List<Type> head = plan.ops().subList(0, 6).stream().map(PlanOp::type).toList();
        assertEquals(List.of(Type.CLOSE_FDS, Type.UNSHARE, Type.SYNC, Type.USER, Type.UNSHARE, Type.FORK), head);
        assertEquals(io.karakuri.linux.Namespaces.CLONE_NEWUSER, plan.ops().get(1).ints()[0]);
        long others = plan.ops().get(4).ints()[0];
        assertEquals(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP, others);
        assertEquals(List.of(), ops(plan, Type.MKNOD), "no device nodes in a user namespace");
        assertTrue(ops(plan, Type.MOUNT).stream().anyMatch(op -> op.strs().equals(List.of("/dev/null", "/dev/null", "", ""))
                && (op.ints()[0] & MS_BIND) != 0), "the host's /dev/null is bind-mounted instead");
    }
}
