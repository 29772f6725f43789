package io.karakuri.futaba.spec;

import static io.karakuri.futaba.spec.Configs.json;
import static io.karakuri.futaba.spec.Configs.list;
import static io.karakuri.futaba.spec.Configs.namespaces;
import static io.karakuri.futaba.spec.Configs.object;
import static io.karakuri.futaba.spec.Configs.withoutMountNamespace;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.FutabaException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {

    private static void validate(Map<String, Object> config) {
        SpecValidator.validate(Configs.read(config));
    }

    private static Map<String, Object> modified(Consumer<Map<String, Object>> change) {
        Map<String, Object> config = Configs.standard();
        change.accept(config);
        return config;
    }

    private static Map<String, Object> process(Map<String, Object> config) {
        return object(config, "process");
    }

    private static Map<String, Object> linux(Map<String, Object> config) {
        return object(config, "linux");
    }

    private static void addMount(Map<String, Object> config, Map<String, Object> mount) {
        list(config, "mounts").add(mount);
    }

    @Test
    void acceptsTheTemplate() {
        assertDoesNotThrow(() -> validate(Configs.standard()));
    }

    static Stream<Arguments> validChanges() {
        return Stream.of(
                valid("no hostname and no uts namespace", c -> {
                    c.remove("hostname");
                    namespaces(c, "pid", "mount");
                }),
                valid("no mount namespace and nothing that needs one", Configs::withoutMountNamespace),
                valid("mounts without a mount namespace: made in the host's, as runc", c -> namespaces(c, "pid", "uts")),
                valid("a hostname for a joined uts namespace, as runc", c -> namespaces(c, "mount", "uts=/proc/1/ns/uts")),
                valid("a joined namespace with an absolute path", c -> namespaces(c, "uts", "mount", "network=/proc/1/ns/net")),
                valid("soft limit equal to hard", c -> list(c, "rlimits", "process").set(0,
                        json("type", "RLIMIT_NOFILE", "soft", 4096, "hard", 4096))),
                valid("an unlimited (2^64-1) hard limit", c -> list(c, "rlimits", "process").set(0,
                        json("type", "RLIMIT_CORE", "soft", 0, "hard", -1))),
                valid("a relative mount destination", c -> addMount(c, json("destination", "a/../b", "type", "tmpfs"))),
                valid("swap of -1 (unlimited)", c -> object(c, "linux", "resources").put("memory",
                        json("limit", 1 << 20, "swap", -1))),
                valid("an empty blockIO, as podman and containerd send it", c -> object(c, "linux", "resources")
                        .put("blockIO", json())),
                valid("swappiness of -1 (leave it)", c -> object(c, "linux", "resources").put("memory",
                        json("swappiness", -1))),
                valid("rootfsPropagation", c -> linux(c).put("rootfsPropagation", "rslave")));
    }

    private static Arguments valid(String what, Consumer<Map<String, Object>> change) {
        return Arguments.of(Named.of(what, change));
    }

    @ParameterizedTest
    @MethodSource("validChanges")
    void acceptsValidConfigs(Consumer<Map<String, Object>> change) {
        assertDoesNotThrow(() -> validate(modified(change)));
    }

    static Stream<Arguments> invalidChanges() {
        return Stream.of(
                invalid("missing process", c -> c.remove("process"), "process is required"),
                invalid("empty args", c -> process(c).put("args", List.of()), "process.args: must name the program to run"),
                invalid("empty program", c -> process(c).put("args", List.of("")), "process.args: must name the program"),
                invalid("relative cwd", c -> process(c).put("cwd", "tmp"),
                        "process.cwd: must be an absolute path, found \"tmp\""),
                invalid("missing cwd", c -> process(c).remove("cwd"), "process.cwd: must be an absolute path"),
                invalid("missing root", c -> c.remove("root"), "root.path is required"),
                invalid("a console size out of range", c -> process(c).put("consoleSize", json("height", 70000, "width", 80)),
                        "process.consoleSize: height and width must be 0 to 65535"),
                invalid("unknown namespace", c -> list(c, "namespaces", "linux").add(json("type", "foo")),
                        "linux.namespaces: unknown namespace type \"foo\""),
                invalid("duplicate namespace", c -> list(c, "namespaces", "linux").add(json("type", "pid")),
                        "linux.namespaces: the pid namespace is listed twice"),
                invalid("a user namespace without id mappings", c -> list(c, "namespaces", "linux").add(json("type", "user")),
                        "a new user namespace needs both"),
                invalid("id mappings without a user namespace", c -> linux(c).put("uidMappings",
                        List.of(json("containerID", 0, "hostID", 1000, "size", 1))), "id mappings need a new user namespace"),
                invalid("a mapping of size 0", c -> {
                    list(c, "namespaces", "linux").add(json("type", "user"));
                    linux(c).put("uidMappings", List.of(json("containerID", 0, "hostID", 1000, "size", 0)));
                    linux(c).put("gidMappings", List.of(json("containerID", 0, "hostID", 1000, "size", 1)));
                }, "linux.uidMappings: invalid mapping 0 -> 1000 (size 0)"),
                invalid("time namespace", c -> list(c, "namespaces", "linux").add(json("type", "time")),
                        "linux.namespaces: time namespaces are not supported yet"),
                invalid("relative namespace path", c -> namespaces(c, "uts", "mount", "network=proc/1/ns/net"),
                        "the network namespace path must be absolute"),
                invalid("hostname without a uts namespace", c -> namespaces(c, "pid", "mount"),
                        "hostname: setting a host or domain name needs a uts namespace of the container's"),
                invalid("domainname without a uts namespace", c -> {
                    c.remove("hostname");
                    c.put("domainname", "example.org");
                    namespaces(c, "mount");
                }, "needs a uts namespace of the container's"),
                invalid("a mount destination escaping the root",
                        c -> addMount(c, json("destination", "/../../etc", "type", "tmpfs")),
                        "mounts[7].destination: \"/../../etc\" escapes the container's root"),
                invalid("a bind mount without source", c -> addMount(c, json("destination", "/data", "type", "bind")),
                        "mounts[7].source: a bind mount needs a source"),
                invalid("an rbind mount without source",
                        c -> addMount(c, json("destination", "/data", "options", List.of("rbind"))),
                        "mounts[7].source: a bind mount needs a source"),
                invalid("an empty mount destination", c -> addMount(c, json("destination", "", "type", "tmpfs")),
                        "mounts[7].destination is required"),
                invalid("a relative masked path", c -> list(c, "maskedPaths", "linux").add("proc/kcore"),
                        "linux.maskedPaths: must be absolute, found \"proc/kcore\""),
                invalid("a relative read-only path", c -> list(c, "readonlyPaths", "linux").add("sys"),
                        "linux.readonlyPaths: must be absolute"),
                invalid("unknown rootfsPropagation", c -> linux(c).put("rootfsPropagation", "sideways"),
                        "linux.rootfsPropagation: unknown value \"sideways\""),
                invalid("cgroupsPath with ..", c -> linux(c).put("cgroupsPath", "/a/../../b"),
                        "linux.cgroupsPath: must not contain \"..\""),
                invalid("unknown capability", c -> list(c, "ambient", "process", "capabilities").add("CAP_FOO"),
                        "process.capabilities: unknown capability \"CAP_FOO\""),
                invalid("unknown rlimit", c -> list(c, "rlimits", "process").add(json("type", "RLIMIT_FOO")),
                        "process.rlimits: unknown type \"RLIMIT_FOO\""),
                invalid("soft above hard", c -> list(c, "rlimits", "process").set(0,
                        json("type", "RLIMIT_NOFILE", "soft", 2048, "hard", 1024)),
                        "process.rlimits: RLIMIT_NOFILE has a soft limit above its hard limit"),
                invalid("an unlimited soft limit with a finite hard one", c -> list(c, "rlimits", "process").set(0,
                        json("type", "RLIMIT_NOFILE", "soft", -1, "hard", 1024)),
                        "RLIMIT_NOFILE has a soft limit above its hard limit"),
                invalid("rlimit twice", c -> list(c, "rlimits", "process").add(
                        json("type", "RLIMIT_NOFILE", "soft", 1, "hard", 1)),
                        "process.rlimits: RLIMIT_NOFILE is set twice"),
                invalid("swap below the memory limit", c -> object(c, "linux", "resources").put("memory",
                        json("limit", 1 << 20, "swap", 1 << 10)),
                        "linux.resources.memory.swap (memory plus swap) must be at least memory.limit"),
                invalid("swappiness above 100", c -> object(c, "linux", "resources").put("memory",
                        json("swappiness", 101)), "linux.resources.memory.swappiness: must be 0 to 100, found 101"),
                invalid("cpu idle 2", c -> object(c, "linux", "resources").put("cpu", json("idle", 2)),
                        "linux.resources.cpu.idle: must be 0 or 1, found 2"),
                invalid("a blkio weight below 10", c -> object(c, "linux", "resources").put("blockIO",
                        json("weight", 5)), "linux.resources.blockIO.weight: must be 10 to 1000, found 5"),
                invalid("a device weight above 1000", c -> object(c, "linux", "resources").put("blockIO",
                        json("weightDevice", List.of(json("major", 8, "minor", 0, "weight", 1001)))),
                        "linux.resources.blockIO.weightDevice 8:0 weight: must be 10 to 1000, found 1001"),
                invalid("a throttled device without minor", c -> object(c, "linux", "resources").put("blockIO",
                        json("throttleReadBpsDevice", List.of(json("major", 8, "rate", 1)))),
                        "linux.resources.blockIO throttle: major and minor are required, found 8:-1"),
                invalid("a huge page size that is no size", c -> object(c, "linux", "resources").put("hugepageLimits",
                        List.of(json("pageSize", "../2MB", "limit", 1))),
                        "linux.resources.hugepageLimits: pageSize must be a size such as 2MB or 1GB, found \"../2MB\""),
                invalid("a unified file in another directory", c -> object(c, "linux", "resources").put("unified",
                        json("../memory.max", "1")), "linux.resources.unified: \"../memory.max\" is not the name of a "
                        + "cgroup file"),
                invalid("an rdma device without limits", c -> object(c, "linux", "resources").put("rdma",
                        json("mlx4_0", json())), "linux.resources.rdma.mlx4_0: needs hcaHandles or hcaObjects"),
                invalid("a network priority for a name with a space", c -> object(c, "linux", "resources")
                        .put("network", json("priorities", List.of(json("name", "a b", "priority", 1)))),
                        "linux.resources.network.priorities: an interface name without spaces"),
                invalid("unknown device type", c -> list(c, "devices", "linux", "resources").add(json("type", "x")),
                        "linux.resources.devices: unknown device type \"x\""),
                invalid("bad device access", c -> list(c, "devices", "linux", "resources").add(json("access", "rx")),
                        "access must be made of r, w and m, found \"rx\""),
                invalid("linux.timeOffsets", c -> linux(c).put("timeOffsets", json("monotonic", json("secs", 1))),
                        "futaba does not support linux.timeOffsets yet"),
                invalid("an SELinux label and time offsets", c -> {
                    object(c, "process").put("selinuxLabel", "system_u:system_r:container_t:s0");
                    linux(c).put("timeOffsets", json("monotonic", json("secs", 1)));
                }, "futaba does not support process.selinuxLabel, linux.timeOffsets yet"),
                invalid("a relative hook path", c -> c.put("hooks", json("poststop", List.of(
                        json("path", "/bin/true"), json("path", "bin/true")))),
                        "hooks.poststop[1].path: must be an absolute path, found \"bin/true\""),
                invalid("a hook timeout of 0", c -> c.put("hooks", json("prestart", List.of(
                        json("path", "/bin/true", "timeout", 0)))),
                        "hooks.prestart[0].timeout: must be more than 0 seconds, found 0"),
                invalid("a seccomp rule with an unknown action", c -> linux(c).put("seccomp", json(
                        "defaultAction", "SCMP_ACT_ALLOW",
                        "syscalls", List.of(json("names", List.of("mkdir"), "action", "SCMP_ACT_EXPLODE")))),
                        "linux.seccomp.syscalls [mkdir]: unknown action \"SCMP_ACT_EXPLODE\""),
                invalid("a sysctl of the host's", c -> linux(c).put("sysctl", json("kernel.panic", "1")),
                        "linux.sysctl: kernel.panic is not namespaced: a container may not set it"),
                invalid("a net sysctl without a network namespace of its own", c -> {
                    linux(c).put("sysctl", json("net.ipv4.ip_forward", "1"));
                    linux(c).put("namespaces", List.of(json("type", "mount"), json("type", "uts")));
                }, "linux.sysctl: net.ipv4.ip_forward needs a new network namespace"),
                invalid("a device of an unknown type", c -> linux(c).put("devices",
                        List.of(json("path", "/dev/x", "type", "z"))), "linux.devices /dev/x: unknown type \"z\""),
                invalid("a device mode with another type's bits", c -> linux(c).put("devices",
                        List.of(json("path", "/dev/x", "type", "c", "fileMode", 0060666))),
                        "linux.devices /dev/x: fileMode must be permission bits"),
                invalid("a device outside the root", c -> linux(c).put("devices",
                        List.of(json("path", "/../../x", "type", "c"))), "escapes the container's root"));
    }

    private static Arguments invalid(String what, Consumer<Map<String, Object>> change, String message) {
        return Arguments.of(Named.of(what, change), message);
    }

    @ParameterizedTest
    @MethodSource("invalidChanges")
    void rejectsInvalidConfigsNamingTheMember(Consumer<Map<String, Object>> change, String message) {
        Map<String, Object> config = modified(change);
        FutabaException e = assertThrows(FutabaException.class, () -> validate(config));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "a/../b, /b", "/a/./b//c/.., /a/b", "/, /", "'', /", "dev/shm/, /dev/shm", "/x/../y/./z, /y/z",
    })
    void cleanContainerPath(String path, String clean) {
        assertEquals(clean, SpecValidator.cleanContainerPath(path, "where"));
    }

    @Test
    void cleanContainerPathRefusesToClimbAboveTheRoot() {
        FutabaException e = assertThrows(FutabaException.class,
                () -> SpecValidator.cleanContainerPath("a/../../b", "mounts[0].destination"));
        assertEquals("config.json: mounts[0].destination: \"a/../../b\" escapes the container's root", e.getMessage());
    }
}
