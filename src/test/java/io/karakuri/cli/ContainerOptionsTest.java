package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What create and run accept before asking hitoha. */
class ContainerOptionsTest {
    @Test
    void portsInEveryWrittenForm() {
        List<String> ok = List.of("8080:80", "8080:80:tcp", "53:53:udp", "8080:80/tcp", "127.0.0.1:8080:80",
                "127.0.0.1:8080:80:tcp", "0.0.0.0:8443:443/udp", "1:65535");
        assertEquals(ok, ContainerOptions.ports(List.of(String.join(",", ok))));
        for (String bad : List.of("80", "a:80", "0:80", "80:65536", "8080:80:sctp", "8080:80/icmp", "1.2.3.4.5:1:2",
                "256.0.0.1:1:2", "1:2:3:4:5", ":80")) {
            assertThrows(ContainerOptions.BadValue.class, () -> ContainerOptions.ports(List.of(bad)), bad);
        }
    }

    @Test
    void sizesCpusPidsAndRestartPolicies() {
        for (String size : List.of("1024M", "512m", "1g", "1G", "1.5GiB", "100k", "65536", "2gb", "1t")) {
            assertEquals(size, ContainerOptions.memory(size));
        }
        for (String size : List.of("", "0", "M", "1x", "-1M", "1 G B", "ib")) {
            assertThrows(ContainerOptions.BadValue.class, () -> ContainerOptions.memory(size), size);
        }
        assertEquals(".5", ContainerOptions.cpus(".5"));
        assertEquals("2", ContainerOptions.cpus("2"));
        assertThrows(ContainerOptions.BadValue.class, () -> ContainerOptions.cpus("-1"));
        assertEquals(-1L, ContainerOptions.pids("-1"));
        assertThrows(ContainerOptions.BadValue.class, () -> ContainerOptions.pids("0"));
        for (String policy : List.of("no", "on-boot", "always", "on-failure", "on-failure:5")) {
            assertEquals(policy, ContainerOptions.restart(policy));
        }
        for (String policy : List.of("", "yes", "on-failure:", "on-failure:-1", "unless-stopped")) {
            assertThrows(ContainerOptions.BadValue.class, () -> ContainerOptions.restart(policy), policy);
        }
    }

    @Test
    void mountsEnvAndCmd() {
        assertEquals(List.of("/srv/app/src:/src", "/data:/data:ro", "/srv/x:/x"),
                ContainerOptions.mounts(List.of("src:/src,/data:/data:ro", "../x:/x"), Path.of("/srv/app")));
        assertEquals(List.of("A=1", "B=", "USER=me"),
                ContainerOptions.env(List.of("A=1", "B=", "USER", "NOT_SET"), Map.of("USER", "me")));
        assertEquals(List.of("sh", "-c", "echo hi"), ContainerOptions.cmd("sh,-c,echo hi"));
        assertThrows(ContainerOptions.BadValue.class, () -> ContainerOptions.cmd(""));
        assertThrows(ContainerOptions.BadValue.class, () -> ContainerOptions.cmd("sh,"));
    }
}
