package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.spec.Spec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A temporary directory standing in for a host's cgroup tree, with the container's cgroup "ctr" in it, and
 * files that record each write (as "hierarchy/file=value" for v1, "file=value" for v2). A write can be
 * made to fail the way the kernel refuses a value.
 */
final class FakeCgroupTree extends CgroupFiles {
    private final Path root;
    private final int version;
    private final Set<String> hierarchies = new LinkedHashSet<>();
    private final Set<String> refused = new LinkedHashSet<>();
    final List<String> writes = new ArrayList<>();
    /** The rules of each device program attached (v2), in place of loading one into the kernel. */
    final List<List<Spec.DeviceRule>> devicePrograms = new ArrayList<>();

    private FakeCgroupTree(Path root, int version) {
        this.root = root;
        this.version = version;
    }

    /** A v1 host; files are "hierarchy/file=content", made in the container's directory of that hierarchy. */
    static FakeCgroupTree v1(Path root, String... files) {
        return new FakeCgroupTree(root, 1).with(files);
    }

    /** A v2 host; files are "file=content", made in the container's directory. */
    static FakeCgroupTree v2(Path root, String... files) {
        return new FakeCgroupTree(root, 2).with(files);
    }

    FakeCgroupTree with(String... files) {
        for (String spec : files) {
            String[] nameAndContent = spec.split("=", 2);
            Path file = dir(nameAndContent[0]);
            if (version == 1) {
                hierarchies.add(nameAndContent[0].substring(0, nameAndContent[0].indexOf('/')));
            }
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, nameAndContent.length > 1 ? nameAndContent[1] : "");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return this;
    }

    /** The kernel refuses this write ("hierarchy/file=value" or "file=value") once, with EINVAL. */
    FakeCgroupTree refusing(String write) {
        refused.add(write);
        return this;
    }

    /** The container's cgroup on this host. */
    Cgroup cgroup() {
        List<CgroupHost.Hierarchy> list = new ArrayList<>();
        if (version == 1) {
            hierarchies.forEach(h -> list.add(new CgroupHost.Hierarchy(root.resolve(h), "/", "cgroup", h, "/")));
        } else {
            list.add(new CgroupHost.Hierarchy(root, "/", "cgroup2", "", "/"));
        }
        return Cgroup.of(new CgroupHost(version, list), "/ctr", this);
    }

    /** What a file of the container's cgroup holds now, by the name writes use. */
    String content(String name) {
        try {
            return Files.readString(dir(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path dir(String name) {
        if (version == 2) {
            return root.resolve("ctr").resolve(name);
        }
        int slash = name.indexOf('/');
        return root.resolve(name.substring(0, slash)).resolve("ctr").resolve(name.substring(slash + 1));
    }

    @Override
    void attachDeviceProgram(Path dir, List<Spec.DeviceRule> rules) {
        devicePrograms.add(rules);
    }

    @Override
    void writeOrFail(Path file, String value) throws IOException {
        Path relative = root.relativize(file);
        String name = version == 2 ? relative.subpath(1, relative.getNameCount()).toString()
                : relative.getName(0) + "/" + relative.subpath(2, relative.getNameCount());
        if (refused.remove(name + "=" + value)) {
            throw new IOException("Invalid argument");
        }
        writes.add(name + "=" + value);
        super.writeOrFail(file, value);
    }
}
