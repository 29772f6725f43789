package io.karakuri.hitoha;

import io.karakuri.Version;
import io.quarkus.runtime.Quarkus;
import java.io.IOException;
import java.util.List;

/** The hitoha role: the only one that boots Quarkus. */
public final class HitohaMain {
    private HitohaMain() {
    }

    public static int run(List<String> argv) {
        if (argv.contains("--help") || argv.contains("-h")) {
            System.out.println("""
                    Usage: hitoha

                    Runs the karakuri daemon in the foreground: the REST API on the Unix socket
                    /run/karakuri/hitoha.sock (quarkus.http.domain-socket to change it).

                    Options:
                      --version  print the version
                      --help     print this help""");
            return 0;
        }
        if (argv.contains("--version") || argv.contains("-v")) {
            System.out.println("hitoha version " + Version.VERSION);
            return 0;
        }
        if (!argv.isEmpty()) {
            System.err.println("hitoha: unknown argument \"" + argv.getFirst() + "\"\nRun 'hitoha --help' for usage.");
            return 1;
        }
        try {
            ApiSocket.prepare(ApiSocket.path());
        } catch (IOException | IllegalStateException e) {
            System.err.println("hitoha: " + e.getMessage());
            return 1;
        }
        Quarkus.run(HitohaApplication.class, argv.toArray(String[]::new));
        return 0;
    }
}
