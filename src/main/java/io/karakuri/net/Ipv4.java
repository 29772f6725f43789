package io.karakuri.net;

/**
 * An IPv4 address with a prefix length, as "10.157.2.1/24" (a plain address is /32). Parsed here,
 * never through InetAddress, so that a typo cannot turn into a DNS lookup.
 */
public record Ipv4(int bits, int prefix) {
    public Ipv4 {
        if (prefix < 0 || prefix > 32) {
            throw new IllegalArgumentException("IPv4 prefix length out of 0..32: " + prefix);
        }
    }

    /** "a.b.c.d" or "a.b.c.d/n". */
    public static Ipv4 parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("missing IPv4 address");
        }
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        int prefix = 32;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 prefix length in '" + text + "'");
            }
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("IPv4 prefix length out of 0..32 in '" + text + "'");
            }
        }
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        int bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            bits = bits << 8 | value;
        }
        return new Ipv4(bits, prefix);
    }

    /** Whether text is an IPv4 address (no prefix). */
    public static boolean isAddress(String text) {
        try {
            return text.indexOf('/') < 0 && parse(text) != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public int mask() {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** The network: the address with its host bits cleared, same prefix. */
    public Ipv4 network() {
        return new Ipv4(bits & mask(), prefix);
    }

    public Ipv4 broadcast() {
        return new Ipv4(bits | ~mask(), prefix);
    }

    /** Whether address (its bits) lies in this network. */
    public boolean contains(Ipv4 address) {
        return (address.bits & mask()) == (bits & mask());
    }

    /** The address in network byte order. */
    public byte[] bytes() {
        return new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
    }

    /** "a.b.c.d". */
    public String address() {
        return (bits >>> 24) + "." + (bits >>> 16 & 255) + "." + (bits >>> 8 & 255) + "." + (bits & 255);
    }

    /** "a.b.c.d/n". */
    @Override
    public String toString() {
        return address() + "/" + prefix;
    }
}
