package io.karakuri.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubnetTest {
    @Test
    void theDefaultNamespace() {
        Subnet s = Subnet.ofNamespace(2);
        assertEquals(new Subnet("10.157.2.0/24", "karakuri2"), s);
        assertEquals("10.157.2.1/24", s.gatewayCidr());
        assertEquals("10.157.2.1", s.gateway());
        assertEquals("10.157.2.0/24", new Subnet("10.157.2.77/24", "karakuri2").cidr());
        assertThrows(IllegalArgumentException.class, () -> Subnet.ofNamespace(255));
        assertThrows(IllegalArgumentException.class, () -> Subnet.ofNamespace(-1));
        assertEquals(new Subnet("10.157.0.0/24", "karakuri0"), Subnet.ofNamespace(0));
        assertTrue(Subnet.ofNamespace(1).shared());
        assertFalse(s.shared());
        assertTrue(s.contains("10.157.2.1"));
        assertTrue(s.contains("10.157.2.255"));
        assertFalse(s.contains("10.157.3.2"));
        assertFalse(s.contains("::1"));
        assertThrows(IllegalArgumentException.class, () -> new Subnet("10.157.2.0/31", "karakuri2"));
    }

    @Test
    void allocatesTheLowestFreeAddress() {
        Subnet s = Subnet.ofNamespace(2);
        assertEquals("10.157.2.2/24", s.allocate(List.of()));
        assertEquals("10.157.2.4/24", s.allocate(List.of("10.157.2.2", "10.157.2.3/24")));
        List<String> used = new ArrayList<>();
        for (int i = 2; i <= 254; i++) {
            used.add("10.157.2." + i);
        }
        IllegalStateException full = assertThrows(IllegalStateException.class, () -> s.allocate(used));
        assertEquals("no free address left in 10.157.2.0/24 (karakuri2)", full.getMessage());
        assertEquals("10.157.9.6/30", new Subnet("10.157.9.4/30", "krx").allocate(List.of()));
    }
}
