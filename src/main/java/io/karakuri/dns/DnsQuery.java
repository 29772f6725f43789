package io.karakuri.dns;

/**
 * One query as read from the wire. When rcode is not NOERROR the packet was refused while reading
 * and only id and flags are known (question and name are null).
 *
 * @param id the query ID, echoed in the response
 * @param flags the header's second 16 bits (QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE)
 * @param rcode NOERROR, or why the query cannot be answered (FORMERR, NOTIMP)
 * @param question the question section re-encoded without compression, labels exactly as asked
 * @param name the name in lower case without trailing dot, in presentation form ("\." for a dot inside a label)
 * @param type the QTYPE
 * @param qclass the QCLASS
 * @param udpLimit the largest UDP response the client accepts: 512, or its EDNS payload size
 */
record DnsQuery(int id, int flags, int rcode, byte[] question, String name, int type, int qclass, int udpLimit) {}
