package io.karakuri.hitoha.container;

import io.karakuri.dns.Zone;
import io.karakuri.net.Subnet;
import java.util.Map;
import java.util.function.Function;

/**
 * The name servers of the namespaces: one on each bridge's gateway address (port 53, UDP and TCP), which is
 * the name server in the containers' /etc/resolv.conf. The real one is {@link HostNameService}.
 */
interface NameService extends AutoCloseable {

    /**
     * Serves each of networks (namespace → its network) with zones.apply(namespace) as the names it answers
     * (asked at each query); stops serving the namespaces no longer there. A server that cannot start is
     * reported, not thrown: containers run without names rather than not at all.
     */
    void serve(Map<String, Subnet> networks, Function<String, Zone> zones);

    /** Stops every server. */
    @Override
    void close();
}
