package io.karakuri.hitoha.container;

import io.karakuri.net.PortMapping;
import io.karakuri.net.PublishedPort;
import io.karakuri.net.Subnet;
import java.nio.file.Path;
import java.util.List;

/**
 * What the engine needs of the host's network: a bridge per namespace with NAT, a network namespace per
 * container wired to it, and the published ports. The real one is {@link HostNetwork}.
 */
interface NetworkWiring {

    /**
     * Makes (or finds) the bridge of every subnet, and replaces karakuri's rules by those for subnets and
     * ports; with no subnets, karakuri's rules are removed (its table goes).
     */
    void apply(List<Subnet> subnets, List<PublishedPort> ports);

    /** Removes the bridge of subnet (its namespace is gone), if there. */
    void removeBridge(Subnet subnet);

    /** Refuses (IllegalStateException) a host port something on the host listens on. */
    void checkFree(PortMapping port);

    /** Makes the container's network namespace and wires it to subnet's bridge with address. */
    Path connect(String id, Subnet subnet, String address);

    /** Removes the container's veth and network namespace, if there. */
    void disconnect(String id);
}
