package io.karakuri.futaba.plan;

import java.util.List;

/**
 * What a "cgroup" mount inside the container is made of on this host.
 *
 * @param unified true on a cgroup v2 host: one cgroup2 mount; false: a tmpfs with one mount per v1
 *     hierarchy (and the hybrid hosts' unified one)
 * @param hierarchies for v2 one entry (name ""), else one per hierarchy
 */
public record CgroupMountLayout(boolean unified, List<Hierarchy> hierarchies) {

    /**
     * @param name the directory under /sys/fs/cgroup: "memory", "cpu,cpuacct", "systemd", "unified"
     * @param fsType "cgroup" or "cgroup2"
     * @param data the mount data that selects the hierarchy: "memory", "none,name=systemd", ""
     * @param containerDir the host directory of the container's cgroup in this hierarchy, bind-mounted
     *     when the container has no cgroup namespace of its own
     */
    public record Hierarchy(String name, String fsType, String data, String containerDir) {}
}
