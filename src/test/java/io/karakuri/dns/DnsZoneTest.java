package io.karakuri.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DnsZoneTest {
    static final Inet4Address WEB = (Inet4Address) InetAddress.ofLiteral("10.157.2.5");
    static final Inet4Address DB = (Inet4Address) InetAddress.ofLiteral("10.157.2.6");

    static Zone zone() {
        return new Zone(Map.of("web", WEB, "web.karakuri.container", WEB, "w1.karakuri.container", WEB, "DB.Karakuri.Container.", DB),
                List.of("karakuri.container", "157.10.in-addr.arpa"));
    }

    @Test
    void namesInLowerCaseWithoutTrailingDot() {
        Zone zone = zone();
        assertEquals(DB, zone.address("db.karakuri.container"));
        assertEquals(WEB, zone.address("web"));
        assertNull(zone.address("DB.Karakuri.Container"), "callers look up lower-case names");
    }

    @Test
    void pointersAnswerTheLongestName() {
        Zone zone = zone();
        assertEquals("web.karakuri.container", zone.pointer("5.2.157.10.in-addr.arpa"));
        assertEquals("db.karakuri.container", zone.pointer("6.2.157.10.in-addr.arpa"));
        assertNull(zone.pointer("7.2.157.10.in-addr.arpa"));
    }

    @Test
    void authoritativeForItsSuffixesAndBelow() {
        Zone zone = zone();
        assertTrue(zone.isAuthoritative("karakuri.container"));
        assertTrue(zone.isAuthoritative("nope.karakuri.container"));
        assertTrue(zone.isAuthoritative("9.9.157.10.in-addr.arpa"));
        assertFalse(zone.isAuthoritative("xkarakuri.container"));
        assertFalse(zone.isAuthoritative("container"));
        assertFalse(zone.isAuthoritative("example.com"));
    }

    @Test
    void refusesWhatIsNoDnsName() {
        assertThrows(IllegalArgumentException.class, () -> new Zone(Map.of("a..b", WEB), List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Zone(Map.of(), List.of("a b")));
    }
}
