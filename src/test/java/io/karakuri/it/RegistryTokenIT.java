package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.karakuri.image.Reference;
import io.karakuri.image.registry.Platforms;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryClient.BlobPush;
import io.karakuri.image.registry.RegistryException;
import io.karakuri.image.registry.RegistryOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bearer token auth: docker-registry trusts tokens signed (RS256) by a key whose certificate is its
 * {@code auth.token.rootcertbundle}; the token server here gives anonymous users pull on everything but
 * {@code private/*}, and alice what she asks for.
 */
class RegistryTokenIT {
    private static final String SERVICE = "karakuri-registry";
    private static final String ISSUER = "karakuri-test-issuer";
    private static final String ALICE_REFRESH_TOKEN = "alice-refresh-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static RegistryFixture.Server registry;
    static HttpServer tokenServer;
    static PrivateKey key;
    static String certificate;
    /** Every token request: "user scope scope…" ("-" for anonymous). */
    static final List<String> requests = new CopyOnWriteArrayList<>();
    /** The next token issued is signed with garbage, and the registry refuses it. */
    static final AtomicBoolean poisonNext = new AtomicBoolean();

    @BeforeAll
    static void start() throws Exception {
        Path reg = Files.createDirectories(dir.resolve("registry"));
        RegistryFixture.run(reg, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "token.key",
                "-out", "token.crt", "-days", "2", "-subj", "/CN=karakuri test token issuer");
        String pem = Files.readString(reg.resolve("token.key")).replaceAll("-----[A-Z ]+-----|\\s", "");
        key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        try (var in = Files.newInputStream(reg.resolve("token.crt"))) {
            certificate = Base64.getEncoder().encodeToString(
                    CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded());
        }
        tokenServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tokenServer.createContext("/token", RegistryTokenIT::token);
        tokenServer.start();
        registry = RegistryFixture.start(reg, null, """
                auth:
                  token:
                    realm: http://127.0.0.1:%d/token
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(tokenServer.getAddress().getPort(), SERVICE, ISSUER, reg.resolve("token.crt")));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (tokenServer != null) {
            tokenServer.stop(0);
        }
    }

    private static void token(HttpExchange ex) throws IOException {
        try (ex) {
            String user = null;
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null) {
                String plain = new String(Base64.getDecoder().decode(auth.substring("Basic ".length())), StandardCharsets.UTF_8);
                if (!plain.equals("alice:open sesame")) {
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                user = "alice";
            }
            List<String> scopes = new ArrayList<>();
            String service = null;
            // GET with a query, or the OAuth2 form POST of an identity token (one scope field, space-separated)
            boolean oauth = ex.getRequestMethod().equals("POST");
            String query = oauth ? new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    : ex.getRequestURI().getRawQuery();
            Map<String, String> form = new LinkedHashMap<>();
            for (String pair : query == null ? new String[0] : query.split("&")) {
                String[] kv = pair.split("=", 2);
                String value = URLDecoder.decode(kv.length > 1 ? kv[1] : "", StandardCharsets.UTF_8);
                form.put(kv[0], value);
                if (kv[0].equals("scope")) {
                    scopes.addAll(oauth ? List.of(value.split(" ")) : List.of(value));
                } else if (kv[0].equals("service")) {
                    service = value;
                }
            }
            if (oauth) {
                if (!form.getOrDefault("grant_type", "").equals("refresh_token")
                        || !form.getOrDefault("refresh_token", "").equals(ALICE_REFRESH_TOKEN)) {
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                user = "alice";
            }
            requests.add((user == null ? "-" : user) + (oauth ? "(oauth)" : "")
                    + (scopes.isEmpty() ? "" : " " + String.join(" ", scopes)));
            List<Object> access = new ArrayList<>();
            for (String scope : scopes) {
                int first = scope.indexOf(':');
                int last = scope.lastIndexOf(':');
                String type = scope.substring(0, first);
                String name = scope.substring(first + 1, last);
                List<String> actions = List.of(scope.substring(last + 1).split(","));
                if (user == null) {
                    actions = type.equals("repository") && !name.startsWith("private/") && actions.contains("pull")
                            ? List.of("pull") : List.of();
                }
                access.add(Map.of("type", type, "name", name, "actions", actions));
            }
            long now = System.currentTimeMillis() / 1000;
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("iss", ISSUER);
            claims.put("sub", user == null ? "" : user);
            claims.put("aud", service);
            claims.put("exp", now + 300);
            claims.put("nbf", now - 10);
            claims.put("iat", now);
            claims.put("jti", Long.toString(System.nanoTime()));
            claims.put("access", access);
            String token = jwt(Map.of("typ", "JWT", "alg", "RS256", "x5c", List.of(certificate)), claims,
                    poisonNext.getAndSet(false));
            byte[] body = JSON.writeValueAsBytes(Map.of(oauth ? "access_token" : "token", token, "expires_in", 300));
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (Exception e) {
            ex.sendResponseHeaders(500, -1);
        }
    }

    private static String jwt(Map<String, Object> header, Map<String, Object> claims, boolean poison) throws Exception {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signed = b64.encodeToString(JSON.writeValueAsBytes(header)) + "." + b64.encodeToString(JSON.writeValueAsBytes(claims));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(signed.getBytes(StandardCharsets.US_ASCII));
        byte[] signature = s.sign();
        if (poison) {
            signature[0] ^= 1;
        }
        return signed + "." + b64.encodeToString(signature);
    }

    private static RegistryClient client(String name) {
        return RegistryClient.create(RegistryOptions.defaults()
                .withCredentialFiles(dir.resolve(name + "/auth.json"), null).withCertsDir(dir.resolve("certs.d"))
                .withPlatform(Platforms.parse("linux:amd64")).withPageSize(1).withTimeout(RegistryFixture.timeout()));
    }

    @Test
    void anonymousPullsPublicRepositoriesOnly() throws Exception {
        RegistryFixture.Image image = RegistryFixture.image("amd64", "");
        Reference open = registry.ref("public/app:1");
        Reference closed = registry.ref("private/app:1");
        try (RegistryClient alice = client("alice")) {
            RegistryException wrong = assertThrows(RegistryException.class,
                    () -> alice.login(registry.host(), "alice", "guess"));
            assertEquals("registry " + registry.host() + ": unauthorized: the token server refused the credentials of alice",
                    wrong.getMessage());
            alice.login(registry.host(), "alice", "open sesame");
            assertEquals(image.digest(), image.push(alice, open, null));
            // the mount asks one token for both repositories
            requests.clear();
            assertEquals(BlobPush.MOUNTED, alice.pushBlob(closed, image.layer().descriptor(), image.layer().source(), "public/app"));
            assertTrue(requests.contains("alice repository:private/app:pull,push repository:public/app:pull"),
                    requests.toString());
            assertEquals(image.digest(), image.push(alice, closed, null));
            List<String> catalog = alice.catalog(registry.host());
            assertTrue(catalog.containsAll(List.of("private/app", "public/app")), catalog.toString());
        }
        try (RegistryClient anonymous = client("anonymous")) {
            assertEquals(image.digest(), anonymous.resolve(open).manifest().digest());
            RegistryException pull = assertThrows(RegistryException.class, () -> anonymous.fetchManifest(closed));
            assertTrue(pull.getMessage().startsWith("registry " + registry.host() + ": unauthorized: "), pull.getMessage());
            assertEquals(401, pull.status());
            RegistryException push = assertThrows(RegistryException.class,
                    () -> image.push(anonymous, registry.ref("public/other:1"), null));
            assertTrue(push.getMessage().startsWith("registry " + registry.host() + ": unauthorized: "), push.getMessage());
        }
    }

    @Test
    void anIdentityTokenIsTradedForAccessTokens() throws Exception {
        RegistryFixture.Image image = RegistryFixture.image("amd64", "oauth");
        Reference closed = registry.ref("private/oauth:1");
        Path auth = Files.createDirectories(dir.resolve("oauth")).resolve("auth.json");
        Files.writeString(auth, "{\"auths\": {\"" + registry.host() + "\": {\"identitytoken\": \"" + ALICE_REFRESH_TOKEN
                + "\"}}}");
        try (RegistryClient alice = client("oauth")) {
            requests.clear();
            assertEquals(image.digest(), image.push(alice, closed, null));
            assertEquals(image.digest(), alice.fetchManifest(closed).digest());
            assertTrue(requests.stream().allMatch(r -> r.startsWith("alice(oauth) ")), requests.toString());
        }
        Files.writeString(auth, "{\"auths\": {\"" + registry.host() + "\": {\"identitytoken\": \"stale\"}}}");
        try (RegistryClient stale = client("oauth")) {
            RegistryException e = assertThrows(RegistryException.class, () -> stale.fetchManifest(closed));
            assertEquals("registry " + registry.host() + ": unauthorized: the token server refused the identity token "
                    + "(log in again)", e.getMessage());
        }
    }

    @Test
    void tokensAreCachedPerScopeAndRenewedAfterA401() throws Exception {
        RegistryFixture.Image image = RegistryFixture.image("amd64", "cache");
        Reference ref = registry.ref("public/cache:1");
        try (RegistryClient alice = client("cache")) {
            alice.login(registry.host(), "alice", "open sesame");
            image.push(alice, ref, null);
        }
        try (RegistryClient alice = client("cache")) {
            requests.clear();
            alice.fetchManifest(ref);
            alice.fetchManifest(ref);
            alice.tags(ref);
            assertEquals(List.of("alice repository:public/cache:pull"), requests, "one token for the pull scope");

            poisonNext.set(true);
            requests.clear();
            alice.blobExists(registry.ref("public/cache2"), image.layer().digest());
            assertEquals(2, requests.size(), "a refused token is replaced once: " + requests);
        }
    }
}
