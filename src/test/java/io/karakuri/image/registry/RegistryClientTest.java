package io.karakuri.image.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.Reference;
import io.karakuri.image.oci.Descriptor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a real registry will not do on demand: schema 1, lying digests, redirects to another host, a
 * challenge with a token realm. A fake registry on 127.0.0.1 (plain HTTP, which loopback may use).
 */
class RegistryClientTest {
    private static final byte[] MANIFEST = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":2},
             "layers":[]}""".formatted("4".repeat(64)).getBytes(StandardCharsets.UTF_8);
    private static final byte[] BLOB = "the blob".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    Vertx vertx;
    HttpServer registry;
    HttpServer storage;
    RegistryClient client;
    final Map<String, Response> routes = new ConcurrentHashMap<>();
    final List<String> seen = new CopyOnWriteArrayList<>();

    record Response(int status, Map<String, String> headers, byte[] body) {
    }

    @BeforeEach
    void start() throws IOException {
        vertx = Vertx.vertx();
        registry = server(routes);
        storage = server(Map.of("/storage/blob", new Response(200, Map.of(), BLOB)));
        Files.writeString(dir.resolve("docker.json"), "{\"auths\": {\"" + host() + "\": {\"auth\": \"dTpw\"}}}");
        client = TestRegistryClients.create(dir);
    }

    @AfterEach
    void stop() {
        client.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private HttpServer server(Map<String, Response> table) {
        return listen(req -> {
            String path = req.path();
            seen.add(req.localAddress().port() + " " + req.method() + " " + path + " "
                    + req.getHeader("Authorization") + " " + req.query());
            String query = req.query();
            Response r = query == null ? null : table.get(path + "?" + query);
            r = r != null ? r : table.get(path);
            if (r == null) {
                r = new Response(404, Map.of("Content-Type", "application/json"),
                        "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}"
                                .getBytes(StandardCharsets.UTF_8));
            }
            reply(req, r);
        });
    }

    private HttpServer listen(io.vertx.core.Handler<HttpServerRequest> handler) {
        return vertx.createHttpServer().requestHandler(handler).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().join();
    }

    private static void reply(HttpServerRequest req, Response r) {
        r.headers().forEach((k, v) -> req.response().putHeader(k, v));
        req.response().setStatusCode(r.status());
        if (req.method() == HttpMethod.HEAD) {
            req.response().putHeader("Content-Length", Integer.toString(r.body().length)).end();
        } else {
            req.response().end(io.vertx.core.buffer.Buffer.buffer(r.body()));
        }
    }

    private String host() {
        return "127.0.0.1:" + registry.actualPort();
    }

    private Reference ref(String s) {
        return Reference.parse(host() + "/" + s);
    }

    @Test
    void refusesSchema1AndLyingDigests() {
        routes.put("/v2/", new Response(200, Map.of(), new byte[0]));
        routes.put("/v2/old/manifests/1", new Response(200, Map.of("Content-Type", MediaTypes.DOCKER_SCHEMA1_SIGNED),
                "{\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8)));
        RegistryException s1 = assertThrows(RegistryException.class, () -> client.fetchManifest(ref("old:1")));
        assertEquals("registry " + host() + ": old:1 has a Docker schema 1 manifest, which karakuri does not read "
                + "(deprecated since 2019): push the image again with a current client", s1.getMessage());

        routes.put("/v2/lie/manifests/1", new Response(200, Map.of("Content-Type", MediaTypes.OCI_MANIFEST,
                "Docker-Content-Digest", "sha256:" + "1".repeat(64)), MANIFEST));
        RegistryException header = assertThrows(RegistryException.class, () -> client.fetchManifest(ref("lie:1")));
        assertEquals("registry " + host() + ": the manifest of lie:1 has digest " + Digest.sha256(MANIFEST)
                + ", not sha256:" + "1".repeat(64), header.getMessage());

        routes.put("/v2/lie/manifests/sha256:" + "2".repeat(64), new Response(200,
                Map.of("Content-Type", MediaTypes.OCI_MANIFEST), MANIFEST));
        RegistryException asked = assertThrows(RegistryException.class,
                () -> client.fetchManifest(ref("lie@sha256:" + "2".repeat(64))));
        assertTrue(asked.getMessage().endsWith(", not sha256:" + "2".repeat(64)), asked.getMessage());

        // without a Content-Type the manifest's own mediaType is taken
        routes.put("/v2/ok/manifests/1", new Response(200, Map.of(), MANIFEST));
        RegistryClient.FetchedManifest ok = client.fetchManifest(ref("ok:1"));
        assertEquals(MediaTypes.OCI_MANIFEST, ok.mediaType());
        assertEquals(Digest.sha256(MANIFEST), ok.digest());
        assertEquals("registry " + host() + ": repository name not known to registry: nothing:1",
                assertThrows(RegistryException.class, () -> client.fetchManifest(ref("nothing:1"))).getMessage());
        assertTrue(seen.stream().anyMatch(s -> s.contains("GET /v2/ok/manifests/1")));
    }

    @Test
    void basicAuthIsNotSentToWhereABlobRedirects() throws Exception {
        routes.put("/v2/", new Response(401, Map.of("WWW-Authenticate", "Basic realm=\"fake\""), new byte[0]));
        String location = "http://127.0.0.1:" + storage.actualPort() + "/storage/blob";
        Digest digest = Digest.sha256(BLOB);
        routes.put("/v2/app/blobs/" + digest, new Response(307, Map.of("Location", location), new byte[0]));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        client.fetchBlob(ref("app"), Descriptor.of(MediaTypes.OCI_LAYER, digest, BLOB.length), sink);
        assertArrayEquals(BLOB, sink.toByteArray());
        String basic = "Basic dTpw";
        assertTrue(seen.contains(registry.actualPort() + " GET /v2/app/blobs/" + digest + " " + basic + " null"),
                seen.toString());
        assertTrue(seen.contains(storage.actualPort() + " GET /storage/blob null null"), seen.toString());
    }

    @Test
    void bearerTokensComeFromTheRealmWithServiceAndScope() throws Exception {
        HttpServer tokens = listen(req -> {
            seen.add("token " + req.query() + " " + req.getHeader("Authorization"));
            reply(req, new Response(200, Map.of("Content-Type", "application/json"),
                    "{\"access_token\":\"t0k\"}".getBytes(StandardCharsets.UTF_8)));
        });
        try {
            String realm = "http://127.0.0.1:" + tokens.actualPort() + "/token";
            routes.put("/v2/", new Response(401, Map.of("WWW-Authenticate",
                    "Bearer realm=\"" + realm + "\",service=\"fake registry\""), new byte[0]));
            routes.put("/v2/a/b/tags/list", new Response(200, Map.of("Content-Type", "application/json",
                    "Link", "</v2/a/b/tags/list?last=x&n=1>; rel=\"next\""),
                    "{\"name\":\"a/b\",\"tags\":[\"x\"]}".getBytes(StandardCharsets.UTF_8)));
            routes.put("/v2/a/b/tags/list?last=x&n=1", new Response(200, Map.of("Content-Type", "application/json"),
                    "{\"name\":\"a/b\",\"tags\":[\"y\"]}".getBytes(StandardCharsets.UTF_8)));
            assertEquals(List.of("x", "y"), client.tags(ref("a/b")));
            assertEquals(List.of("token service=fake+registry&scope=repository%3Aa%2Fb%3Apull&account=u Basic dTpw"),
                    seen.stream().filter(s -> s.startsWith("token ")).toList());
            assertTrue(seen.stream().anyMatch(s -> s.endsWith("GET /v2/a/b/tags/list Bearer t0k null")), seen.toString());
            assertNull(client.credentials().find("elsewhere:5000").orElse(null));
        } finally {
            tokens.close();
        }
    }

    @Test
    void refusesToBlockAnEventLoop() {
        java.util.concurrent.CompletableFuture<Throwable> thrown = new java.util.concurrent.CompletableFuture<>();
        vertx.runOnContext(v -> {
            try {
                client.fetchManifest(ref("x:1"));
                thrown.complete(null);
            } catch (Throwable t) {
                thrown.complete(t);
            }
        });
        Throwable t = thrown.join();
        assertTrue(t instanceof IllegalStateException, String.valueOf(t));
        assertEquals("RegistryClient blocks: call it from a worker thread, not an event loop", t.getMessage());
    }
}
