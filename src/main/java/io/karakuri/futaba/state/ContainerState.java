package io.karakuri.futaba.state;

import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecReader;
import io.karakuri.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What futaba records about a container in ROOT/ID/state.json. The live status is not stored: it is
 * read from the process and the exec fifo each time ({@link StateStore#status}).
 *
 * @param pid the container's first process in futaba's pid namespace; 0 while creating
 * @param pidStartTime that process's start time (/proc/PID/stat field 22), so a reused pid is not
 *     taken for the container
 * @param created when create began, RFC 3339 in UTC with nanoseconds, as runc writes it
 * @param cgroupVersion 1 or 2
 * @param cgroupDirs the container's cgroup directory in each hierarchy
 * @param hooks config.json's hooks: start and delete run the poststart and poststop ones
 * @param rootMountsBefore for a container that mounts in the host's mount namespace (it has none of its
 *     own): how many mounts were stacked at its root before create, so delete takes off only its own;
 *     -1 for every other container
 */
public record ContainerState(
        String id,
        int pid,
        long pidStartTime,
        String bundle,
        String rootfs,
        String created,
        Map<String, String> annotations,
        int cgroupVersion,
        Map<String, String> cgroupDirs,
        Spec.Hooks hooks,
        int rootMountsBefore) {

    public static final String OCI_VERSION = "1.2.0";

    public ContainerState withProcess(int newPid, long startTime) {
        return new ContainerState(id, newPid, startTime, bundle, rootfs, created, annotations, cgroupVersion,
                cgroupDirs, hooks, rootMountsBefore);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", OCI_VERSION);
        m.put("id", id);
        m.put("pid", pid);
        m.put("pidStartTime", pidStartTime);
        m.put("bundle", bundle);
        m.put("rootfs", rootfs);
        m.put("created", created);
        m.put("annotations", annotations);
        m.put("cgroupVersion", cgroupVersion);
        m.put("cgroupDirs", cgroupDirs);
        if (rootMountsBefore >= 0) {
            m.put("rootMountsBefore", rootMountsBefore);
        }
        Map<String, Object> hooksJson = SpecReader.hooksJson(hooks);
        if (!hooksJson.isEmpty()) {
            m.put("hooks", hooksJson);
        }
        return m;
    }

    static ContainerState fromJson(JsonObject o) {
        return new ContainerState(
                o.requiredString("id"),
                (int) o.integer("pid", 0),
                o.integer("pidStartTime", 0),
                o.string("bundle", ""),
                o.string("rootfs", ""),
                o.string("created", ""),
                o.stringMap("annotations"),
                (int) o.integer("cgroupVersion", 0),
                o.stringMap("cgroupDirs"),
                SpecReader.hooks(o.object("hooks")),
                (int) o.integer("rootMountsBefore", -1));
    }

    /** The runtime-spec state document, as `futaba state` prints it. */
    public Map<String, Object> ociState(Status status, String owner) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ociVersion", OCI_VERSION);
        m.put("id", id);
        m.put("pid", status == Status.STOPPED ? 0 : pid);
        m.put("status", status.toString());
        m.put("bundle", bundle);
        m.put("rootfs", rootfs);
        m.put("created", created);
        m.put("owner", owner);
        m.put("annotations", annotations.isEmpty() ? null : annotations);
        return m;
    }
}
