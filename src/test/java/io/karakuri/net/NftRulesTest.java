package io.karakuri.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NftRulesTest {
    @Test
    void theWholeTableForOneNamespace() {
        String text = NftRules.ruleset("karakuri", List.of(new Subnet("10.157.2.0/24", "karakuri2")), List.of(
                new PublishedPort(PortMapping.parse("8080:80"), "10.157.2.5"),
                new PublishedPort(PortMapping.parse("127.0.0.1:8081:80/tcp"), "10.157.2.5"),
                new PublishedPort(PortMapping.parse("5353:53/udp"), "10.157.2.6")));
        assertEquals("""
                add table inet karakuri
                delete table inet karakuri
                table inet karakuri {
                  chain prerouting {
                    type nat hook prerouting priority dstnat; policy accept;
                    fib daddr type local jump published
                  }
                  chain output {
                    type nat hook output priority -100; policy accept;
                    fib daddr type local jump published
                  }
                  chain published {
                    tcp dport 8080 dnat ip to 10.157.2.5:80
                    ip daddr 127.0.0.1 tcp dport 8081 dnat ip to 10.157.2.5:80
                    udp dport 5353 dnat ip to 10.157.2.6:53
                  }
                  chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "lo" accept
                    ip saddr 10.157.2.0/24 oifname != "karakuri2" masquerade
                    ip saddr 10.157.2.0/24 oifname "karakuri2" ct status dnat masquerade
                    ip saddr 127.0.0.0/8 oifname "karakuri2" masquerade
                  }
                  chain forward {
                    type filter hook forward priority filter; policy accept;
                    oifname "karakuri2" ct state established,related accept
                    oifname "karakuri2" ct status dnat accept
                    iifname "karakuri2" accept
                  }
                }
                """, text);
    }

    @Test
    void namespacesAreIsolatedFromEachOtherButNotFromModules() {
        String text = NftRules.ruleset("karakuri", List.of(new Subnet("10.157.2.0/24", "karakuri2"),
                new Subnet("10.157.3.7/24", "karakuri3"), Subnet.ofNamespace(1)), List.of());
        assertTrue(text.contains("    iifname \"karakuri2\" oifname \"karakuri3\" drop\n"), text);
        assertTrue(text.contains("    iifname \"karakuri3\" oifname \"karakuri2\" drop\n"), text);
        assertTrue(text.contains("    ip saddr 10.157.3.0/24 oifname != \"karakuri3\" masquerade\n"), text);
        assertTrue(text.contains("    iifname \"karakuri1\" oifname \"karakuri2\" drop\n"), text);
        assertFalse(text.contains("oifname \"karakuri1\" drop"), text); // every namespace reaches the modules
        // replies and published ports first, then the drops, then what comes from a bridge
        assertTrue(text.indexOf("ct status dnat accept") < text.indexOf("drop"), text);
        assertTrue(text.lastIndexOf("drop") < text.indexOf("iifname \"karakuri2\" accept"), text);
    }

    @Test
    void emptyModelStillMakesTheTable() {
        String text = NftRules.ruleset("karakuri", List.of(), List.of());
        assertTrue(text.startsWith("add table inet karakuri\ndelete table inet karakuri\ntable inet karakuri {\n"), text);
        assertTrue(text.contains("  chain published {\n  }\n"), text);
    }

    @Test
    void deletionWorksWhetherOrNotTheTableExists() {
        assertEquals("add table inet karakuri\ndelete table inet karakuri\n", NftRules.deletion("karakuri"));
    }

    @Test
    void refusesBadNames() {
        assertThrows(IllegalArgumentException.class, () -> NftRules.ruleset("bad name", List.of(), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Subnet("10.157.2.0/24", "bad\"bridge"));
        assertThrows(IllegalArgumentException.class, () -> new Subnet("10.157.2.0/24", "a-name-too-long-for-linux"));
        assertThrows(IllegalArgumentException.class, () -> new PublishedPort(PortMapping.parse("80:80"), "host"));
    }

    @Test
    void hostInterfaceNames() {
        assertEquals("kr0123456789ab", ContainerNetwork.hostIfName("0123456789abcdef0123"));
        assertThrows(IllegalArgumentException.class, () -> ContainerNetwork.hostIfName("short"));
        assertThrows(IllegalArgumentException.class, () -> ContainerNetwork.hostIfName("0123456789AB"));
    }
}
