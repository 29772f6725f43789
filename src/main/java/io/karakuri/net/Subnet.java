package io.karakuri.net;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** A karakuri namespace's network: its subnet (as "10.157.2.0/24") behind its bridge. */
public record Subnet(String cidr, String bridge) {
    public Subnet {
        Ipv4 network = Ipv4.parse(cidr);
        if (network.prefix() > 30) {
            throw new IllegalArgumentException("a subnet needs room for a gateway and containers: " + cidr);
        }
        cidr = network.network().toString();
        Rtnetlink.checkName(bridge);
    }

    /**
     * Karakuri namespace number n's network (0-254): bridge karakuri{n}, 10.157.{n}.0/24 ("system" is 0,
     * "system-mod" 1, "default" 2).
     */
    public static Subnet ofNamespace(int n) {
        if (n < 0 || n > 254) {
            throw new IllegalArgumentException("namespace network number out of 0..254: " + n);
        }
        return new Subnet("10.157." + n + ".0/24", "karakuri" + n);
    }

    /** Whether this is the network of "system-mod" (karakuri1), whose modules every namespace may reach. */
    public boolean shared() {
        return equals(ofNamespace(1));
    }

    /** Whether address (as "10.157.2.7", or an InetAddress's text) is in this subnet. */
    public boolean contains(String address) {
        Ipv4 network = Ipv4.parse(cidr);
        Ipv4 a;
        try {
            a = Ipv4.parse(address);
        } catch (IllegalArgumentException e) {
            return false; // not IPv4
        }
        int mask = network.prefix() == 0 ? 0 : -1 << (32 - network.prefix());
        return (a.bits() & mask) == network.bits();
    }

    /** The gateway (the bridge's address): the subnet's first address, with its prefix, as "10.157.2.1/24". */
    public String gatewayCidr() {
        Ipv4 network = Ipv4.parse(cidr);
        return new Ipv4(network.bits() + 1, network.prefix()).toString();
    }

    /** The gateway's address alone, as "10.157.2.1". */
    public String gateway() {
        return Ipv4.parse(gatewayCidr()).address();
    }

    /**
     * The lowest free container address, with its prefix ("10.157.2.2/24"): not the network, the gateway
     * or the broadcast address, nor one of used (addresses, with or without prefix).
     * IllegalStateException when the subnet is full.
     */
    public String allocate(Collection<String> used) {
        Ipv4 network = Ipv4.parse(cidr);
        Set<Integer> taken = new HashSet<>();
        for (String address : used) {
            taken.add(Ipv4.parse(address).bits());
        }
        int last = network.broadcast().bits();
        for (int bits = network.bits() + 2; Integer.compareUnsigned(bits, last) < 0; bits++) {
            if (!taken.contains(bits)) {
                return new Ipv4(bits, network.prefix()).toString();
            }
        }
        throw new IllegalStateException("no free address left in " + cidr + " (" + bridge + ")");
    }
}
