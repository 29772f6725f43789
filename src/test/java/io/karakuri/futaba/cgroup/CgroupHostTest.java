package io.karakuri.futaba.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.FutabaException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgroupHostTest {
    private static final String HYBRID_MOUNTINFO = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;
    private static final String HYBRID_CGROUP = "4:memory:/process_api/abc\n1:cpu:/\n8:pids:/\n9:name=systemd:/\n0::/\n";

    private static final String V2_MOUNTINFO = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
            """;

    private static CgroupHost.Hierarchy hierarchy(CgroupHost host, String controllers) {
        return host.hierarchies().stream().filter(h -> h.controllers().equals(controllers)).findFirst().orElseThrow();
    }

    @Test
    void aHybridHostCountsAsVersion1WithTheUnifiedTreeBesideTheHierarchies() {
        CgroupHost host = CgroupHost.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP);

        assertEquals(1, host.version());
        assertEquals(List.of("cpu", "memory", "pids", "name=systemd", ""),
                host.hierarchies().stream().map(CgroupHost.Hierarchy::controllers).toList());
        CgroupHost.Hierarchy memory = hierarchy(host, "memory");
        assertEquals(new CgroupHost.Hierarchy(Path.of("/sys/fs/cgroup/memory"), "/", "cgroup", "memory",
                "/process_api/abc"), memory);
        CgroupHost.Hierarchy unified = hierarchy(host, "");
        assertEquals(Path.of("/sys/fs/cgroup/unified"), unified.mountPoint());
        assertEquals("cgroup2", unified.fsType());
        assertEquals("/", unified.ownPath());
        assertEquals("/", hierarchy(host, "name=systemd").ownPath());
    }

    @Test
    void dirResolvesAbsolutePathsFromTheMountAndRelativeOnesFromTheOwnCgroup() {
        CgroupHost.Hierarchy memory = hierarchy(CgroupHost.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP), "memory");

        assertEquals(Path.of("/sys/fs/cgroup/memory/x"), memory.dir("/x"));
        assertEquals(Path.of("/sys/fs/cgroup/memory/process_api/abc/x"), memory.dir("x"));
        assertEquals(Path.of("/sys/fs/cgroup/memory/a/b"), memory.dir("//a///b"));
    }

    @Test
    void aRelativeDirInTheRootCgroupHasNoDoubleSlash() {
        CgroupHost.Hierarchy cpu = hierarchy(CgroupHost.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP), "cpu");
        assertEquals(Path.of("/sys/fs/cgroup/cpu/ctr"), cpu.dir("ctr"));
    }

    @Test
    void dirStripsTheRootOfAMountThatShowsOnlyPartOfTheTree() {
        // inside a container without a cgroup namespace: the mount shows /docker/abc as its top
        CgroupHost.Hierarchy h = new CgroupHost.Hierarchy(Path.of("/sys/fs/cgroup/memory"), "/docker/abc", "cgroup",
                "memory", "/docker/abc");

        assertEquals(Path.of("/sys/fs/cgroup/memory/ctr"), h.dir("ctr"));
        assertEquals(Path.of("/sys/fs/cgroup/memory/ctr"), h.dir("/docker/abc/ctr"));
        assertEquals(Path.of("/sys/fs/cgroup/memory"), h.dir("/docker/abc"));
        assertEquals(Path.of("/sys/fs/cgroup/memory/docker/abcdef"), h.dir("/docker/abcdef"),
                "only whole path components are stripped");
    }

    @Test
    void hasMatchesWholeControllerNames() {
        CgroupHost.Hierarchy h = new CgroupHost.Hierarchy(Path.of("/sys/fs/cgroup/cpu,cpuacct"), "/", "cgroup",
                "cpu,cpuacct", "/");
        assertTrue(h.has("cpu"));
        assertTrue(h.has("cpuacct"));
        assertFalse(h.has("cpuset"));
    }

    @Test
    void aPureV2HostIsVersion2() {
        CgroupHost host = CgroupHost.parse(V2_MOUNTINFO, "0::/user.slice/session-1.scope\n");

        assertEquals(2, host.version());
        assertEquals(List.of(new CgroupHost.Hierarchy(Path.of("/sys/fs/cgroup"), "/", "cgroup2", "",
                "/user.slice/session-1.scope")), host.hierarchies());
        assertEquals(Path.of("/sys/fs/cgroup/user.slice/session-1.scope/ctr"), host.hierarchies().getFirst().dir("ctr"));
    }

    @Test
    void onlyNamedV1HierarchiesBesideV2CountAsVersion2() {
        String mountinfo = V2_MOUNTINFO
                + "40 30 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n";
        CgroupHost host = CgroupHost.parse(mountinfo, "0::/\n1:name=systemd:/\n");
        assertEquals(2, host.version());
        assertEquals(1, host.hierarchies().size());
    }

    @Test
    void mountOptionsThatAreNotControllersAreLeftOutAndDuplicatesCountOnce() {
        String mountinfo = """
                32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
                33 31 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children,noprefix
                34 31 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,release_agent=/lib/systemd/x,name=systemd
                50 31 0:29 / /mnt/again rw,relatime - cgroup cgroup rw,cpu,cpuacct
                """;
        CgroupHost host = CgroupHost.parse(mountinfo, "3:cpu,cpuacct:/a\n2:cpuset:/\n1:name=systemd:/\n");

        assertEquals(List.of("cpu,cpuacct", "cpuset", "name=systemd"),
                host.hierarchies().stream().map(CgroupHost.Hierarchy::controllers).toList());
        assertEquals("/a", hierarchy(host, "cpu,cpuacct").ownPath());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), hierarchy(host, "cpu,cpuacct").mountPoint());
    }

    @Test
    void unescapesMountPoints() {
        String mountinfo = "30 22 0:26 / /sys/fs/my\\040cgroup rw - cgroup2 cgroup2 rw\n";
        CgroupHost host = CgroupHost.parse(mountinfo, "0::/\n");
        assertEquals(Path.of("/sys/fs/my cgroup"), host.hierarchies().getFirst().mountPoint());
    }

    @Test
    void noCgroupMountsIsAnError() {
        String mountinfo = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";
        FutabaException e = assertThrows(FutabaException.class, () -> CgroupHost.parse(mountinfo, "0::/\n"));
        assertEquals("no cgroup file system is mounted (neither cgroup v1 nor v2)", e.getMessage());
    }
}
