package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.linux.IoErrors;
import io.karakuri.linux.MountInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cgroup file systems of this host, read from /proc/self/mountinfo and /proc/self/cgroup: cgroup v1
 * hierarchies (a hybrid host, with an empty v2 tree beside them, counts as v1, as runc counts it) or
 * the v2 unified tree.
 */
public record CgroupHost(int version, List<Hierarchy> hierarchies) {

    /**
     * One mounted hierarchy.
     *
     * @param mountPoint where it is mounted: /sys/fs/cgroup/memory
     * @param root the cgroup the mount shows as its top ("/" unless this is itself a container)
     * @param fsType cgroup or cgroup2
     * @param controllers "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2
     * @param ownPath this process's cgroup in it, from /proc/self/cgroup
     */
    public record Hierarchy(Path mountPoint, String root, String fsType, String controllers, String ownPath) {
        public boolean has(String controller) {
            return List.of(controllers.split(",")).contains(controller);
        }

        /** The directory of cgroup path (absolute, or relative to this process's own cgroup). */
        public Path dir(String cgroupPath) {
            String path = cgroupPath.startsWith("/") ? cgroupPath : ownPath + "/" + cgroupPath;
            path = path.replaceAll("/+", "/");
            if (!root.equals("/") && path.equals(root)) {
                path = "/";
            } else if (!root.equals("/") && path.startsWith(root + "/")) {
                path = path.substring(root.length());
            }
            return Path.of(mountPoint + (path.startsWith("/") ? path : "/" + path)).normalize();
        }
    }

    public static CgroupHost detect() {
        try {
            return parse(Files.readString(Path.of("/proc/self/mountinfo")),
                    Files.readString(Path.of("/proc/self/cgroup")));
        } catch (IOException e) {
            throw new FutabaException("cannot read the cgroup mounts: " + IoErrors.reason(e), e);
        }
    }

    static CgroupHost parse(String mountinfo, String procCgroup) {
        Map<String, String> own = new HashMap<>();
        for (String line : procCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length == 3) {
                own.put(f[1], f[2]);
            }
        }
        List<Hierarchy> v1 = new ArrayList<>();
        Hierarchy unified = null;
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 0 || dash + 3 >= f.length) {
                continue;
            }
            String fsType = f[dash + 1];
            Path mountPoint = Path.of(MountInfo.unescape(f[4]));
            String root = MountInfo.unescape(f[3]);
            if (fsType.equals("cgroup2") && unified == null) {
                unified = new Hierarchy(mountPoint, root, fsType, "", own.getOrDefault("", "/"));
            } else if (fsType.equals("cgroup")) {
                List<String> controllers = new ArrayList<>();
                for (String option : f[dash + 3].split(",")) {
                    if (!List.of("rw", "ro", "xattr", "clone_children", "noprefix", "cpuset_v2_mode").contains(option)
                            && !option.startsWith("release_agent=")) {
                        controllers.add(option);
                    }
                }
                String key = String.join(",", controllers);
                if (v1.stream().noneMatch(h -> h.controllers().equals(key))) {
                    v1.add(new Hierarchy(mountPoint, root, fsType, key, own.getOrDefault(key, "/")));
                }
            }
        }
        if (v1.stream().anyMatch(h -> !h.controllers().startsWith("name="))) {
            if (unified != null) {
                v1.add(unified); // hybrid: the container joins the v2 tree too, without limits there
            }
            return new CgroupHost(1, List.copyOf(v1));
        }
        if (unified != null) {
            return new CgroupHost(2, List.of(unified));
        }
        throw new FutabaException("no cgroup file system is mounted (neither cgroup v1 nor v2)");
    }
}
