package io.karakuri.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4Test {
    @Test
    void parsesAndComputes() {
        Ipv4 a = Ipv4.parse("10.157.2.1/24");
        assertEquals("10.157.2.1", a.address());
        assertEquals(24, a.prefix());
        assertEquals("10.157.2.0/24", a.network().toString());
        assertEquals("10.157.2.255", a.broadcast().address());
        assertArrayEquals(new byte[] {10, (byte) 157, 2, 1}, a.bytes());
        assertTrue(a.contains(Ipv4.parse("10.157.2.200")));
        assertFalse(a.contains(Ipv4.parse("10.157.3.1")));
        assertEquals(32, Ipv4.parse("255.255.255.255").prefix());
        assertTrue(Ipv4.parse("0.0.0.0/0").contains(Ipv4.parse("1.2.3.4")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/x", "a.b.c.d", "1..2.3", "1.2.3.-4", "01234.1.1.1"})
    void refuses(String text) {
        assertThrows(IllegalArgumentException.class, () -> Ipv4.parse(text));
    }
}
