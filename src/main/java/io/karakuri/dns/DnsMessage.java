package io.karakuri.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The DNS wire format (RFC 1035), as much as the server needs: a query's header and question (and
 * the EDNS payload size, RFC 6891), and responses with at most one answer. Everything else is
 * forwarded as bytes, never parsed.
 */
final class DnsMessage {
    static final int HEADER = 12;
    /** The largest UDP message a client accepts without EDNS. */
    static final int UDP_LIMIT = 512;
    static final int TCP_LIMIT = 65_535;

    static final int A = 1;
    static final int PTR = 12;
    static final int OPT = 41;
    static final int CLASS_IN = 1;

    static final int NOERROR = 0;
    static final int FORMERR = 1;
    static final int SERVFAIL = 2;
    static final int NXDOMAIN = 3;
    static final int NOTIMP = 4;
    static final int REFUSED = 5;

    static final int QR = 0x8000;
    static final int OPCODE = 0x7800;
    static final int AA = 0x0400;
    static final int TC = 0x0200;
    static final int RD = 0x0100;
    static final int RA = 0x0080;

    /** Wire length of a name, its root label included. */
    private static final int MAX_NAME = 255;
    private static final int MAX_LABEL = 63;

    /** One answer record; its owner is the question's name, its TTL 0 (records change with containers). */
    record Answer(int type, byte[] data) {}

    private DnsMessage() {}

    /**
     * The query in the first length bytes of packet; null when it gets no response at all: too short
     * for a header, or a response (QR set, answering it could start a loop between servers).
     */
    static DnsQuery read(byte[] packet, int length) {
        if (length < HEADER) {
            return null;
        }
        int id = u16(packet, 0);
        int flags = u16(packet, 2);
        if ((flags & QR) != 0) {
            return null;
        }
        if ((flags & OPCODE) != 0) {
            return failed(id, flags, NOTIMP);
        }
        if (u16(packet, 4) != 1) {
            return failed(id, flags, FORMERR);
        }
        ByteArrayOutputStream wire = new ByteArrayOutputStream(64);
        int end = readName(packet, length, HEADER, wire);
        if (end < 0 || end + 4 > length) {
            return failed(id, flags, FORMERR);
        }
        wire.write(packet, end, 4);
        byte[] question = wire.toByteArray();
        return new DnsQuery(id, flags, NOERROR, question, presentation(question), u16(packet, end), u16(packet, end + 2),
                udpLimit(packet, length, end + 4));
    }

    /**
     * A response to query: its question echoed (when it was readable), at most one answer. When the
     * message would exceed limit the answer is left out and TC set, so that the client asks over TCP.
     */
    static byte[] response(DnsQuery query, int rcode, boolean authoritative, Answer answer, int limit) {
        int questionLength = query.question() == null ? 0 : query.question().length;
        int answerLength = answer == null ? 0 : 12 + answer.data().length;
        boolean truncated = HEADER + questionLength + answerLength > limit;
        if (truncated) {
            answerLength = 0;
        }
        byte[] r = new byte[HEADER + questionLength + answerLength];
        put16(r, 0, query.id());
        put16(r, 2, QR | query.flags() & (OPCODE | RD) | (authoritative ? AA : 0) | (truncated ? TC : 0) | RA | rcode);
        put16(r, 4, questionLength == 0 ? 0 : 1);
        put16(r, 6, answerLength == 0 ? 0 : 1);
        if (questionLength > 0) {
            System.arraycopy(query.question(), 0, r, HEADER, questionLength);
        }
        if (answerLength > 0) {
            int at = HEADER + questionLength;
            put16(r, at, 0xC000 | HEADER); // the owner: a pointer to the question's name
            put16(r, at + 2, answer.type());
            put16(r, at + 4, CLASS_IN);
            // TTL (at + 6) stays 0
            put16(r, at + 10, answer.data().length);
            System.arraycopy(answer.data(), 0, r, at + 12, answer.data().length);
        }
        return r;
    }

    /** The wire form of a name in presentation form without escapes ("web.karakuri.container", "" for the root). */
    static byte[] encodeName(String name) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream(name.length() + 2);
        if (!name.isEmpty()) {
            for (String label : name.split("\\.", -1)) {
                byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                if (bytes.length == 0 || bytes.length > MAX_LABEL || !label.chars().allMatch(c -> c > ' ' && c < 0x7F && c != '\\')) {
                    throw new IllegalArgumentException("not a DNS name: '" + name + "'");
                }
                wire.write(bytes.length);
                wire.writeBytes(bytes);
            }
        }
        wire.write(0);
        if (wire.size() > MAX_NAME) {
            throw new IllegalArgumentException("DNS name longer than " + MAX_NAME + " bytes: '" + name + "'");
        }
        return wire.toByteArray();
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    private static void put16(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 8);
        b[at + 1] = (byte) value;
    }

    private static DnsQuery failed(int id, int flags, int rcode) {
        return new DnsQuery(id, flags, rcode, null, null, 0, 0, UDP_LIMIT);
    }

    /**
     * Copies the name at offset at into wire without compression (and with its root label); returns
     * where the name ends in the packet, or -1 when it is malformed: truncated, a label over 63 bytes
     * (or of an extended type), a name over 255 bytes, or a compression pointer that does not lead
     * back before the labels being read, which also rules out loops.
     */
    private static int readName(byte[] packet, int length, int at, ByteArrayOutputStream wire) {
        int end = -1;
        int segment = at;
        while (at < length) {
            int label = packet[at] & 0xFF;
            if (label == 0) {
                wire.write(0);
                return end < 0 ? at + 1 : end;
            }
            switch (label & 0xC0) {
                case 0xC0 -> {
                    if (at + 1 >= length) {
                        return -1;
                    }
                    int target = (label & 0x3F) << 8 | packet[at + 1] & 0xFF;
                    if (target >= segment) {
                        return -1;
                    }
                    if (end < 0) {
                        end = at + 2;
                    }
                    at = segment = target;
                }
                case 0x00 -> {
                    if (at + 1 + label > length || wire.size() + 1 + label + 1 > MAX_NAME) {
                        return -1;
                    }
                    wire.write(packet, at, 1 + label);
                    at += 1 + label;
                }
                default -> {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** A name's presentation form in lower case (DNS compares ASCII letters without case), "\." and "\DDD" escaped. */
    private static String presentation(byte[] wire) {
        StringBuilder name = new StringBuilder(wire.length);
        for (int at = 0; wire[at] != 0; at += 1 + (wire[at] & 0xFF)) {
            if (at > 0) {
                name.append('.');
            }
            for (int i = at + 1; i <= at + (wire[at] & 0xFF); i++) {
                int c = wire[i] & 0xFF;
                if (c >= 'A' && c <= 'Z') {
                    name.append((char) (c + ('a' - 'A')));
                } else if (c == '.' || c == '\\') {
                    name.append('\\').append((char) c);
                } else if (c > ' ' && c < 0x7F) {
                    name.append((char) c);
                } else {
                    name.append('\\').append(c / 100).append(c / 10 % 10).append(c % 10);
                }
            }
        }
        return name.toString();
    }

    /** The client's EDNS UDP payload size when the query's only extra record is an OPT record, else 512. */
    private static int udpLimit(byte[] packet, int length, int at) {
        boolean onlyOpt = u16(packet, 6) == 0 && u16(packet, 8) == 0 && u16(packet, 10) == 1;
        if (!onlyOpt || at + 11 > length || packet[at] != 0 || u16(packet, at + 1) != OPT) {
            return UDP_LIMIT;
        }
        return Math.max(UDP_LIMIT, u16(packet, at + 3));
    }
}
