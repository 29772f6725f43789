package io.karakuri.hitoha;

import io.karakuri.image.ImageService;
import io.karakuri.image.layer.Trees;
import io.karakuri.image.registry.RegistryClient;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * hitoha's one {@link ImageService}, opened when the daemon starts (so that a store it cannot open stops it
 * at once, and the garbage a crash left is swept before any request) and closed when it stops.
 *
 * <p>Its root is {@code karakuri.root} (environment KARAKURI_ROOT), /var/lib/karakuri by default. With
 * {@code karakuri.root.temporary=true} (the test profile) it is a fresh directory under the temporary
 * directory, deleted at shutdown.
 */
@Singleton
@Startup
public class ImageEngine {
    private static final Logger LOG = Logger.getLogger(ImageEngine.class);

    @ConfigProperty(name = "karakuri.root", defaultValue = "/var/lib/karakuri")
    String root;

    @ConfigProperty(name = "karakuri.root.temporary", defaultValue = "false")
    boolean temporary;

    @Inject
    RegistryClient registry;

    private Path rootPath;
    private ImageService service;

    @PostConstruct
    void open() {
        try {
            rootPath = temporary ? Files.createTempDirectory("karakuri-root") : Path.of(root);
            Files.createDirectories(rootPath);
            service = ImageService.open(rootPath, registry);
            LOG.infof("images: store at %s", rootPath);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the image store at " + rootPath + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the image store at " + rootPath + ": " + e.getMessage(), e);
        }
    }

    public ImageService service() {
        return service;
    }

    public Path root() {
        return rootPath;
    }

    @PreDestroy
    void close() {
        if (service != null) {
            service.close();
        }
        if (temporary && rootPath != null) {
            try {
                Trees.removeAll(rootPath);
            } catch (IOException e) {
                LOG.warnf("cannot delete the temporary image store %s: %s", rootPath, e.getMessage());
            }
        }
    }
}
