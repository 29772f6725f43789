package io.karakuri.dns;

import static io.karakuri.dns.DnsMessage.A;
import static io.karakuri.dns.DnsMessage.CLASS_IN;
import static io.karakuri.dns.DnsMessage.NOERROR;
import static io.karakuri.dns.DnsMessage.NXDOMAIN;
import static io.karakuri.dns.DnsMessage.PTR;

import java.net.Inet4Address;

/** The answers a server gives from its zone, authoritatively; what the zone does not cover is forwarded. */
final class LocalAnswers {
    private LocalAnswers() {}

    /** The response to a readable query from zone, or null when it is to be forwarded. */
    static byte[] answer(Zone zone, DnsQuery query, int limit) {
        if (query.qclass() != CLASS_IN) {
            return null;
        }
        Inet4Address address = zone.address(query.name());
        if (address != null) {
            return known(query, A, address.getAddress(), limit);
        }
        String target = zone.pointer(query.name());
        if (target != null) {
            return known(query, PTR, DnsMessage.encodeName(target), limit);
        }
        if (zone.isAuthoritative(query.name())) {
            return DnsMessage.response(query, NXDOMAIN, true, null, limit);
        }
        return null;
    }

    /** A name the zone has: its record for its own type, no data (but no error either) for any other type. */
    private static byte[] known(DnsQuery query, int type, byte[] data, int limit) {
        DnsMessage.Answer answer = query.type() == type ? new DnsMessage.Answer(type, data) : null;
        return DnsMessage.response(query, NOERROR, true, answer, limit);
    }
}
