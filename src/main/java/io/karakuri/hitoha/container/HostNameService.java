package io.karakuri.hitoha.container;

import io.karakuri.dns.DnsServer;
import io.karakuri.dns.Forwarder;
import io.karakuri.dns.Zone;
import io.karakuri.net.Subnet;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * hitoha's name servers ({@link DnsServer}), one per namespace network on its gateway's port 53. Each answers
 * only its own network's containers and the host (whose address on the bridge is the gateway, or a loopback
 * one): a container of another namespace asking there is refused, so names do not cross namespaces either.
 */
final class HostNameService implements NameService {
    static final int PORT = 53;

    private record Running(Subnet subnet, DnsServer server) {
    }

    private final Forwarder forwarder;
    private final int port;
    private final Consumer<String> log;
    private final Map<String, Running> servers = new HashMap<>();

    HostNameService(Forwarder forwarder, int port, Consumer<String> log) {
        this.forwarder = forwarder;
        this.port = port;
        this.log = log;
    }

    @Override
    public synchronized void serve(Map<String, Subnet> networks, Function<String, Zone> zones) {
        for (String ns : List.copyOf(servers.keySet())) {
            if (!servers.get(ns).subnet().equals(networks.get(ns))) {
                servers.remove(ns).server().close();
            }
        }
        networks.forEach((ns, subnet) -> {
            if (!servers.containsKey(ns)) {
                try {
                    InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(subnet.gateway()), port);
                    DnsServer server = DnsServer.start(bind, () -> zones.apply(ns),
                            client -> subnet.contains(client.getHostAddress()) || client.isLoopbackAddress(),
                            forwarder);
                    servers.put(ns, new Running(subnet, server));
                } catch (IOException e) {
                    log.accept("namespace " + ns + ": no name server on " + subnet.gateway() + ":" + port + ": "
                            + e.getMessage());
                }
            }
        });
    }

    @Override
    public synchronized void close() {
        servers.values().forEach(r -> r.server().close());
        servers.clear();
    }

    /** host:port pairs ("127.0.0.1:5353", "[::1]:53", a bare address means port 53). */
    static List<InetSocketAddress> upstreams(List<String> specs) {
        return specs.stream().map(HostNameService::upstream).toList();
    }

    private static InetSocketAddress upstream(String spec) {
        try {
            String host = spec;
            int port = PORT;
            int colon = spec.lastIndexOf(':');
            if (spec.startsWith("[")) { // [v6] or [v6]:port
                int end = spec.indexOf(']');
                host = spec.substring(1, end);
                port = end + 1 < spec.length() ? Integer.parseInt(spec.substring(end + 2)) : PORT;
            } else if (colon > 0 && spec.indexOf(':') == colon) { // v4:port (a bare v6 has several colons)
                host = spec.substring(0, colon);
                port = Integer.parseInt(spec.substring(colon + 1));
            }
            return new InetSocketAddress(InetAddress.ofLiteral(host), port);
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("karakuri.dns.upstreams: \"" + spec + "\" is not an address[:port]");
        }
    }
}
