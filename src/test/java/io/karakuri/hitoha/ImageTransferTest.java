package io.karakuri.hitoha;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.store.TestImages;
import io.karakuri.it.RegistryFixture;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** POST /v1/images/push and /pull: progress as newline-delimited JSON, against Debian's docker-registry. */
@QuarkusTest
class ImageTransferTest {
    static final Path DIR = Path.of(System.getProperty("java.io.tmpdir"),
            "karakuri-transfer-test-" + ProcessHandle.current().pid());
    static RegistryFixture.Server registry;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(RegistryFixture.REGISTRY), "no " + RegistryFixture.REGISTRY);
        registry = RegistryFixture.start(Files.createDirectories(DIR.resolve("registry")), null, null);
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        RegistryFixture.run(Path.of("/"), "rm", "-rf", DIR.toString());
    }

    private static List<JsonPath> lines(String body) {
        return body.lines().map(JsonPath::new).toList();
    }

    @Test
    void pushThenPullBackStreamsEachStepAndEndsWithTheResult() throws Exception {
        given().contentType(ImagesResource.TAR).body(TestImages.tar("hello", "hi\n")).queryParam("name", "xfer:1")
                .post("/v1/images/import").then().statusCode(201);
        String pushed = given().contentType("application/json").body(Map.of("image", "xfer:1", "registry",
                registry.host())).post("/v1/images/push").then().statusCode(200)
                .contentType(ImagesResource.NDJSON).extract().asString();
        List<JsonPath> steps = lines(pushed);
        JsonPath done = steps.getLast();
        assertEquals("done", done.getString("status"), pushed);
        assertEquals(registry.host() + "/xfer:1", done.getString("reference"));
        assertTrue(steps.stream().anyMatch(s -> "Pushed".equals(s.getString("status"))), pushed);

        given().queryParam("force", "true").delete("/v1/images/xfer:1").then().statusCode(200);
        String pulled = given().contentType("application/json").body(Map.of("image", registry.host() + "/xfer:1"))
                .post("/v1/images/pull").then().statusCode(200).extract().asString();
        steps = lines(pulled);
        assertEquals("done", steps.getLast().getString("status"), pulled);
        assertEquals(done.getString("digest"), steps.getLast().getString("digest"));
        assertTrue(steps.stream().anyMatch(s -> "Pull complete".equals(s.getString("status"))), pulled);
        given().get("/v1/images/" + registry.host() + "/xfer:1").then().statusCode(200)
                .body("digest", equalTo(done.getString("digest")));
        given().queryParam("force", "true").delete("/v1/images/" + registry.host() + "/xfer:1").then().statusCode(200);
    }

    @Test
    void aFailureAfterTheStartIsTheLastLineAndABadRequestIsRefusedBefore() {
        String answer = given().contentType("application/json").body(Map.of("image", registry.host() + "/nope:1"))
                .post("/v1/images/pull").then().statusCode(200).extract().asString();
        JsonPath last = lines(answer).getLast();
        assertTrue(last.getString("error").contains("manifest unknown"), answer);
        given().contentType("application/json").body(Map.of("image", "Bad Name")).post("/v1/images/pull")
                .then().statusCode(400).body("message", equalTo("invalid reference \"Bad Name\": repository name must be lowercase"));
        given().contentType("application/json").body(Map.of("image", "busybox", "platform", "linux"))
                .post("/v1/images/pull").then().statusCode(400);
        given().contentType("application/json").body(Map.of("image", "no-such:1")).post("/v1/images/push")
                .then().statusCode(404).body("message", equalTo("no such image: no-such:1"));
        given().get("/v1/images").then().statusCode(200).body("size()", equalTo(0));
    }
}
