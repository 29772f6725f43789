package io.karakuri.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The production paths that work on the JVM's own network namespace, read-only or on 127.0.0.1 only:
 * nothing here changes the machine's network.
 */
class HostNamespaceTest {
    @Test
    void looksUpLinksOverItsOwnNetlinkSocket() {
        try (Rtnetlink rt = Rtnetlink.open()) {
            Rtnetlink.Link lo = rt.link("lo").orElseThrow();
            assertEquals("lo", lo.name());
            assertTrue(lo.index() > 0);
            assertTrue(rt.links().stream().anyMatch(l -> l.name().equals("lo")));
            assertTrue(rt.link("krnosuchlink").isEmpty());
            assertEquals(false, rt.deleteLink("krnosuchlink"));
        }
    }

    @Test
    void refusesAPortBoundOnTheHost() throws Exception {
        ContainerNetwork net = ContainerNetwork.host();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = server.getLocalPort();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> net.checkPorts(List.of(PortMapping.parse("127.0.0.1:" + port + ":80")), List.of()));
            assertEquals("port 127.0.0.1:" + port + "/tcp is already in use on the host", e.getMessage());
            // the same port number over udp is free
            net.checkPorts(List.of(PortMapping.parse("127.0.0.1:" + port + ":80/udp")), List.of());
        }
    }
}
