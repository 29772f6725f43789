package io.karakuri.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PortMappingTest {

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
        "8080:80, -, 8080, 80, tcp",
        "8080:80/tcp, -, 8080, 80, tcp",
        "8080:80/UDP, -, 8080, 80, udp",
        "5353:53:udp, -, 5353, 53, udp",
        "127.0.0.1:8081:80/tcp, 127.0.0.1, 8081, 80, tcp",
        "127.0.0.1:8081:80:tcp, 127.0.0.1, 8081, 80, tcp",
        "127.0.0.1:8081:80, 127.0.0.1, 8081, 80, tcp",
        "0.0.0.0:8080:80, -, 8080, 80, tcp",
        "' 1:65535 ', -, 1, 65535, tcp",
    })
    void parses(String spec, String ip, int host, int container, String protocol) {
        PortMapping m = PortMapping.parse(spec);
        assertEquals(new PortMapping(ip, host, container, protocol), m);
        assertEquals(m, PortMapping.parse(m.toString()));
    }

    @Test
    void canonicalText() {
        assertEquals("8080:80/tcp", PortMapping.parse("8080:80").toString());
        assertEquals("127.0.0.1:8081:80/udp", PortMapping.parse("127.0.0.1:8081:80:udp").toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "\"\"|empty port mapping",
        "8080|a host port and a container port are needed",
        "8080:|the container port is missing",
        ":80|the host port is missing",
        "0:80|the host port must be 1-65535, not 0",
        "8080:65536|the container port must be 1-65535, not 65536",
        "80a:80|the host port '80a' is not a number",
        "8000-8010:80|port ranges are not supported",
        "8080:80/sctp|the protocol must be tcp or udp, not 'sctp'",
        "8080:80:tcp/tcp|the protocol is given twice",
        "localhost:8080:80|'localhost' is not an IPv4 address",
        "300.0.0.1:8080:80|'300.0.0.1' is not an IPv4 address",
        "[::1]:8080:80|IPv6 host addresses are not supported",
        "::1:8080:80|IPv6 host addresses are not supported",
        ":8080:80|the host address is empty",
        "1.2.3.4:1:2:3:tcp|IPv6 host addresses are not supported",
    })
    void refusesWithAReason(String spec, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PortMapping.parse(spec));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void conflicts() {
        PortMapping all = PortMapping.parse("8080:80");
        PortMapping local = PortMapping.parse("127.0.0.1:8080:81");
        PortMapping other = PortMapping.parse("127.0.0.2:8080:81");
        PortMapping udp = PortMapping.parse("8080:80/udp");
        assertTrue(all.conflictsWith(local));
        assertTrue(local.conflictsWith(all));
        assertFalse(local.conflictsWith(other));
        assertFalse(all.conflictsWith(udp));
        assertFalse(all.conflictsWith(PortMapping.parse("8081:80")));
    }

    @Test
    void refusesPortsTakenTwiceOrByOthers() {
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> PortMapping.checkConflicts(List.of(PortMapping.parse("8080:80"), PortMapping.parse("127.0.0.1:8080:81")), List.of()));
        assertEquals("port 127.0.0.1:8080/tcp is published twice (8080:80/tcp, 127.0.0.1:8080:81/tcp)", twice.getMessage());
        IllegalStateException taken = assertThrows(IllegalStateException.class,
                () -> PortMapping.checkConflicts(List.of(PortMapping.parse("9090:90/udp")), List.of(PortMapping.parse("9090:53/udp"))));
        assertEquals("port 0.0.0.0:9090/udp is already published by another container (9090:53/udp)", taken.getMessage());
        PortMapping.checkConflicts(List.of(PortMapping.parse("9090:90/tcp")), List.of(PortMapping.parse("9090:53/udp")));
    }
}
