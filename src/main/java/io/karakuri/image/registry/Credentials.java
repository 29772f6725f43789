package io.karakuri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Registry credentials: karakuri's own store (default {@code /etc/karakuri/auth.json}, mode 0600, written by
 * {@link #store} and {@link #remove}) first, then Docker's {@code ~/.docker/config.json}. Both files have
 * Docker's shape, {@code {"auths": {"host:port": {"auth": base64("user:password")}}}}; Docker Hub is the
 * key {@code https://index.docker.io/v1/} there, {@code docker.io} to karakuri's callers. Docker's file
 * may name credential helpers instead, as Docker reads them: {@code credHelpers} (per registry) before
 * {@code credsStore} (all registries) before {@code auths}; a helper is the program
 * {@code docker-credential-NAME} on PATH, asked with {@code get} and the registry's key on its input.
 */
public final class Credentials {
    static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

    /**
     * A user name and password for one registry; or an identity token (an OAuth refresh token, which Docker
     * keeps as "identitytoken" and helpers give with the user "&lt;token&gt;"), which is traded for access tokens
     * at the token server instead.
     */
    public record Basic(String user, String password, String identityToken) {
        public Basic(String user, String password) {
            this(user, password, null);
        }

        public String header() {
            return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Basic[" + user + ", ****" + (identityToken == null ? "" : ", identity token ****") + "]";
        }
    }

    private static final Duration HELPER_TIMEOUT = Duration.ofSeconds(30);

    private final Path karakuriFile;
    private final Path dockerConfig;
    private final List<Path> helperPath;
    private final ObjectMapper json = new ObjectMapper();

    /** Either path may be null: that store is then not used. Credential helpers are looked for on PATH. */
    public Credentials(Path karakuriFile, Path dockerConfig) {
        this(karakuriFile, dockerConfig, searchPath(System.getenv("PATH")));
    }

    Credentials(Path karakuriFile, Path dockerConfig, List<Path> helperPath) {
        this.karakuriFile = karakuriFile;
        this.dockerConfig = dockerConfig;
        this.helperPath = helperPath;
    }

    private static List<Path> searchPath(String path) {
        return path == null ? List.of() : Arrays.stream(path.split(":")).filter(d -> !d.isEmpty()).map(Path::of).toList();
    }

    /** The credentials for a registry domain ({@code docker.io}, {@code host:5000}), if any store has them. */
    public synchronized Optional<Basic> find(String registry) {
        for (Path file : new Path[] {karakuriFile, dockerConfig}) {
            if (file == null) {
                continue;
            }
            JsonNode root = read(file);
            if (file.equals(dockerConfig)) {
                String helper = helperFor(root, registry);
                if (helper != null) {
                    return askHelper(file, helper, keyFor(registry));
                }
            }
            JsonNode auths = root.path("auths");
            for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (normalize(e.getKey()).equals(normalize(registry))) {
                    Optional<Basic> b = decode(file, e.getKey(), e.getValue());
                    if (b.isPresent()) {
                        return b;
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The helper Docker's config names for registry: its credHelpers entry, else its credsStore; null if none. */
    private static String helperFor(JsonNode dockerConfig, String registry) {
        for (Iterator<Map.Entry<String, JsonNode>> it = dockerConfig.path("credHelpers").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (normalize(e.getKey()).equals(normalize(registry)) && !e.getValue().asText("").isEmpty()) {
                return e.getValue().asText();
            }
        }
        String store = dockerConfig.path("credsStore").asText("");
        return store.isEmpty() ? null : store;
    }

    /**
     * Runs {@code docker-credential-helper get} with key on its input: its {"Username", "Secret"} (with the
     * user "&lt;token&gt;", the secret is an identity token), or empty when it has none for key (it says so and
     * exits non-zero, as the helpers do).
     */
    private Optional<Basic> askHelper(Path config, String helper, String key) {
        if (!helper.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new RegistryException(config + ": \"" + helper + "\" is not a credential helper's name");
        }
        String program = "docker-credential-" + helper;
        Path executable = helperPath.stream().map(d -> d.resolve(program)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new RegistryException(config + " names the credential helper " + program
                        + ", which is not on PATH"));
        String out;
        int status;
        try {
            Process p = new ProcessBuilder(executable.toString(), "get").redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                in.write(key.getBytes(StandardCharsets.UTF_8));
            }
            // its answer is a line: it fits the pipe, so waiting first cannot block the helper
            if (!p.waitFor(HELPER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new RegistryException(program + " gave no answer for " + key + " in "
                        + HELPER_TIMEOUT.toSeconds() + " s");
            }
            out = new String(p.getInputStream().readNBytes(1 << 16), StandardCharsets.UTF_8).strip();
            status = p.exitValue();
        } catch (IOException e) {
            throw new RegistryException("cannot run " + executable + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException("interrupted while asking " + program);
        }
        if (status != 0) {
            if (out.toLowerCase(java.util.Locale.ROOT).contains("credentials not found")) {
                return Optional.empty();
            }
            throw new RegistryException(program + " failed for " + key + " (exit " + status + "): " + out);
        }
        JsonNode answer;
        try {
            answer = json.readTree(out);
        } catch (IOException e) {
            throw new RegistryException(program + " answered something that is not JSON for " + key);
        }
        String user = answer.path("Username").asText("");
        String secret = answer.path("Secret").asText("");
        if (user.equals("<token>")) {
            return Optional.of(new Basic("", "", secret));
        }
        return user.isEmpty() ? Optional.empty() : Optional.of(new Basic(user, secret));
    }

    /** Stores credentials in karakuri's file (created 0600, replaced atomically). */
    public synchronized void store(String registry, Basic basic) throws IOException {
        ObjectNode root = read(karakuriFile) instanceof ObjectNode o ? o : json.createObjectNode();
        ObjectNode auths = root.path("auths") instanceof ObjectNode o ? o : root.putObject("auths");
        auths.remove(keyFor(registry));
        auths.putObject(keyFor(registry)).put("auth", Base64.getEncoder()
                .encodeToString((basic.user() + ":" + basic.password()).getBytes(StandardCharsets.UTF_8)));
        write(root);
    }

    /** Removes a registry's entry from karakuri's file; false if it had none. Docker's file is never written. */
    public synchronized boolean remove(String registry) throws IOException {
        if (!(read(karakuriFile) instanceof ObjectNode root) || !(root.path("auths") instanceof ObjectNode auths)) {
            return false;
        }
        boolean removed = false;
        for (Iterator<String> it = auths.fieldNames(); it.hasNext();) {
            if (normalize(it.next()).equals(normalize(registry))) {
                it.remove();
                removed = true;
            }
        }
        if (removed) {
            write(root);
        }
        return removed;
    }

    private static String keyFor(String registry) {
        return registry.equals("docker.io") ? DOCKER_HUB_KEY : registry;
    }

    /** "https://host:5000/v2/" and "host:5000" name the same registry; so do Docker Hub's names. */
    static String normalize(String key) {
        String k = key.trim();
        int scheme = k.indexOf("://");
        if (scheme >= 0) {
            k = k.substring(scheme + 3);
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            k = k.substring(0, slash);
        }
        return switch (k) {
            case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> "docker.io";
            default -> k;
        };
    }

    private Optional<Basic> decode(Path file, String key, JsonNode entry) {
        String identityToken = entry.path("identitytoken").asText("");
        if (!identityToken.isEmpty()) {
            return Optional.of(new Basic(entry.path("username").asText(""), "", identityToken));
        }
        String auth = entry.path("auth").asText("");
        if (auth.isEmpty()) {
            String user = entry.path("username").asText("");
            return user.isEmpty() ? Optional.empty() : Optional.of(new Basic(user, entry.path("password").asText("")));
        }
        String plain;
        try {
            plain = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(file + ": the \"auth\" of \"" + key + "\" is not base64");
        }
        int colon = plain.indexOf(':');
        if (colon < 0) {
            throw new RegistryException(file + ": the \"auth\" of \"" + key + "\" is not user:password");
        }
        return Optional.of(new Basic(plain.substring(0, colon), plain.substring(colon + 1)));
    }

    private JsonNode read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
        } catch (NoSuchFileException e) {
            return json.createObjectNode();
        } catch (IOException e) {
            throw new RegistryException("cannot read credentials from " + file + ": " + e.getMessage());
        }
    }

    private void write(ObjectNode root) throws IOException {
        if (karakuriFile == null) {
            throw new IOException("no credentials file is configured");
        }
        Path dir = karakuriFile.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".auth", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try {
                Files.move(tmp, karakuriFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, karakuriFile, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
