package io.karakuri.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.Reference;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.registry.Platforms;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * What the Registry*IT share: Debian's docker-registry (distribution 2.8) on a free port of 127.0.0.1 with
 * its storage in a temporary directory, certificates made with openssl, and a small busybox-static image
 * made here (one gzip layer, a config, an OCI manifest).
 */
public final class RegistryFixture {
    public static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistryFixture() {
    }

    /** A running registry; close() stops it. */
    public record Server(Process process, int port, Path dir) implements AutoCloseable {
        public String host() {
            return "127.0.0.1:" + port;
        }

        public Reference ref(String nameAndTag) {
            return Reference.parse(host() + "/" + nameAndTag);
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * A registry with TLS (certificates made in dir: ca.crt, server.crt, server.key) and Basic auth for one
     * user (htpasswd -B).
     */
    public static Server startSecure(Path dir, String user, String password) throws Exception {
        makeCertificates(dir);
        Files.writeString(dir.resolve("htpasswd"), run(dir, "htpasswd", "-Bbn", user, password));
        return start(dir, """
                  tls:
                    certificate: %s
                    key: %s
                """.formatted(dir.resolve("server.crt"), dir.resolve("server.key")), """
                auth:
                  htpasswd:
                    realm: karakuri-test
                    path: %s
                """.formatted(dir.resolve("htpasswd")));
    }

    /** A client's options for tests: its credential files and certs.d under dir, linux/amd64, the test timeout. */
    public static RegistryOptions options(Path dir) {
        return RegistryOptions.defaults().withCredentialFiles(dir.resolve("auth.json"), dir.resolve("docker.json"))
                .withCertsDir(dir.resolve("certs.d")).withPlatform(Platforms.parse("linux:amd64"))
                .withTimeout(timeout());
    }

    /** Starts the registry with the given extra configuration (http.tls, auth), waits until it listens. */
    public static Server start(Path dir, String tls, String auth) throws Exception {
        int port = freePort();
        Path storage = Files.createDirectories(dir.resolve("storage"));
        String config = """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                  secret: karakuri-test
                %s%s""".formatted(storage, port, tls == null ? "" : tls, auth == null ? "" : auth);
        Path file = dir.resolve("config.yml");
        Files.writeString(file, config);
        Process p = new ProcessBuilder(REGISTRY.toString(), "serve", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                break;
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
                }
                Thread.sleep(50);
            }
        }
        return new Server(p, port, dir);
    }

    /** Runs a command, fails with its output unless it exits 0; returns its output. */
    public static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** A CA and a server certificate for 127.0.0.1 and localhost, signed by it: ca.crt, server.crt, server.key. */
    public static void makeCertificates(Path dir) throws Exception {
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=karakuri test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        run(dir, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1");
        Files.writeString(dir.resolve("san.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "extendedKeyUsage=serverAuth\n");
        run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.cnf");
    }

    /** A blob: bytes and descriptor. */
    public record Blob(String mediaType, byte[] bytes) {
        public Digest digest() {
            return Digest.sha256(bytes);
        }

        public Descriptor descriptor() {
            return Descriptor.of(mediaType, digest(), bytes.length);
        }

        public RegistryClient.BlobSource source() {
            return () -> new java.io.ByteArrayInputStream(bytes);
        }
    }

    /** A small image: a gzip layer holding busybox-static, its config, its OCI manifest. */
    public record Image(Blob layer, Blob config, Blob manifest) {
        public Digest digest() {
            return manifest.digest();
        }

        /** Pushes the layer and config (mounted from mountFrom if given), then the manifest. */
        public Digest push(RegistryClient client, Reference ref, String mountFrom) throws IOException {
            client.pushBlob(ref, layer.descriptor(), layer.source(), mountFrom);
            client.pushBlob(ref, config.descriptor(), config.source(), mountFrom);
            return client.pushManifest(ref, manifest.mediaType(), manifest.bytes());
        }

        /** Writes it as an OCI image layout (what skopeo copies from). */
        public void writeLayout(Path dir, String tag) throws IOException {
            Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
            for (Blob b : List.of(layer, config, manifest)) {
                Files.write(blobs.resolve(b.digest().hex()), b.bytes());
            }
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            Map<String, Object> m = new LinkedHashMap<>(Map.of("mediaType", MediaTypes.OCI_MANIFEST,
                    "digest", manifest.digest().toString(), "size", manifest.bytes().length,
                    "annotations", Map.of("org.opencontainers.image.ref.name", tag)));
            Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(Map.of("schemaVersion", 2,
                    "mediaType", MediaTypes.OCI_INDEX, "manifests", List.of(m))));
        }
    }

    private static Image busybox;

    /** busybox-static in one layer (made once per JVM), for the given architecture and annotation. */
    public static synchronized Image image(String architecture, String note) throws IOException {
        if (busybox == null) {
            busybox = makeImage("amd64", "");
        }
        return architecture.equals("amd64") && note.isEmpty() ? busybox : makeImage(architecture, note, busybox.layer());
    }

    private static Image makeImage(String architecture, String note) throws IOException {
        byte[] busyboxBinary = Files.readAllBytes(Path.of("/bin/busybox"));
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        tarEntry(tar, "bin/", new byte[0], 040755, '5', null);
        tarEntry(tar, "bin/busybox", busyboxBinary, 0100755, '0', null);
        tarEntry(tar, "bin/sh", new byte[0], 0120777, '2', "busybox");
        tar.write(new byte[1024]);
        byte[] plain = tar.toByteArray();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(plain);
        }
        Blob layer = new Blob(MediaTypes.OCI_LAYER_GZIP, gz.toByteArray());
        return makeImage(architecture, note, layer, Digest.sha256(plain));
    }

    private static Image makeImage(String architecture, String note, Blob layer) throws IOException {
        // the diff id: the digest of the uncompressed tar
        byte[] plain = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(layer.bytes())).readAllBytes();
        return makeImage(architecture, note, layer, Digest.sha256(plain));
    }

    private static Image makeImage(String architecture, String note, Blob layer, Digest diffId) throws IOException {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architecture", architecture);
        config.put("os", "linux");
        config.put("config", Map.of("Cmd", List.of("/bin/sh"), "Labels", Map.of("note", note)));
        config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(diffId.toString())));
        Blob configBlob = new Blob(MediaTypes.OCI_CONFIG, JSON.writeValueAsBytes(config));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.put("config", configBlob.descriptor());
        manifest.put("layers", List.of(layer.descriptor()));
        return new Image(layer, configBlob, new Blob(MediaTypes.OCI_MANIFEST, JSON.writeValueAsBytes(manifest)));
    }

    /** An OCI index of the given images, with their platforms. */
    public static Blob index(Image... images) throws IOException {
        List<Object> manifests = new ArrayList<>();
        for (Image i : images) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("mediaType", MediaTypes.OCI_MANIFEST);
            d.put("digest", i.digest().toString());
            d.put("size", i.manifest().bytes().length);
            d.put("platform", Map.of("os", "linux", "architecture",
                    JSON.readTree(i.config().bytes()).path("architecture").asText()));
            manifests.add(d);
        }
        return new Blob(MediaTypes.OCI_INDEX, JSON.writeValueAsBytes(Map.of("schemaVersion", 2,
                "mediaType", MediaTypes.OCI_INDEX, "manifests", manifests)));
    }

    private static void tarEntry(OutputStream out, String name, byte[] data, int mode, char type, String link)
            throws IOException {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        put(h, 100, 8, String.format("%07o", mode & 07777));
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", data.length));
        put(h, 136, 12, "00000000000");
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        if (link != null) {
            put(h, 157, 100, link);
        }
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum) + "\0 ");
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }

    /** sha256 of what a client's fetchBlob streamed, for comparing. */
    public static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    public static Duration timeout() {
        return Duration.ofSeconds(20);
    }
}
