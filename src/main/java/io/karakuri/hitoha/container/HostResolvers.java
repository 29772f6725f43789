package io.karakuri.hitoha.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's /etc/resolv.conf: the host's, without name servers on loopback addresses (which would be the
 * container's own loopback), as Docker does; systemd-resolved's upstream file when the host's names only
 * its stub. (hitoha's own DNS server for container names comes with namespaces.)
 */
final class HostResolvers {
    private static final List<Path> SOURCES = List.of(Path.of("/etc/resolv.conf"),
            Path.of("/run/systemd/resolve/resolv.conf"));

    private HostResolvers() {
    }

    static String resolvConf() {
        for (Path source : SOURCES) {
            try {
                String usable = usable(Files.readString(source));
                if (usable.contains("nameserver")) {
                    return usable;
                }
            } catch (IOException e) {
                // the next
            }
        }
        return "# the host has no name server a container can reach\n";
    }

    static String usable(String resolvConf) {
        List<String> lines = new ArrayList<>();
        for (String line : resolvConf.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("nameserver") && (f[1].startsWith("127.") || f[1].equals("::1"))) {
                continue;
            }
            lines.add(line);
        }
        return String.join("\n", lines) + "\n";
    }
}
