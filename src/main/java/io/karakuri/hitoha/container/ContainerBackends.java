package io.karakuri.hitoha.container;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The real runtime and network, under {@code karakuri.run-dir} (environment KARAKURI_RUN_DIR, default
 * /run/karakuri): monitors' files in containers/, futaba's state in futaba/, network namespaces in netns/.
 * Tests put fakes in their place.
 */
@Singleton
public class ContainerBackends {
    private static final Logger LOG = Logger.getLogger(ContainerBackends.class);

    @ConfigProperty(name = "karakuri.run-dir", defaultValue = "/run/karakuri")
    String runDir;

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
}
