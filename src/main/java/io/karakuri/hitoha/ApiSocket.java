package io.karakuri.hitoha;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * hitoha's Unix socket before and after the HTTP server binds it: its directory made, a socket left by a
 * hitoha that was killed removed (one that answers means a hitoha runs: refused), and once bound, mode
 * 0660 and group {@code karakuri} (made by install.sh), so that the group's members use karakuri without
 * root. The socket's path is quarkus.http.domain-socket (environment QUARKUS_HTTP_DOMAIN_SOCKET).
 */
final class ApiSocket {
    static final Path DEFAULT = Path.of("/run/karakuri/hitoha.sock");
    static final String GROUP = "karakuri";

    private ApiSocket() {
    }

    static Path path() {
        String configured = System.getProperty("quarkus.http.domain-socket", System.getenv("QUARKUS_HTTP_DOMAIN_SOCKET"));
        return configured == null || configured.isEmpty() ? DEFAULT : Path.of(configured);
    }

    /** Gets the path ready to bind; an IllegalStateException when another hitoha serves it. */
    static void prepare(Path socket) throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (!Files.exists(socket)) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(socket));
            throw new IllegalStateException("another hitoha serves " + socket + " already");
        } catch (IOException stale) {
            Files.deleteIfExists(socket);
        }
    }

    /** Mode 0660, group karakuri if the host has it. */
    static void share(Path socket) throws IOException {
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        try {
            GroupPrincipal group = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(GROUP);
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
        } catch (UserPrincipalNotFoundException e) {
            // root alone, then
        }
    }
}
