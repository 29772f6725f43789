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
        assertEquals(new Spec.Memory(536870912L, null, -1L, null, null, null, null, null, null), r.memory());
        assertEquals(new Spec.Cpu(512L, 50000L, null, 100000L, null, null, "0-1", null, null), r.cpu());
        assertEquals(new Spec.Pids(64), r.pids());
        assertEquals(List.of(new Spec.DeviceRule(true, "c", 1L, 3L, "rw")), r.devices());
        assertEquals("/futaba/app", spec.linux().cgroupsPath());
        assertEquals("rslave", spec.linux().rootfsPropagation());
        assertEquals(List.of(), spec.unsupported(), "an empty uidMappings asks for nothing");
    }

    @Test
    void readsEveryMemberOfLinuxResources() {
        Spec.Resources r = SpecReader.read("""
                {"linux": {"resources": {
                  "memory": {"limit": 1, "reservation": 2, "swap": 3, "kernel": 4, "kernelTCP": 5, "swappiness": 6,
                             "disableOOMKiller": true, "useHierarchy": false, "checkBeforeUpdate": true},
                  "cpu": {"shares": 1, "quota": 2, "burst": 3, "period": 4, "realtimeRuntime": 5, "realtimePeriod": 6,
                          "cpus": "0", "mems": "1", "idle": 1},
                  "blockIO": {"weight": 10, "leafWeight": 20,
                              "weightDevice": [{"major": 8, "minor": 0, "weight": 30}],
                              "throttleReadBpsDevice": [{"major": 8, "minor": 1, "rate": 40}],
                              "throttleWriteBpsDevice": [{"major": 8, "minor": 2, "rate": 50}],
                              "throttleReadIOPSDevice": [{"major": 8, "minor": 3, "rate": 60}],
                              "throttleWriteIOPSDevice": [{"major": 8, "minor": 4, "rate": 70}]},
                  "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
                  "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 5}]},
                  "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}, "mlx4_0": {"hcaObjects": 7}},
                  "unified": {"memory.high": "1G"}
                }}}""").linux().resources();

        assertEquals(new Spec.Memory(1L, 2L, 3L, 4L, 5L, 6L, true, false, true), r.memory());
        assertEquals(new Spec.Cpu(1L, 2L, 3L, 4L, 5L, 6L, "0", "1", 1L), r.cpu());
        assertEquals(new Spec.BlockIo(10L, 20L, List.of(new Spec.WeightDevice(8, 0, 30L, null)),
                List.of(new Spec.ThrottleDevice(8, 1, 40)), List.of(new Spec.ThrottleDevice(8, 2, 50)),
                List.of(new Spec.ThrottleDevice(8, 3, 60)), List.of(new Spec.ThrottleDevice(8, 4, 70))), r.blockIO());
        assertEquals(List.of(new Spec.HugepageLimit("2MB", 4194304)), r.hugepageLimits());
        assertEquals(new Spec.Network(1048577L, List.of(new Spec.InterfacePriority("eth0", 5))), r.network());
        assertEquals(Map.of("mlx5_1", new Spec.Rdma(3L, 10000L), "mlx4_0", new Spec.Rdma(null, 7L)), r.rdma());
        assertEquals(List.of("mlx5_1", "mlx4_0"), List.copyOf(r.rdma().keySet()), "in the config's order");
        assertEquals(Map.of("memory.high", "1G"), r.unified());
    }

    @Test
    void anRdmaDeviceMustBeAnObject() {
        JsonException e = assertThrows(JsonException.class,
                () -> SpecReader.read("{\"linux\": {\"resources\": {\"rdma\": {\"mlx4_0\": 5}}}}"));
        assertEquals("linux.resources.rdma.mlx4_0: expected an object, found 5", e.getMessage());
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

        assertEquals(List.of("process.selinuxLabel", "process.user.username", "linux.timeOffsets"),
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
