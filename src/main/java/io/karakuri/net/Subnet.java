package io.karakuri.net;

/** A karakuri namespace's network: its subnet (as "10.157.2.0/24") behind its bridge. */
public record Subnet(String cidr, String bridge) {
    public Subnet {
        Ipv4 network = Ipv4.parse(cidr);
        cidr = network.network().toString();
        Rtnetlink.checkName(bridge);
    }
}
