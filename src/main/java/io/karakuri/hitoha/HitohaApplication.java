package io.karakuri.hitoha;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import java.io.IOException;
import java.nio.file.Files;
import org.jboss.logging.Logger;

/** hitoha's life: share the socket the HTTP server has bound, then serve until asked to stop. */
public class HitohaApplication implements QuarkusApplication {
    private static final Logger LOG = Logger.getLogger(HitohaApplication.class);

    @Override
    public int run(String... args) {
        try {
            if (Files.exists(ApiSocket.path())) {
                ApiSocket.share(ApiSocket.path());
            }
        } catch (IOException e) {
            LOG.warnf("cannot set the mode of %s: %s", ApiSocket.path(), e.getMessage());
        }
        Quarkus.waitForExit();
        return 0;
    }
}
