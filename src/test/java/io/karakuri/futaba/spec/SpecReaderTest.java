package io.karakuri.futaba.spec;

import static io.karakuri.futaba.spec.Configs.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecReaderTest {

    @Test
    void readsTheTemplateFutabaSpecWrites() {
        Spec spec = SpecReader.read(Json.writePretty(SpecTemplate.standard()));

        assertEquals("1.2.0", spec.ociVersion());
        Spec.Process p = spec.process();
        assertFalse(p.terminal());
        assertEquals(new Spec.User(0, 0, List.of()), p.user());
        assertEquals(List.of("sh"), p.args());
        assertEquals(2, p.env().size());
        assertEquals("/", p.cwd());
        assertEquals(List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"), p.capabilities().bounding());
        assertNull(p.capabilities().inheritable(), "a set the config leaves out");
        assertEquals(List.of(new Spec.Rlimit("RLIMIT_NOFILE", 1024, 1024)), p.rlimits());
        assertTrue(p.noNewPrivileges());
        assertEquals(new Spec.Root("rootfs", true), spec.root());
        assertEquals("futaba", spec.hostname());
        assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"),
                spec.mounts().stream().map(Spec.Mount::destination).toList());
        assertEquals(new Spec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                spec.mounts().get(1));
        assertEquals(List.of(), spec.mounts().get(0).options());
        assertEquals(List.of("pid", "network", "ipc", "uts", "mount", "cgroup"),
                spec.linux().namespaces().stream().map(Spec.Namespace::type).toList());
        assertEquals(List.of(new Spec.DeviceRule(false, "a", null, null, "rwm")), spec.linux().resources().devices());
        assertEquals(10, spec.linux().maskedPaths().size());
        assertEquals(5, spec.linux().readonlyPaths().size());
        assertEquals(List.of(), spec.unsupported());

        SpecValidator.validate(spec);
    }

    @Test
    void readsARuncStyleConfig() {
        Spec spec = SpecReader.read("""
                {
                  "ociVersion": "1.0.2-dev",
                  "process": {
                    "user": {"uid": 1000, "gid": 100, "additionalGids": [10, 20]},
                    "args": ["/bin/app", "--serve"], "env": ["A=1"], "cwd": "/srv",
                    "rlimits": [{"type": "RLIMIT_NPROC", "soft": 10, "hard": 18446744073709551615}],
                    "oomScoreAdj": -500
                  },
                  "root": {"path": "/var/lib/rootfs"},
                  "domainname": "example.org",
                  "annotations": {"org.example/key": "value"},
                  "mounts": [{"destination": "/data", "source": "/srv/data", "options": ["rbind", "ro"]}],
                  "linux": {
                    "namespaces": [{"type": "network", "path": "/proc/1/ns/net"}, {"type": "mount"}],
                    "uidMappings": [],
                    "resources": {
                      "memory": {"limit": 536870912, "swap": -1},
                      "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0-1"},
                      "pids": {"limit": 64},
                      "devices": [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]
                    },
                    "cgroupsPath": "/futaba/app",
                    "rootfsPropagation": "rslave"
                  }
                }""");

        assertEquals(new Spec.User(1000, 100, List.of(10L, 20L)), spec.process().user());
        assertNull(spec.process().capabilities());
        // 2^64-1 is RLIM_INFINITY: its 64 bits are kept (as -1) for setrlimit
        assertEquals(new Spec.Rlimit("RLIMIT_NPROC", 10, -1L), spec.process().rlimits().getFirst());
        assertEquals(-500L, spec.process().oomScoreAdj());
        assertFalse(spec.root().readonly());
        assertNull(spec.hostname());
        assertEquals("example.org", spec.domainname());
        assertEquals(Map.of("org.example/key", "value"), spec.annotations());
        assertEquals(new Spec.Mount("/data", "", "/srv/data", List.of("rbind", "ro")), spec.mounts().getFirst());
        assertEquals(List.of(new Spec.Namespace("network", "/proc/1/ns/net"), new Spec.Namespace("mount", null)),
                spec.linux().namespaces());
        Spec.Resources r = spec.linux().resources();
        assertEquals(new Spec.Memory(536870912L, null, -1L), r.memory());
        assertEquals(new Spec.Cpu(512L, 50000L, 100000L, "0-1", null), r.cpu());
        assertEquals(new Spec.Pids(64), r.pids());
        assertEquals(List.of(new Spec.DeviceRule(true, "c", 1L, 3L, "rw")), r.devices());
        assertEquals("/futaba/app", spec.linux().cgroupsPath());
        assertEquals("rslave", spec.linux().rootfsPropagation());
        assertEquals(List.of(), spec.unsupported(), "an empty uidMappings asks for nothing");
    }

    @Test
    void aConfigWithoutLinuxGetsEmptyDefaults() {
        Spec spec = SpecReader.read("{\"process\": {\"args\": [\"sh\"]}}");
        assertEquals(List.of(), spec.linux().namespaces());
        assertEquals(Spec.Resources.NONE, spec.linux().resources());
        assertNull(spec.root());
        assertEquals(new Spec.User(0, 0, List.of()), spec.process().user());
    }

    @Test
    void recordsTheMembersFutabaDoesNotImplement() {
        Map<String, Object> config = Configs.standard();
        Configs.object(config, "process").put("selinuxLabel", "system_u:system_r:container_t:s0");
        Configs.object(config, "process", "user").put("username", "ContainerUser");
        Configs.object(config, "linux").put("timeOffsets", json("monotonic", json("secs", 1)));
        Configs.object(config, "linux", "resources").put("memory", json("limit", 1, "swappiness", 0));
        Configs.object(config, "linux", "resources").put("unified", json("memory.high", "1G"));

        assertEquals(List.of("process.selinuxLabel", "process.user.username", "linux.timeOffsets",
                "linux.resources.unified", "linux.resources.memory.swappiness"),
                Configs.read(config).unsupported());
    }

    @Test
    void sysctlsAndDevicesAreRead() {
        Map<String, Object> config = Configs.standard();
        Configs.object(config, "linux").put("sysctl", Map.of("net.ipv4.ip_forward", "1"));
        Configs.object(config, "linux").put("devices", List.of(
                Map.of("path", "/dev/fuse", "type", "c", "major", 10, "minor", 229, "fileMode", 0600, "uid", 1, "gid", 2),
                Map.of("path", "/dev/pipe", "type", "p")));
        Spec spec = Configs.read(config);
        assertEquals(List.of(), spec.unsupported());
        assertEquals(Map.of("net.ipv4.ip_forward", "1"), spec.linux().sysctl());
        assertEquals(List.of(new Spec.Device("/dev/fuse", "c", 10, 229, 0600L, 1, 2),
                new Spec.Device("/dev/pipe", "p", 0, 0, null, 0, 0)), spec.linux().devices());
    }

    @Test
    void aTypeErrorNamesTheMember() {
        JsonException e = assertThrows(JsonException.class,
                () -> SpecReader.read("{\"process\":{\"user\":{\"uid\":\"root\"}}}"));
        assertEquals("process.user.uid: expected an integer, found \"root\"", e.getMessage());
    }

    @Test
    void aMountWithoutDestinationNamesItsIndex() {
        JsonException e = assertThrows(JsonException.class,
                () -> SpecReader.read("{\"mounts\": [{\"destination\": \"/a\"}, {\"source\": \"/b\"}]}"));
        assertEquals("mounts[1].destination: is required", e.getMessage());
    }

    @Test
    void theDocumentMustBeAnObject() {
        JsonException e = assertThrows(JsonException.class, () -> SpecReader.read("[]"));
        assertEquals("config.json: expected a JSON object", e.getMessage());
    }
}
