package io.karakuri.hitoha.container;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import io.karakuri.dns.Forwarder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The real runtime and network, under {@code karakuri.run-dir} (environment KARAKURI_RUN_DIR, default
 * /run/karakuri): monitors' files in containers/, futaba's state in futaba/, network namespaces in netns/;
 * the namespaces' name servers, forwarding to {@code karakuri.dns.upstreams} (KARAKURI_DNS_UPSTREAMS,
 * "address[:port],…") or the host's resolvers. Tests put fakes in their place.
 */
@Singleton
public class ContainerBackends {
    private static final Logger LOG = Logger.getLogger(ContainerBackends.class);
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(2);

    @ConfigProperty(name = "karakuri.run-dir", defaultValue = "/run/karakuri")
    String runDir;

    /** Where the name servers send the names they do not know: the host's resolv.conf's servers if not set. */
    @ConfigProperty(name = "karakuri.dns.upstreams")
    Optional<List<String>> dnsUpstreams;

    Path netnsDir() {
        return Path.of(runDir, "netns");
    }

    @Produces
    @Singleton
    @DefaultBean
    ContainerRuntime runtime() {
        return new MonitoredRuntime(Path.of(runDir), LOG::warn);
    }

    @Produces
    @Singleton
    @DefaultBean
    NetworkWiring network() {
        return new HostNetwork(netnsDir());
    }

    @Produces
    @Singleton
    @DefaultBean
    NameService names() {
        List<InetSocketAddress> upstreams = null;
        if (dnsUpstreams.isPresent()) {
            try {
                upstreams = HostNameService.upstreams(dnsUpstreams.get());
            } catch (IllegalArgumentException e) {
                LOG.error(e.getMessage() + "; forwarding to the host's resolvers instead");
            }
        }
        if (upstreams == null) {
            try {
                upstreams = Forwarder.nameservers(Files.readString(HostResolvers.HOST));
            } catch (IOException e) {
                LOG.warn("no name servers to forward to: " + e.getMessage());
                upstreams = List.of();
            }
        }
        return new HostNameService(new Forwarder(upstreams, UPSTREAM_TIMEOUT), HostNameService.PORT, LOG::warn);
    }
}
