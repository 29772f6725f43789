package io.karakuri.hitoha.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's /etc/resolv.conf: its namespace's name server (hitoha, on the bridge's gateway), which
 * answers container names and forwards the rest to the host's resolvers; the host's search domains and
 * options kept, as Docker keeps them.
 */
final class HostResolvers {
    static final Path HOST = Path.of("/etc/resolv.conf");

    private HostResolvers() {
    }

    static String resolvConf(String nameserver) {
        String host;
        try {
            host = Files.readString(HOST);
        } catch (IOException e) {
            host = "";
        }
        return resolvConf(nameserver, host);
    }

    static String resolvConf(String nameserver, String host) {
        List<String> lines = new ArrayList<>();
        lines.add("nameserver " + nameserver);
        for (String line : host.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f[0].equals("search") || f[0].equals("domain") || f[0].equals("options")) {
                lines.add(line.trim());
            }
        }
        return String.join("\n", lines) + "\n";
    }
}
