package io.karakuri.net;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * A published port: hostIp:hostPort on the host forwards to containerPort in the container.
 * hostIp null: every address of the host. protocol: "tcp" or "udp".
 */
public record PortMapping(String hostIp, int hostPort, int containerPort, String protocol) {
    public PortMapping {
        if (hostIp != null && !Ipv4.isAddress(hostIp)) {
            throw new IllegalArgumentException("not an IPv4 host address: '" + hostIp + "'");
        }
        if ("0.0.0.0".equals(hostIp)) {
            hostIp = null;
        }
        checkPort(hostPort, "host");
        checkPort(containerPort, "container");
        if (!"tcp".equals(protocol) && !"udp".equals(protocol)) {
            throw new IllegalArgumentException("protocol must be tcp or udp, not '" + protocol + "'");
        }
    }

    private static void checkPort(int port, String which) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the " + which + " port must be 1-65535, not " + port);
        }
    }

    /**
     * Parses {@code [ip:]hostPort:containerPort[:proto|/proto]}, as "8080:80", "127.0.0.1:8081:80/tcp",
     * "5353:53:udp". The protocol defaults to tcp; ip 0.0.0.0 is every address (as none).
     */
    public static PortMapping parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty port mapping");
        }
        String text = spec.trim();
        String bad = "invalid port mapping '" + spec + "' (expected [ip:]hostPort:containerPort[/tcp|/udp]): ";
        if (text.startsWith("[") || text.chars().filter(c -> c == ':').count() > 3) {
            throw new IllegalArgumentException(bad + "IPv6 host addresses are not supported");
        }
        String protocol = null;
        int slash = text.indexOf('/');
        if (slash >= 0) {
            protocol = text.substring(slash + 1);
            text = text.substring(0, slash);
        }
        List<String> parts = List.of(text.split(":", -1));
        if (parts.size() >= 3 && !parts.getLast().isEmpty() && Character.isLetter(parts.getLast().charAt(0))) {
            if (protocol != null) {
                throw new IllegalArgumentException(bad + "the protocol is given twice");
            }
            protocol = parts.getLast();
            parts = parts.subList(0, parts.size() - 1);
        }
        String ip = null;
        if (parts.size() == 3) {
            ip = parts.getFirst();
            if (ip.isEmpty()) {
                throw new IllegalArgumentException(bad + "the host address is empty");
            }
            if (!Ipv4.isAddress(ip)) {
                throw new IllegalArgumentException(bad + "'" + ip + "' is not an IPv4 address");
            }
            parts = parts.subList(1, 3);
        }
        if (parts.size() != 2) {
            throw new IllegalArgumentException(bad + (parts.size() < 2 ? "a host port and a container port are needed"
                    : "too many parts"));
        }
        String proto = protocol == null ? "tcp" : protocol.toLowerCase(Locale.ROOT);
        if (!"tcp".equals(proto) && !"udp".equals(proto)) {
            throw new IllegalArgumentException(bad + "the protocol must be tcp or udp, not '" + protocol + "'");
        }
        return new PortMapping(ip, port(parts.get(0), "host", bad), port(parts.get(1), "container", bad), proto);
    }

    private static int port(String text, String which, String bad) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException(bad + "the " + which + " port is missing");
        }
        if (text.contains("-")) {
            throw new IllegalArgumentException(bad + "port ranges are not supported");
        }
        if (!text.chars().allMatch(c -> c >= '0' && c <= '9') || text.length() > 5) {
            throw new IllegalArgumentException(bad + "the " + which + " port '" + text + "' is not a number");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(bad + "the " + which + " port must be 1-65535, not " + port);
        }
        return port;
    }

    /** Whether both would take the same host port: same protocol and port, and an address in common. */
    public boolean conflictsWith(PortMapping other) {
        return protocol.equals(other.protocol) && hostPort == other.hostPort
                && (hostIp == null || other.hostIp == null || hostIp.equals(other.hostIp));
    }

    /**
     * Refuses wanted if two of its mappings take the same host port, or one takes a port that taken
     * (the ones other containers publish) holds: IllegalStateException with the reason.
     */
    public static void checkConflicts(List<PortMapping> wanted, Collection<PortMapping> taken) {
        for (int i = 0; i < wanted.size(); i++) {
            PortMapping mapping = wanted.get(i);
            for (int j = 0; j < i; j++) {
                if (mapping.conflictsWith(wanted.get(j))) {
                    throw new IllegalStateException("port " + mapping.hostAddressAndPort() + " is published twice ("
                            + wanted.get(j) + ", " + mapping + ")");
                }
            }
            for (PortMapping other : taken) {
                if (mapping.conflictsWith(other)) {
                    throw new IllegalStateException("port " + mapping.hostAddressAndPort()
                            + " is already published by another container (" + other + ")");
                }
            }
        }
    }

    /** "127.0.0.1:8080/tcp", "0.0.0.0:8080/tcp". */
    public String hostAddressAndPort() {
        return (hostIp == null ? "0.0.0.0" : hostIp) + ":" + hostPort + "/" + protocol;
    }

    /** The canonical spec: "8080:80/tcp", "127.0.0.1:8081:80/udp"; parse(toString()) equals this. */
    @Override
    public String toString() {
        return (hostIp == null ? "" : hostIp + ":") + hostPort + ":" + containerPort + "/" + protocol;
    }
}
