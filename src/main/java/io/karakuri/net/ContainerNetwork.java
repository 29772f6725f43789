package io.karakuri.net;

import io.karakuri.linux.Errno;
import io.karakuri.linux.FileSyscalls;
import io.karakuri.linux.LinuxException;
import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.Native;
import io.karakuri.linux.NetNamespaces;
import io.karakuri.linux.Sys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the daemon calls to network its containers: bridges, network namespaces, veth pairs, the
 * nftables table and the checks of published ports. Everything is done in the "host" network
 * namespace, the JVM's own in production ({@link #host()}); tests give another one so that they never
 * touch the machine's network.
 */
public final class ContainerNetwork {
    /** Where the containers' named network namespaces live. */
    public static final Path NETNS_DIR = Path.of("/run/karakuri/netns");
    /** The name of the container's end of its veth pair. */
    public static final String CONTAINER_IF = "eth0";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;

    private final Path hostNetns;
    private final Path netnsDir;
    private final PacketFilter filter;

    /**
     * hostNetns: the network namespace that plays the host (null: the JVM's own); netnsDir: where
     * createNamespace makes its files; nftables: how to run nft (in that same namespace); table: the
     * name of karakuri's inet table.
     */
    public ContainerNetwork(Path hostNetns, Path netnsDir, Nftables nftables, String table) {
        this(hostNetns, netnsDir, PacketFilter.nftables(nftables, table));
    }

    /** As above, with the rules in filter (nftables or iptables). */
    public ContainerNetwork(Path hostNetns, Path netnsDir, PacketFilter filter) {
        this.hostNetns = hostNetns;
        this.netnsDir = netnsDir;
        this.filter = filter;
    }

    /**
     * The production set-up: the JVM's network namespace, /run/karakuri/netns, and the rules in table
     * inet karakuri (or, where nft does not work, iptables chains KARAKURI-*).
     */
    public static ContainerNetwork host() {
        return host(NETNS_DIR);
    }

    /** The same, with the named network namespaces under netnsDir. */
    public static ContainerNetwork host(Path netnsDir) {
        return new ContainerNetwork(null, netnsDir, PacketFilter.system());
    }

    /** The host end's name for a container: "kr" + the first 12 characters of its (hex) id; 14 characters. */
    public static String hostIfName(String containerId) {
        if (containerId == null || containerId.length() < 12 || !containerId.substring(0, 12).matches("[0-9a-f]{12}")) {
            throw new IllegalArgumentException("not a container id (12+ hex digits): '" + containerId + "'");
        }
        return "kr" + containerId.substring(0, 12);
    }

    private Rtnetlink hostNetlink() {
        if (hostNetns == null) {
            return Rtnetlink.open();
        }
        int fd = NetNamespaces.open(hostNetns);
        try {
            return Rtnetlink.openIn(fd, "netns " + hostNetns);
        } finally {
            LinuxSyscalls.INSTANCE.close(fd);
        }
    }

    // ---- bridge and host settings

    /**
     * Makes the bridge if it is absent, gives it gatewayCidr (as "10.157.2.1/24") and brings it up;
     * turns on IPv4 forwarding and route_localnet on the bridge (published ports from 127.0.0.1).
     * Idempotent. A link of that name that is no bridge is refused.
     */
    public void ensureBridge(String bridge, String gatewayCidr) {
        Ipv4 gateway = Ipv4.parse(gatewayCidr);
        if (gateway.prefix() == 32 || gateway.bits() == gateway.network().bits()) {
            throw new IllegalArgumentException("the gateway needs a host address and a prefix, as 10.157.2.1/24: "
                    + gatewayCidr);
        }
        try (Rtnetlink rt = hostNetlink()) {
            Optional<Rtnetlink.Link> link = rt.link(bridge);
            if (link.isEmpty()) {
                try {
                    rt.createBridge(bridge);
                } catch (LinuxException e) {
                    if (e.errno() != Errno.EEXIST) { // made meanwhile
                        throw e;
                    }
                }
                link = rt.link(bridge);
            }
            Rtnetlink.Link br = link.orElseThrow(() -> new IllegalStateException("bridge " + bridge + " vanished"));
            if (!"bridge".equals(br.kind())) {
                throw new IllegalStateException("the link " + bridge + " exists and is not a bridge (" + br.kind() + ")");
            }
            rt.addAddress(br.index(), gateway);
            rt.setUp(br.index());
        }
        writeSysctl("/proc/sys/net/ipv4/ip_forward", "1");
        writeSysctl("/proc/sys/net/ipv4/conf/" + bridge + "/route_localnet", "1");
    }

    /**
     * The host ends of container veths that exist ("kr" + 12 hex digits), for removing those of
     * containers that are gone (after a crash) with disconnect.
     */
    public List<String> hostVeths() {
        try (Rtnetlink rt = hostNetlink()) {
            return rt.links().stream().filter(l -> "veth".equals(l.kind()) && l.name() != null
                    && l.name().matches("kr[0-9a-f]{12}")).map(Rtnetlink.Link::name).sorted().toList();
        }
    }

    /** Deletes a bridge (its ports are released, not deleted); false if there was none. */
    public boolean deleteBridge(String bridge) {
        try (Rtnetlink rt = hostNetlink()) {
            return rt.deleteLink(bridge);
        }
    }

    /** Writes a sysctl file of the host namespace. */
    void writeSysctl(String path, String value) {
        byte[] data = value.getBytes(StandardCharsets.US_ASCII);
        if (hostNetns == null) {
            try {
                Files.write(Path.of(path), data);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot set " + path + " to " + value + ": " + e.getMessage(), e);
            }
            return;
        }
        int nsFd = NetNamespaces.open(hostNetns);
        int fd;
        try {
            fd = NetNamespaces.openIn(nsFd, path, FileSyscalls.O_WRONLY);
        } finally {
            LinuxSyscalls.INSTANCE.close(nsFd);
        }
        try {
            LinuxSyscalls.INSTANCE.write(fd, data);
        } finally {
            LinuxSyscalls.INSTANCE.close(fd);
        }
    }

    // ---- network namespaces

    /** Creates the named network namespace netnsDir/id (a bind mount, as `ip netns add`) and returns its path. */
    public Path createNamespace(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not a valid namespace id: '" + id + "'");
        }
        Path file = netnsDir.resolve(id);
        if (Files.exists(file)) {
            throw new IllegalStateException("the network namespace " + file + " exists already");
        }
        NetNamespaces.create(file);
        return file;
    }

    /** Unmounts and deletes a namespace made by createNamespace; nothing if it is gone. */
    public void removeNamespace(Path netns) {
        NetNamespaces.remove(netns);
    }

    // ---- containers

    /**
     * Connects the network namespace netns to bridge: a veth pair whose host end hostIfName (at most 15
     * characters) is on the bridge (in hairpin mode, so that the container reaches its own published
     * ports) and up, and whose other end is eth0 in netns with addressCidr (as
     * "10.157.2.5/24"), up together with lo, and the default route via gateway. On failure nothing is left.
     */
    public void connect(Path netns, String bridge, String hostIfName, String addressCidr, String gateway) {
        Rtnetlink.checkName(hostIfName);
        Ipv4 address = Ipv4.parse(addressCidr);
        Ipv4 via = Ipv4.parse(gateway);
        if (address.prefix() == 32 && addressCidr.indexOf('/') < 0) {
            throw new IllegalArgumentException("the container address needs its prefix, as 10.157.2.5/24: " + addressCidr);
        }
        if (!address.contains(via)) {
            throw new IllegalArgumentException("the gateway " + gateway + " is not in " + address.network());
        }
        int nsFd = NetNamespaces.open(netns);
        try (Rtnetlink rt = hostNetlink()) {
            Rtnetlink.Link br = rt.link(bridge).orElseThrow(() -> new IllegalStateException("no bridge " + bridge));
            if (!"bridge".equals(br.kind())) {
                throw new IllegalStateException("the link " + bridge + " is not a bridge");
            }
            try {
                rt.createVeth(hostIfName, br.index(), CONTAINER_IF, nsFd, macOf(address));
            } catch (LinuxException e) {
                if (e.errno() == Errno.EEXIST) {
                    throw new IllegalStateException("cannot connect " + netns + ": " + hostIfName + " or its "
                            + CONTAINER_IF + " exists already", e);
                }
                throw e;
            }
            try {
                Rtnetlink.Link host = rt.link(hostIfName).orElseThrow(
                        () -> new IllegalStateException("the new link " + hostIfName + " vanished"));
                rt.setHairpin(host.index(), true);
                rt.setUp(host.index());
                try (Rtnetlink inside = Rtnetlink.openIn(nsFd, "netns " + netns)) {
                    Rtnetlink.Link eth = inside.link(CONTAINER_IF).orElseThrow(
                            () -> new IllegalStateException(CONTAINER_IF + " did not appear in " + netns));
                    inside.link("lo").ifPresent(lo -> inside.setUp(lo.index()));
                    inside.addAddress(eth.index(), address);
                    inside.setUp(eth.index());
                    inside.setDefaultRoute(via, eth.index());
                }
            } catch (RuntimeException e) {
                try {
                    rt.deleteLink(hostIfName);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        } finally {
            LinuxSyscalls.INSTANCE.close(nsFd);
        }
    }

    /**
     * The MAC address of the container end for address: 02:6b (locally administered, "k") and the four
     * bytes of the address, as Docker derives its own (02:42:…). A container that starts again with the
     * same address then has the same MAC, so its neighbours' ARP caches stay right; with a new random one
     * they would send to the old one until their entry went stale (seconds to minutes).
     */
    static byte[] macOf(Ipv4 address) {
        int a = address.bits();
        return new byte[] {0x02, 0x6b, (byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
    }

    /**
     * Removes a container's veth pair: its host end hostIfName, or, if that is gone, eth0 in netns
     * (null or a missing file: skipped). Idempotent. The namespace itself stays (removeNamespace).
     */
    public void disconnect(String hostIfName, Path netns) {
        try (Rtnetlink rt = hostNetlink()) {
            if (rt.deleteLink(hostIfName)) {
                return;
            }
        }
        if (netns != null && Files.exists(netns)) {
            int nsFd = NetNamespaces.open(netns);
            try (Rtnetlink inside = Rtnetlink.openIn(nsFd, "netns " + netns)) {
                inside.deleteLink(CONTAINER_IF);
            } finally {
                LinuxSyscalls.INSTANCE.close(nsFd);
            }
        }
    }

    // ---- packet filter

    /**
     * Replaces karakuri's rules (the nftables table, in one atomic transaction) with those for these
     * subnets (every namespace's) and ports (every running container's).
     */
    public void applyRules(List<Subnet> subnets, List<PublishedPort> ports) {
        filter.apply(subnets, ports);
    }

    /** Removes karakuri's rules (nothing if there are none). */
    public void removeRules() {
        filter.remove();
    }

    // ---- published ports

    /**
     * Refuses (IllegalStateException, with the reason) port mappings that would take a host port twice,
     * one that another container publishes (taken), or one that a program on the host has bound.
     */
    public void checkPorts(List<PortMapping> wanted, Collection<PortMapping> taken) {
        PortMapping.checkConflicts(wanted, taken);
        for (PortMapping mapping : wanted) {
            checkNotBound(mapping);
        }
    }

    /** Binds a socket of the mapping's protocol to its host address and port, to see if it is free. */
    void checkNotBound(PortMapping mapping) {
        int type = "udp".equals(mapping.protocol()) ? SOCK_DGRAM : SOCK_STREAM;
        int fd;
        if (hostNetns == null) {
            long r = Native.syscall(Sys.SOCKET, AF_INET, type | 0x80000, 0, 0, 0, 0);
            if (r < 0) {
                throw new LinuxException("socket", null, (int) -r);
            }
            fd = (int) r;
        } else {
            int nsFd = NetNamespaces.open(hostNetns);
            try {
                fd = NetNamespaces.socketIn(nsFd, AF_INET, type, 0);
            } finally {
                LinuxSyscalls.INSTANCE.close(nsFd);
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sa = arena.allocate(16, 4); // struct sockaddr_in
            sa.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
            sa.set(ValueLayout.JAVA_BYTE, 2, (byte) (mapping.hostPort() >>> 8));
            sa.set(ValueLayout.JAVA_BYTE, 3, (byte) mapping.hostPort());
            byte[] ip = mapping.hostIp() == null ? new byte[4] : Ipv4.parse(mapping.hostIp()).bytes();
            MemorySegment.copy(ip, 0, sa, ValueLayout.JAVA_BYTE, 4, 4);
            long r = Native.syscall(Sys.BIND, fd, sa.address(), 16, 0, 0, 0);
            if (r == -Errno.EADDRINUSE) {
                throw new IllegalStateException("port " + mapping.hostAddressAndPort()
                        + " is already in use on the host");
            }
            if (r == -Errno.EADDRNOTAVAIL) {
                throw new IllegalStateException("cannot publish " + mapping + ": " + mapping.hostIp()
                        + " is not an address of this host");
            }
            if (r < 0) {
                throw new LinuxException("bind", mapping.hostAddressAndPort(), (int) -r);
            }
        } finally {
            LinuxSyscalls.INSTANCE.close(fd);
        }
    }
}
