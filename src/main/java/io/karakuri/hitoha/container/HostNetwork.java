package io.karakuri.hitoha.container;

import io.karakuri.net.ContainerNetwork;
import io.karakuri.net.PortMapping;
import io.karakuri.net.PublishedPort;
import io.karakuri.net.Subnet;
import java.nio.file.Path;
import java.util.List;

/** The host's network through io.karakuri.net: rtnetlink for links, nftables (or iptables) for rules. */
final class HostNetwork implements NetworkWiring {
    private final ContainerNetwork net;
    private final Path netnsDir;

    HostNetwork(Path netnsDir) {
        this.netnsDir = netnsDir;
        this.net = ContainerNetwork.host(netnsDir);
    }

    @Override
    public synchronized void apply(List<Subnet> subnets, List<PublishedPort> ports) {
        if (subnets.isEmpty()) {
            net.removeRules();
            return;
        }
        for (Subnet s : subnets) {
            net.ensureBridge(s.bridge(), s.gatewayCidr());
        }
        net.applyRules(subnets, ports);
    }

    @Override
    public void removeBridge(Subnet subnet) {
        net.deleteBridge(subnet.bridge());
    }

    @Override
    public void checkFree(PortMapping port) {
        net.checkPorts(List.of(port), List.of());
    }

    @Override
    public Path connect(String id, Subnet subnet, String address) {
        disconnect(id); // what a crash left
        Path netns = net.createNamespace(id);
        try {
            net.connect(netns, subnet.bridge(), ContainerNetwork.hostIfName(id), address + "/"
                    + subnet.cidr().substring(subnet.cidr().indexOf('/') + 1), subnet.gateway());
            return netns;
        } catch (RuntimeException e) {
            disconnect(id);
            throw e;
        }
    }

    @Override
    public void disconnect(String id) {
        Path netns = netnsDir.resolve(id);
        net.disconnect(ContainerNetwork.hostIfName(id), netns);
        net.removeNamespace(netns);
    }
}
