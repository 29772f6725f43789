package io.karakuri.dns;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Builds and reads DNS packets for the tests, independently of DnsMessage. */
final class Packets {
    static final int TXT = 16;
    static final int AAAA = 28;

    private Packets() {}

    /** A standard query (RD set) for name ("a.b", case kept) and type, class IN. */
    static byte[] query(int id, String name, int type) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        b.writeBytes(name(name));
        b.writeBytes(new byte[] {(byte) (type >> 8), (byte) type, 0, 1});
        return b.toByteArray();
    }

    static byte[] name(String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.ISO_8859_1);
            b.write(bytes.length);
            b.writeBytes(bytes);
        }
        b.write(0);
        return b.toByteArray();
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    static int id(byte[] response) {
        return u16(response, 0);
    }

    static int rcode(byte[] response) {
        return response[3] & 0x0F;
    }

    static boolean authoritative(byte[] response) {
        return (response[2] & 0x04) != 0;
    }

    static boolean truncated(byte[] response) {
        return (response[2] & 0x02) != 0;
    }

    static int answers(byte[] response) {
        return u16(response, 6);
    }

    /** The question section of a one-question message, as bytes. */
    static byte[] question(byte[] message) {
        int at = 12;
        while (message[at] != 0) {
            at += 1 + (message[at] & 0xFF);
        }
        return Arrays.copyOfRange(message, 12, at + 5);
    }

    /** The RDATA of the only answer of a response whose answer owner is a pointer. */
    static byte[] answerData(byte[] response) {
        int at = 12 + question(response).length;
        int length = u16(response, at + 10);
        return Arrays.copyOfRange(response, at + 12, at + 12 + length);
    }

    static int answerType(byte[] response) {
        return u16(response, 12 + question(response).length + 2);
    }

    static long answerTtl(byte[] response) {
        int at = 12 + question(response).length + 6;
        return (long) u16(response, at) << 16 | u16(response, at + 2);
    }
}
