package io.karakuri.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class IptablesTest {
    @Test
    void theChainsForTwoNamespacesAndTheModules() {
        String text = Iptables.restoreScript(
                List.of(Subnet.ofNamespace(1), new Subnet("10.157.2.0/24", "karakuri2"),
                        new Subnet("10.157.3.0/24", "karakuri3")),
                List.of(new PublishedPort(PortMapping.parse("8080:80"), "10.157.2.5"),
                        new PublishedPort(PortMapping.parse("127.0.0.1:5353:53/udp"), "10.157.3.6")));
        assertEquals("""
                *nat
                :KARAKURI-PREROUTING - [0:0]
                :KARAKURI-OUTPUT - [0:0]
                :KARAKURI-PUBLISHED - [0:0]
                :KARAKURI-POSTROUTING - [0:0]
                -A KARAKURI-PREROUTING -m addrtype --dst-type LOCAL -j KARAKURI-PUBLISHED
                -A KARAKURI-OUTPUT -m addrtype --dst-type LOCAL -j KARAKURI-PUBLISHED
                -A KARAKURI-PUBLISHED -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.157.2.5:80
                -A KARAKURI-PUBLISHED -d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.157.3.6:53
                -A KARAKURI-POSTROUTING -o lo -j RETURN
                -A KARAKURI-POSTROUTING -s 10.157.1.0/24 ! -o karakuri1 -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 10.157.1.0/24 -o karakuri1 -m conntrack --ctstate DNAT -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 127.0.0.0/8 -o karakuri1 -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 10.157.2.0/24 ! -o karakuri2 -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 10.157.2.0/24 -o karakuri2 -m conntrack --ctstate DNAT -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 127.0.0.0/8 -o karakuri2 -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 10.157.3.0/24 ! -o karakuri3 -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 10.157.3.0/24 -o karakuri3 -m conntrack --ctstate DNAT -j MASQUERADE
                -A KARAKURI-POSTROUTING -s 127.0.0.0/8 -o karakuri3 -j MASQUERADE
                COMMIT
                *filter
                :KARAKURI-FORWARD - [0:0]
                -A KARAKURI-FORWARD -o karakuri1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A KARAKURI-FORWARD -o karakuri1 -m conntrack --ctstate DNAT -j ACCEPT
                -A KARAKURI-FORWARD -o karakuri2 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A KARAKURI-FORWARD -o karakuri2 -m conntrack --ctstate DNAT -j ACCEPT
                -A KARAKURI-FORWARD -o karakuri3 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
                -A KARAKURI-FORWARD -o karakuri3 -m conntrack --ctstate DNAT -j ACCEPT
                -A KARAKURI-FORWARD -i karakuri1 -o karakuri2 -j DROP
                -A KARAKURI-FORWARD -i karakuri1 -o karakuri3 -j DROP
                -A KARAKURI-FORWARD -i karakuri2 -o karakuri3 -j DROP
                -A KARAKURI-FORWARD -i karakuri3 -o karakuri2 -j DROP
                -A KARAKURI-FORWARD -i karakuri1 -j ACCEPT
                -A KARAKURI-FORWARD -i karakuri2 -j ACCEPT
                -A KARAKURI-FORWARD -i karakuri3 -j ACCEPT
                COMMIT
                """, text);
    }
}
