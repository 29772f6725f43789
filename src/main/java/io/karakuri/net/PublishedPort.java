package io.karakuri.net;

/** A port mapping of a container at containerAddress (its IPv4 address, as "10.157.2.5"). */
public record PublishedPort(PortMapping mapping, String containerAddress) {
    public PublishedPort {
        if (mapping == null) {
            throw new IllegalArgumentException("missing port mapping");
        }
        if (!Ipv4.isAddress(containerAddress)) {
            throw new IllegalArgumentException("not a container IPv4 address: '" + containerAddress + "'");
        }
    }
}
