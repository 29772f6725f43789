package io.karakuri.hitoha;

import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryConnection;
import io.karakuri.image.registry.RegistryOptions;
import io.karakuri.state.Database;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * hitoha's registries: the one {@link RegistryClient} every request shares (regctl now, pull and push
 * later), on Quarkus's Vert.x, and the connected registry kept in the state database.
 *
 * <p>Configuration: {@code karakuri.config-dir} (/etc/karakuri) holds {@code auth.json} (written by login) and
 * {@code certs.d/<host:port>/*.crt}; {@code karakuri.insecure-registries} lists registries reached over plain
 * HTTP or unverified HTTPS; {@code karakuri.insecure-loopback} (true, Docker's rule) whether 127.0.0.0/8,
 * localhost and ::1 are too; the database is {@code ${karakuri.root}/karakuri.db} (/var/lib/karakuri),
 * opened at the first request that needs it. Environment: KARAKURI_CONFIG_DIR, KARAKURI_INSECURE_REGISTRIES
 * (comma-separated), KARAKURI_INSECURE_LOOPBACK, KARAKURI_ROOT.
 */
@ApplicationScoped
public class Registries {
    private static final Logger LOG = Logger.getLogger(Registries.class);

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "karakuri.root", defaultValue = "/var/lib/karakuri")
    String root;

    @ConfigProperty(name = "karakuri.config-dir", defaultValue = "/etc/karakuri")
    String configDir;

    @ConfigProperty(name = "karakuri.insecure-registries")
    Optional<List<String>> insecureRegistries;

    @ConfigProperty(name = "karakuri.insecure-loopback", defaultValue = "true")
    boolean insecureLoopback;

    private Database db;
    private RegistryConnection connection;

    /** The options the daemon's client runs with. */
    public RegistryOptions options() {
        Path config = Path.of(configDir);
        RegistryOptions defaults = RegistryOptions.defaults();
        return defaults.withCredentialFiles(config.resolve("auth.json"), defaults.dockerConfig())
                .withCertsDir(config.resolve("certs.d"))
                .withInsecure(new HashSet<>(insecureRegistries.orElse(List.of())), insecureLoopback);
    }

    @Produces
    @ApplicationScoped
    RegistryClient client() {
        RegistryOptions o = options();
        LOG.debugf("registry client: credentials %s, CAs %s, insecure %s", o.authFile(), o.certsDir(), o.insecure());
        return new RegistryClient(vertx, o);
    }

    void close(@Disposes RegistryClient client) {
        client.close();
    }

    /** The connected registry's record, opening the state database the first time. */
    public synchronized RegistryConnection connection() throws SQLException {
        if (connection == null) {
            Path file = Path.of(root).resolve("karakuri.db");
            Database opened = Database.open(file);
            try {
                connection = new RegistryConnection(opened);
            } catch (SQLException | RuntimeException e) {
                opened.close();
                throw e;
            }
            db = opened;
        }
        return connection;
    }

    @PreDestroy
    synchronized void closeDatabase() {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                LOG.warnf("cannot close the state database: %s", e.getMessage());
            }
            db = null;
            connection = null;
        }
    }
}
