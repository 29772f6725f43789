package io.karakuri.hitoha.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the name servers forward (karakuri.dns.upstreams) and what the containers' resolv.conf says. */
class NameServerConfigTest {
    @Test
    void upstreamsAreAddressesWithAnOptionalPort() {
        assertEquals(List.of(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 5353),
                new InetSocketAddress(InetAddress.ofLiteral("10.0.0.2"), 53),
                new InetSocketAddress(InetAddress.ofLiteral("::1"), 53),
                new InetSocketAddress(InetAddress.ofLiteral("fd00::1"), 5300)),
                HostNameService.upstreams(List.of("127.0.0.1:5353", "10.0.0.2", "::1", "[fd00::1]:5300")));
        for (String bad : List.of("dns.example", "10.0.0.1:x", "10.0.0.1:70000", "[::1", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HostNameService.upstreams(List.of(bad)), bad);
            assertEquals("karakuri.dns.upstreams: \"" + bad + "\" is not an address[:port]", e.getMessage());
        }
    }

    @Test
    void resolvConfNamesTheNamespacesServerAndKeepsTheHostsSearchAndOptions() {
        assertEquals("nameserver 10.157.3.1\nsearch corp.example\noptions ndots:2 edns0\n",
                HostResolvers.resolvConf("10.157.3.1", """
                        # generated
                        nameserver 127.0.0.53
                        nameserver 10.0.0.2
                        search corp.example
                        options ndots:2 edns0
                        """));
        assertEquals("nameserver 10.157.2.1\n", HostResolvers.resolvConf("10.157.2.1", ""));
    }
}
