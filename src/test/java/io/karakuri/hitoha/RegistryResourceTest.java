package io.karakuri.hitoha;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryOptions;
import io.karakuri.it.RegistryFixture;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * /v1/registry against Debian's docker-registry: a plain one (loopback, so plain HTTP as Docker allows) and
 * one with TLS and htpasswd for login. hitoha's root and config dir are temporary directories of this test.
 */
@QuarkusTest
@TestProfile(RegistryResourceTest.Profile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryResourceTest {
    /** One path for the process: Quarkus loads this class twice (its class loader and JUnit's). */
    static final Path DIR = Path.of(System.getProperty("java.io.tmpdir"),
            "karakuri-registry-test-" + ProcessHandle.current().pid());

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("karakuri.root", DIR.resolve("root").toString(),
                    "karakuri.config-dir", DIR.resolve("etc").toString());
        }
    }

    static RegistryFixture.Server plain;
    static RegistryFixture.Server secure;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(DIR);
        Assumptions.assumeTrue(Files.isExecutable(RegistryFixture.REGISTRY), "no " + RegistryFixture.REGISTRY);
        plain = RegistryFixture.start(Files.createDirectories(DIR.resolve("plain")), null, null);
        Path reg = Files.createDirectories(DIR.resolve("secure"));
        secure = RegistryFixture.startSecure(reg, "alice", "s3cret");
        RegistryFixture.Image image = RegistryFixture.image("amd64", "");
        try (RegistryClient c = RegistryClient.create(RegistryOptions.defaults().withCredentialFiles(null, null)
                .withTimeout(RegistryFixture.timeout()))) {
            image.push(c, plain.ref("alpine:3.20"), null);
            image.push(c, plain.ref("alpine:3.21"), null);
            RegistryFixture.image("amd64", "other").push(c, plain.ref("alpine:latest"), null);
            image.push(c, plain.ref("team/ubuntu:24.04"), null);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        for (RegistryFixture.Server s : new RegistryFixture.Server[] {plain, secure}) {
            if (s != null) {
                s.close();
            }
        }
        try (Stream<Path> all = Files.walk(DIR)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void notConnectedAtFirst() {
        given().get("/v1/registry/connection").then().statusCode(200)
                .body("registry", nullValue()).body("status", equalTo("disconnected"));
        for (String path : List.of("/v1/registry/repositories", "/v1/registry/tags?repository=alpine")) {
            given().get(path).then().statusCode(409).body("message", equalTo(RegistryResource.NOT_CONNECTED));
        }
        given().delete("/v1/registry/images/alpine:3.20").then().statusCode(409)
                .body("message", equalTo(RegistryResource.NOT_CONNECTED));
    }

    @Test
    @Order(2)
    void aRegistryThatDoesNotAnswerIsNotConnected() throws IOException {
        int port = RegistryFixture.freePort();
        given().contentType(ContentType.JSON).body(Map.of("registry", "127.0.0.1:" + port)).put("/v1/registry/connection")
                .then().statusCode(502).body("message", equalTo("registry 127.0.0.1:" + port + ": cannot connect: Connection refused"));
        given().contentType(ContentType.JSON).body(Map.of("registry", "http://127.0.0.1:" + port))
                .put("/v1/registry/connection").then().statusCode(400)
                .body("message", equalTo("invalid registry \"http://127.0.0.1:" + port
                        + "\": HOST:PORT expected, without scheme or path"));
        given().contentType(ContentType.JSON).body(Map.of()).put("/v1/registry/connection")
                .then().statusCode(400).body("message", equalTo("name the registry: HOST:PORT"));
        given().get("/v1/registry/connection").then().statusCode(200).body("status", equalTo("disconnected"));
    }

    @Test
    @Order(3)
    void connectListAndDelete() {
        given().contentType(ContentType.JSON).body(Map.of("registry", plain.host())).put("/v1/registry/connection")
                .then().statusCode(200).body("registry", equalTo(plain.host())).body("status", equalTo("connected"));
        given().get("/v1/registry/connection").then().statusCode(200)
                .body("registry", equalTo(plain.host())).body("status", equalTo("connected"));

        given().get("/v1/registry/repositories").then().statusCode(200)
                .body("registry", equalTo(plain.host())).body("repositories", equalTo(List.of("alpine", "team/ubuntu")));
        given().get("/v1/registry/tags?repository=alpine").then().statusCode(200)
                .body("repository", equalTo("alpine")).body("tags", equalTo(List.of("3.20", "3.21", "latest")));
        given().get("/v1/registry/tags?repository=nosuch").then().statusCode(404)
                .body("message", startsWith("registry " + plain.host() + ": repository name not known to registry"));
        given().get("/v1/registry/tags?repository=alpine:3.20").then().statusCode(400)
                .body("message", containsString("a name without tag or digest expected"));
        given().get("/v1/registry/tags").then().statusCode(400).body("message", equalTo("name the repository: ?repository=NAME"));

        // 3.20 and 3.21 are the same manifest: deleting one deletes the other (registries delete by digest)
        given().delete("/v1/registry/images/alpine:3.21").then().statusCode(200)
                .body("image", equalTo("alpine:3.21")).body("digest", startsWith("sha256:"));
        given().get("/v1/registry/tags?repository=alpine").then().statusCode(200).body("tags", equalTo(List.of("latest")));
        given().delete("/v1/registry/images/alpine:3.21").then().statusCode(404)
                .body("message", equalTo("registry " + plain.host() + ": not found: alpine:3.21"));
        given().delete("/v1/registry/images/alpine").then().statusCode(400)
                .body("message", equalTo("name the tag to delete: alpine:TAG"));
        given().delete("/v1/registry/images/" + plain.host() + "/team/ubuntu:24.04").then().statusCode(200)
                .body("image", equalTo("team/ubuntu:24.04"));
        given().get("/v1/registry/tags?repository=team/ubuntu").then().statusCode(200).body("tags", equalTo(List.of()));
    }

    @Test
    @Order(4)
    void anotherRegistryByQueryParameterAndDisconnect() {
        given().get("/v1/registry/repositories?registry=" + secure.host()).then().statusCode(401)
                .body("message", startsWith("registry " + secure.host() + ": unauthorized: "));
        given().delete("/v1/registry/connection").then().statusCode(200)
                .body("registry", equalTo(plain.host())).body("status", equalTo("disconnected"));
        given().get("/v1/registry/connection").then().statusCode(200)
                .body("registry", equalTo(plain.host())).body("status", equalTo("disconnected"));
        given().get("/v1/registry/repositories").then().statusCode(409);
        given().get("/v1/registry/repositories?registry=" + plain.host()).then().statusCode(200)
                .body("repositories", equalTo(List.of("alpine", "team/ubuntu")));
    }

    @Test
    @Order(5)
    void loginStoresCredentialsAndLogoutRemovesThem() throws IOException {
        Path auth = DIR.resolve("etc/auth.json");
        given().contentType(ContentType.JSON).body(Map.of("registry", secure.host(), "username", "alice", "password", "wrong"))
                .post("/v1/registry/login").then().statusCode(401)
                .body("message", equalTo("registry " + secure.host() + ": unauthorized: wrong user name or password"));
        assertFalse(Files.exists(auth));
        given().contentType(ContentType.JSON).body(Map.of("registry", secure.host(), "username", "alice"))
                .post("/v1/registry/login").then().statusCode(400).body("message", equalTo("give a password"));

        given().contentType(ContentType.JSON).body(Map.of("registry", secure.host(), "username", "alice", "password", "s3cret"))
                .post("/v1/registry/login").then().statusCode(200)
                .body("registry", equalTo(secure.host())).body("username", equalTo("alice"));
        assertTrue(Files.readString(auth).contains(secure.host()));
        given().get("/v1/registry/repositories?registry=" + secure.host()).then().statusCode(200)
                .body("repositories", equalTo(List.of()));

        given().contentType(ContentType.JSON).body(Map.of("registry", secure.host())).post("/v1/registry/logout")
                .then().statusCode(200).body("removed", equalTo(true));
        given().contentType(ContentType.JSON).body(Map.of("registry", secure.host())).post("/v1/registry/logout")
                .then().statusCode(200).body("removed", equalTo(false));
        assertFalse(Files.readString(auth).contains(secure.host()));
        given().get("/v1/registry/repositories?registry=" + secure.host()).then().statusCode(401);
    }

    @Test
    @Order(6)
    void theConnectionIsInTheStateDatabase() {
        assertTrue(Files.exists(DIR.resolve("root/karakuri.db")));
    }
}
