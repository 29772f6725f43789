package io.karakuri.hitoha.container;

import io.karakuri.hitoha.ImageEngine;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import org.jboss.logging.Logger;

/**
 * hitoha's one {@link ContainerEngine}, opened at start over the image store's database: it recovers the
 * containers that ran on while hitoha was away, and its watch (the scheduler, every second) records
 * exits and runs restart policies.
 */
@Singleton
@Startup
public class Containers {
    private static final Logger LOG = Logger.getLogger(Containers.class);

    @Inject
    ImageEngine images;

    @Inject
    ContainerRuntime runtime;

    @Inject
    NetworkWiring network;

    @Inject
    NameService names;

    @Inject
    ContainerBackends backends;

    private ContainerEngine engine;

    @PostConstruct
    void open() {
        try {
            ContainerStore store = new ContainerStore(images.service().database());
            engine = new ContainerEngine(images.service(), store, new NamespaceStore(store.database()), runtime,
                    network, names, images.root(), backends.netnsDir(), LOG::info);
            engine.recover();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the containers: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the containers: " + e.getMessage(), e);
        }
    }

    @PreDestroy
    void close() {
        names.close();
    }

    public ContainerEngine engine() {
        return engine;
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void watch() {
        if (engine != null) {
            engine.poll();
        }
    }
}
