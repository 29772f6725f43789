package io.karakuri.image.registry;

import io.karakuri.image.oci.Platform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How a {@link RegistryClient} reaches registries. {@link #defaults()} is what karakuri uses; tests point the
 * paths elsewhere.
 *
 * @param authFile         karakuri's credentials ({@code /etc/karakuri/auth.json}); null: none
 * @param dockerConfig     Docker's ({@code ~/.docker/config.json}); null: not read
 * @param certsDir         per-registry CAs, {@code <certsDir>/<host:port>/*.crt}, and client certificates,
 *                         {@code *.cert} with {@code *.key} ({@code /etc/karakuri/certs.d}, Docker's layout)
 * @param insecure         registries ({@code host:port}) that may be reached over plain HTTP, or over HTTPS
 *                         without checking the certificate
 * @param loopbackInsecure whether localhost, 127.0.0.0/8 and ::1 are insecure without being listed (Docker's
 *                         rule; true by default)
 * @param platform         the platform chosen from an index when the caller names none
 * @param monolithicLimit  blobs up to this size are uploaded in one PUT (held in memory while sent)
 * @param chunkSize        larger blobs go in PATCH chunks of this size
 * @param pageSize         the {@code n} asked for in catalog and tag listings; 0: the registry's default
 * @param timeout          connecting, and waiting for any one answer or piece of a blob
 */
public record RegistryOptions(Path authFile, Path dockerConfig, Path certsDir, Set<String> insecure,
        boolean loopbackInsecure, Platform platform, long monolithicLimit, int chunkSize, int pageSize,
        Duration timeout) {

    public RegistryOptions {
        insecure = Set.copyOf(insecure);
        if (chunkSize <= 0 || monolithicLimit < 0) {
            throw new IllegalArgumentException("chunk size and monolithic limit must be positive");
        }
    }

    public static RegistryOptions defaults() {
        String home = System.getProperty("user.home", "/root");
        return new RegistryOptions(Path.of("/etc/karakuri/auth.json"), Path.of(home, ".docker", "config.json"),
                Path.of("/etc/karakuri/certs.d"), Set.of(), true, Platforms.host(), 16L << 20, 8 << 20, 0,
                Duration.ofSeconds(60));
    }

    public RegistryOptions withCredentialFiles(Path newAuthFile, Path newDockerConfig) {
        return new RegistryOptions(newAuthFile, newDockerConfig, certsDir, insecure, loopbackInsecure, platform,
                monolithicLimit, chunkSize, pageSize, timeout);
    }

    public RegistryOptions withCertsDir(Path dir) {
        return new RegistryOptions(authFile, dockerConfig, dir, insecure, loopbackInsecure, platform,
                monolithicLimit, chunkSize, pageSize, timeout);
    }

    public RegistryOptions withInsecure(Set<String> registries, boolean loopback) {
        return new RegistryOptions(authFile, dockerConfig, certsDir, registries, loopback, platform,
                monolithicLimit, chunkSize, pageSize, timeout);
    }

    public RegistryOptions withPlatform(Platform p) {
        return new RegistryOptions(authFile, dockerConfig, certsDir, insecure, loopbackInsecure, p,
                monolithicLimit, chunkSize, pageSize, timeout);
    }

    public RegistryOptions withUploads(long newMonolithicLimit, int newChunkSize) {
        return new RegistryOptions(authFile, dockerConfig, certsDir, insecure, loopbackInsecure, platform,
                newMonolithicLimit, newChunkSize, pageSize, timeout);
    }

    public RegistryOptions withPageSize(int n) {
        return new RegistryOptions(authFile, dockerConfig, certsDir, insecure, loopbackInsecure, platform,
                monolithicLimit, chunkSize, n, timeout);
    }

    public RegistryOptions withTimeout(Duration t) {
        return new RegistryOptions(authFile, dockerConfig, certsDir, insecure, loopbackInsecure, platform,
                monolithicLimit, chunkSize, pageSize, t);
    }

    /** Whether a registry may be reached without a verified certificate. */
    public boolean isInsecure(String registry) {
        if (insecure.contains(registry)) {
            return true;
        }
        if (!loopbackInsecure) {
            return false;
        }
        String host = registry;
        if (host.startsWith("[")) {
            host = host.substring(1, host.indexOf(']') < 0 ? host.length() : host.indexOf(']'));
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.lastIndexOf(':'));
        }
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }
}
