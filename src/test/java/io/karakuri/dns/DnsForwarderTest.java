package io.karakuri.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The forwarding itself is in DnsServerTest, against fake upstreams. */
class DnsForwarderTest {
    @Test
    void readsNameserversOfResolvConf() {
        String conf = """
                # generated
                search example.com
                nameserver 10.255.255.53
                nameserver   127.0.0.53   # systemd-resolved
                ; nameserver 9.9.9.9
                nameserver 2001:db8::1
                nameserver fe80::1%2
                nameserver dns.example.com
                nameserver 1.2.3
                nameserver 1.2.3.4/24
                nameserver
                options edns0
                """;
        assertEquals(List.of(at("10.255.255.53"), at("127.0.0.53"), at("2001:db8::1"), at("fe80::1%2")), Forwarder.nameservers(conf));
    }

    private static InetSocketAddress at(String literal) {
        return new InetSocketAddress(InetAddress.ofLiteral(literal), 53);
    }
}
