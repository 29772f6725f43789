package io.karakuri.hitoha.container;

import io.karakuri.net.PortMapping;
import io.karakuri.net.PublishedPort;
import io.karakuri.net.Subnet;
import io.quarkus.test.Mock;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The network for the API tests: records what would be wired; host ports in busy count as taken. */
@Mock
@Singleton
public class FakeNetwork implements NetworkWiring {
    final Set<String> connected = ConcurrentHashMap.newKeySet();
    final Set<Integer> busy = ConcurrentHashMap.newKeySet();
    final Set<String> bridges = ConcurrentHashMap.newKeySet();
    volatile List<PublishedPort> forwards = List.of();

    @Override
    public void apply(List<Subnet> subnets, List<PublishedPort> ports) {
        subnets.forEach(s -> bridges.add(s.bridge()));
        this.forwards = List.copyOf(ports);
    }

    @Override
    public void removeBridge(Subnet subnet) {
        bridges.remove(subnet.bridge());
    }

    @Override
    public void checkFree(PortMapping port) {
        if (busy.contains(port.hostPort())) {
            throw new IllegalStateException("port " + port.hostPort() + " is in use on the host");
        }
    }

    @Override
    public Path connect(String id, Subnet subnet, String address) {
        connected.add(id);
        return Path.of("/run/karakuri/netns", id);
    }

    @Override
    public void disconnect(String id) {
        connected.remove(id);
    }
}
