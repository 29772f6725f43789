package io.karakuri.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DnsMessageTest {
    @Test
    void readsAQuery() {
        byte[] packet = Packets.query(0x1234, "Web.KARAKURI.container", DnsMessage.A);
        DnsQuery q = DnsMessage.read(packet, packet.length);
        assertEquals(0x1234, q.id());
        assertEquals(DnsMessage.NOERROR, q.rcode());
        assertEquals("web.karakuri.container", q.name());
        assertEquals(DnsMessage.A, q.type());
        assertEquals(DnsMessage.CLASS_IN, q.qclass());
        assertEquals(512, q.udpLimit());
        assertArrayEquals(Arrays.copyOfRange(packet, 12, packet.length), q.question(), "the question as asked, case kept");
    }

    @Test
    void followsCompressionPointers() {
        // the header's first bytes double as the name "a": ID 0x0161 is the label "a", flags 0 end the name
        byte[] packet = {0x01, 0x61, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', (byte) 0xC0, 0, 0, 1, 0, 1};
        DnsQuery q = DnsMessage.read(packet, packet.length);
        assertEquals(DnsMessage.NOERROR, q.rcode());
        assertEquals("www.a", q.name());
        assertArrayEquals(new byte[] {3, 'w', 'w', 'w', 1, 'a', 0, 0, 1, 0, 1}, q.question(), "echoed without compression");
    }

    @Test
    void escapesWhatIsNoPlainLabel() {
        byte[] packet = Packets.query(1, "x", DnsMessage.A);
        byte[] odd = concat(Arrays.copyOf(packet, 12), new byte[] {3, 'a', '.', 'B', 2, '\\', 0, 0, 0, 1, 0, 1});
        assertEquals("a\\.b.\\\\\\000", DnsMessage.read(odd, odd.length).name());
    }

    @Test
    void dropsWhatGetsNoResponse() {
        byte[] packet = Packets.query(7, "a.b", DnsMessage.A);
        assertNull(DnsMessage.read(packet, 11), "no header");
        packet[2] |= (byte) 0x80;
        assertNull(DnsMessage.read(packet, packet.length), "a response");
    }

    @Test
    void refusesOtherOpcodesAndQuestionCounts() {
        byte[] notify = Packets.query(7, "a.b", DnsMessage.A);
        notify[2] |= 4 << 3;
        assertEquals(DnsMessage.NOTIMP, DnsMessage.read(notify, notify.length).rcode());
        for (int count : new int[] {0, 2}) {
            byte[] packet = Packets.query(7, "a.b", DnsMessage.A);
            packet[5] = (byte) count;
            DnsQuery q = DnsMessage.read(packet, packet.length);
            assertEquals(DnsMessage.FORMERR, q.rcode());
            assertEquals(7, q.id());
            assertNull(q.question());
        }
    }

    @Test
    void refusesMalformedNames() {
        byte[] header = Arrays.copyOf(Packets.query(9, "x", DnsMessage.A), 12);
        byte[][] questions = {
            {(byte) 0xC0, 12, 0, 1, 0, 1}, // a pointer to itself
            {1, 'a', (byte) 0xC0, 12, 0, 1, 0, 1}, // a pointer back to the start of its own name
            {(byte) 0xC0, 20, 0, 1, 0, 1}, // a pointer forward
            {(byte) 0xC0}, // a truncated pointer
            {64, 'a', 0, 0, 1, 0, 1}, // an extended label type
            {(byte) 0x80, 0, 0, 1, 0, 1}, // a reserved label type
            {5, 'a', 'b'}, // a truncated label
            {1, 'a', 0, 0, 1}, // a truncated type and class
            {1, 'a'}, // no end
        };
        for (byte[] question : questions) {
            byte[] packet = concat(header, question);
            assertEquals(DnsMessage.FORMERR, DnsMessage.read(packet, packet.length).rcode(), Arrays.toString(question));
        }
        byte[] loop = {(byte) 0xC0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xC0, 0, 0, 1, 0, 1}; // header → itself
        assertEquals(DnsMessage.FORMERR, DnsMessage.read(loop, loop.length).rcode());
    }

    @Test
    void refusesNamesOver255Bytes() {
        String label = "a".repeat(63);
        String fits = String.join(".", label, label, label, "a".repeat(61)); // 4 * 64 - 2 + 1 = 255 bytes
        byte[] ok = Packets.query(1, fits, DnsMessage.A);
        assertEquals(DnsMessage.NOERROR, DnsMessage.read(ok, ok.length).rcode());
        byte[] long1 = Packets.query(1, fits + "a", DnsMessage.A);
        assertEquals(DnsMessage.FORMERR, DnsMessage.read(long1, long1.length).rcode());
    }

    @Test
    void readsTheEdnsPayloadSize() {
        byte[] query = Packets.query(1, "a.b", DnsMessage.A);
        query[11] = 1;
        byte[] opt = {0, 0, 41, 0x04, (byte) 0xD0, 0, 0, 0, 0, 0, 0};
        byte[] packet = concat(query, opt);
        assertEquals(1232, DnsMessage.read(packet, packet.length).udpLimit());
        opt[3] = 0;
        opt[4] = 100;
        assertEquals(512, DnsMessage.read(concat(query, opt), packet.length).udpLimit(), "never below 512");
        assertEquals(512, DnsMessage.read(packet, packet.length - 1).udpLimit(), "a truncated OPT record is ignored");
    }

    @Test
    void buildsAnAnswer() {
        byte[] packet = Packets.query(0xBEEF, "Web.a", DnsMessage.A);
        DnsQuery q = DnsMessage.read(packet, packet.length);
        byte[] r = DnsMessage.response(q, DnsMessage.NOERROR, true, new DnsMessage.Answer(DnsMessage.A, new byte[] {10, 1, 2, 3}), 512);
        assertEquals(0xBEEF, Packets.id(r));
        assertEquals(0x8580, Packets.u16(r, 2), "QR, AA, RD (echoed), RA");
        assertEquals(1, Packets.u16(r, 4));
        assertEquals(1, Packets.answers(r));
        assertArrayEquals(q.question(), Packets.question(r));
        assertEquals(0xC00C, Packets.u16(r, 12 + q.question().length), "the owner points to the question");
        assertEquals(0, Packets.answerTtl(r));
        assertArrayEquals(new byte[] {10, 1, 2, 3}, Packets.answerData(r));
    }

    @Test
    void truncatesOverTheLimit() {
        byte[] packet = Packets.query(1, "1.0.0.10.in-addr.arpa", DnsMessage.PTR);
        DnsQuery q = DnsMessage.read(packet, packet.length);
        DnsMessage.Answer ptr = new DnsMessage.Answer(DnsMessage.PTR, DnsMessage.encodeName(String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61))));
        byte[] full = DnsMessage.response(q, DnsMessage.NOERROR, true, ptr, 65_535);
        assertFalse(Packets.truncated(full));
        byte[] cut = DnsMessage.response(q, DnsMessage.NOERROR, true, ptr, full.length - 1);
        assertTrue(Packets.truncated(cut));
        assertEquals(0, Packets.answers(cut));
        assertEquals(12 + q.question().length, cut.length);
    }

    @Test
    void encodesNames() {
        assertArrayEquals(new byte[] {1, 'a', 2, 'b', 'c', 0}, DnsMessage.encodeName("a.bc"));
        assertArrayEquals(new byte[] {0}, DnsMessage.encodeName(""));
        for (String bad : new String[] {"a..b", ".a", "a b", "a\\b", "a".repeat(64), "é"}) {
            assertThrows(IllegalArgumentException.class, () -> DnsMessage.encodeName(bad), bad);
        }
    }

    @Test
    void survivesRandomBytes() {
        Random random = new Random(53);
        byte[] valid = Packets.query(1, "web.karakuri.container", DnsMessage.A);
        for (int i = 0; i < 100_000; i++) {
            byte[] packet;
            if (i % 2 == 0) {
                packet = new byte[random.nextInt(64)];
                random.nextBytes(packet);
            } else {
                packet = valid.clone();
                packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
            }
            DnsQuery q = DnsMessage.read(packet, packet.length);
            if (q != null) {
                assertNotNull(DnsMessage.response(q, q.rcode(), false, null, 512));
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
