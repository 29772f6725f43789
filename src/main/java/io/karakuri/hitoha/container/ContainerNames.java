package io.karakuri.hitoha.container;

import io.karakuri.dns.Zone;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each namespace's name server answers, rebuilt from the running containers at every change of a
 * record, so a name appears the moment its container starts and goes when it stops. In namespace ns a
 * container is found as NAME, NAME.ns.karakuri.container, and by its id the same two ways; containers of
 * system-mod (modules) as NAME.system-mod.karakuri.container from every namespace. The server is
 * authoritative for karakuri.container and for the reverse zone of 10.157.0.0/16: a name there that is not
 * a container's is an NXDOMAIN, not a question for the host's resolvers.
 */
final class ContainerNames {
    static final String DOMAIN = "karakuri.container";
    private static final List<String> AUTHORITATIVE = List.of(DOMAIN, "157.10.in-addr.arpa");

    /** The zones of the namespaces with running containers; the others see the modules only. */
    private record Snapshot(Map<String, Zone> zones, Zone modulesOnly) {
    }

    private volatile Snapshot snapshot = new Snapshot(Map.of(), new Zone(Map.of(), AUTHORITATIVE));

    /** The zone namespace ns's server answers from now. */
    Zone zone(String ns) {
        Snapshot s = snapshot;
        return s.zones().getOrDefault(ns, s.modulesOnly());
    }

    synchronized void update(List<ContainerStore.Address> running) {
        Map<String, Map<String, Inet4Address>> byNamespace = new HashMap<>();
        Map<String, Inet4Address> modules = new HashMap<>();
        for (ContainerStore.Address c : running) {
            Inet4Address address = parse(c.address());
            Map<String, Inet4Address> names = byNamespace.computeIfAbsent(c.ns(), k -> new HashMap<>());
            for (String label : List.of(c.name(), c.id())) {
                String name = label.toLowerCase(Locale.ROOT);
                names.put(name, address);
                names.put(name + "." + c.ns() + "." + DOMAIN, address);
            }
            if (c.ns().equals(NamespaceStore.SYSTEM_MOD)) {
                modules.put(c.name().toLowerCase(Locale.ROOT) + "." + c.ns() + "." + DOMAIN, address);
            }
        }
        Map<String, Zone> next = new HashMap<>();
        for (Map.Entry<String, Map<String, Inet4Address>> e : byNamespace.entrySet()) {
            Map<String, Inet4Address> names = new HashMap<>(modules);
            names.putAll(e.getValue());
            next.put(e.getKey(), new Zone(Map.copyOf(names), AUTHORITATIVE));
        }
        snapshot = new Snapshot(Map.copyOf(next), new Zone(Map.copyOf(modules), AUTHORITATIVE));
    }

    private static Inet4Address parse(String address) {
        try {
            return (Inet4Address) InetAddress.getByName(address); // a literal: no lookup
        } catch (UnknownHostException | ClassCastException e) {
            throw new IllegalStateException("a container's address is not IPv4: " + address, e);
        }
    }
}
