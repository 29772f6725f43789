package io.karakuri.dns;

import java.net.Inet4Address;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one server answers itself: names (lower case, no trailing dot) with their IPv4 address, and
 * the suffixes it is authoritative for ("karakuri.container", "157.10.in-addr.arpa"), under which a
 * name it does not know does not exist. Immutable: the caller swaps a whole zone when containers
 * start or stop.
 */
public final class Zone {
    /** Of several names with one address, the one a pointer answers: the longest (the fully qualified one), then the first in order. */
    private static final Comparator<String> POINTER_ORDER =
            Comparator.<String>comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder());

    private final Map<String, Inet4Address> addresses;
    private final List<String> authoritative;
    /** "d.c.b.a.in-addr.arpa" → the name pointed to. */
    private final Map<String, String> pointers;

    /** Names are stored in lower case; a name that is not a valid DNS name is refused (IllegalArgumentException). */
    public Zone(Map<String, Inet4Address> addresses, List<String> authoritative) {
        Map<String, Inet4Address> names = new HashMap<>();
        addresses.forEach((name, address) -> names.put(normalized(name), address));
        this.addresses = Map.copyOf(names);
        this.authoritative = authoritative.stream().map(Zone::normalized).toList();
        Map<String, String> pointers = new HashMap<>();
        this.addresses.forEach((name, address) -> pointers.merge(reverseName(address), name, Zone::preferred));
        this.pointers = Map.copyOf(pointers);
    }

    public Map<String, Inet4Address> addresses() {
        return addresses;
    }

    public List<String> authoritative() {
        return authoritative;
    }

    /** The address of a lower-case name, or null. */
    Inet4Address address(String name) {
        return addresses.get(name);
    }

    /** The name a lower-case reverse name ("d.c.b.a.in-addr.arpa") points to, or null. */
    String pointer(String reverseName) {
        return pointers.get(reverseName);
    }

    /** Whether a lower-case name is one of the authoritative suffixes or below one. */
    boolean isAuthoritative(String name) {
        for (String suffix : authoritative) {
            if (name.endsWith(suffix)
                    && (name.length() == suffix.length() || name.charAt(name.length() - suffix.length() - 1) == '.')) {
                return true;
            }
        }
        return false;
    }

    private static String normalized(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        String bare = lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
        DnsMessage.encodeName(bare); // validates
        return bare;
    }

    private static String preferred(String a, String b) {
        return POINTER_ORDER.compare(a, b) <= 0 ? a : b;
    }

    private static String reverseName(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[3] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[0] & 0xFF) + ".in-addr.arpa";
    }
}
