package io.karakuri.hitoha;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.store.TestImages;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** /v1/images over a temporary store (the test profile's), as root: importing unpacks layers. */
@QuarkusTest
class ImagesResourceTest {
    private static final String TAR = "application/x-tar";

    @AfterEach
    void nothingLeftBehind() {
        for (String digest : given().get("/v1/images").then().statusCode(200).extract().jsonPath()
                .<String>getList("digest")) {
            given().queryParam("force", "true").delete("/v1/images/" + digest);
        }
        given().get("/v1/images").then().statusCode(200).body("", hasSize(0));
    }

    private static JsonPath importImage(String name, String file) throws IOException {
        return given().contentType(TAR).body(TestImages.tar(file, file + "\n")).queryParam("name", name)
                .post("/v1/images/import").then().statusCode(201).extract().jsonPath();
    }

    @Test
    void importListInspectAndRemove() throws IOException {
        JsonPath imported = importImage("rest-a", "a");
        String id = imported.getString("id");
        assertTrue(id.matches("sha256:[0-9a-f]{64}"), id);
        assertEquals(List.of("rest-a:latest"), imported.getList("names"));
        assertEquals(1, imported.getList("layers").size());

        given().get("/v1/images").then().statusCode(200)
                .body("", hasSize(1))
                .body("[0].repository", equalTo("rest-a"))
                .body("[0].tag", equalTo("latest"))
                .body("[0].id", equalTo(id.substring(7, 19)))
                .body("[0].digest", equalTo(imported.getString("digest")))
                .body("[0].unpackedSize", equalTo(2))
                .body("[0].created", matchesPattern("\\d{4}-\\d\\d-\\d\\dT.*Z"));
        given().get("/v1/images/rest-a").then().statusCode(200)
                .body("id", equalTo(id)).body("names", contains("rest-a:latest"))
                .body("platform.os", equalTo("linux"));
        given().get("/v1/images/" + id.substring(7, 19)).then().statusCode(200).body("id", equalTo(id));

        given().delete("/v1/images/rest-a").then().statusCode(200)
                .body("untagged", contains("rest-a:latest"))
                .body("deleted", contains(imported.getString("digest")));
        given().get("/v1/images/rest-a").then().statusCode(404).body("message", equalTo("no such image: rest-a"));
    }

    @Test
    void tagWithARegistryAndPathAndRemoveByIdOnlyWhenForced() throws IOException {
        String id = importImage("rest-b:1", "b").getString("id");
        given().contentType("application/json").body(Map.of("source", "rest-b:1", "target", "localhost:5000/team/b:2"))
                .post("/v1/images/tag").then().statusCode(201)
                .body("id", equalTo(id)).body("names", containsInAnyOrder("localhost:5000/team/b:2", "rest-b:1"));
        given().get("/v1/images/localhost:5000/team/b:2").then().statusCode(200).body("id", equalTo(id));
        given().get("/v1/images").then().body("repository", containsInAnyOrder("localhost:5000/team/b", "rest-b"));

        given().delete("/v1/images/" + id.substring(7, 19)).then().statusCode(409)
                .body("message", equalTo("image " + id.substring(7, 19) + " has 2 names (rest-b:1, localhost:5000/team/b:2): "
                        + "remove them one by one, or force"));
        given().queryParam("force", "true").delete("/v1/images/" + id.substring(7, 19)).then().statusCode(200)
                .body("untagged", hasSize(2)).body("deleted", hasSize(1));
    }

    @Test
    void saveInEachFormatAndLoadBack() throws IOException {
        JsonPath imported = importImage("rest-c", "c");
        assertEquals(List.of("blobs/", "index.json", "oci-layout"), topLevel(save("oci")));
        List<String> docker = topLevel(save("docker")); // the classic layout: <config hex>.json, <hex>/layer.tar
        assertEquals(4, docker.size(), docker.toString());
        assertTrue(docker.subList(0, 2).stream().allMatch(n -> n.matches("[0-9a-f]{64}(\\.json|/)")), docker.toString());
        assertEquals(List.of("manifest.json", "repositories"), docker.subList(2, 4));
        byte[] both = save("both");
        assertEquals(List.of("blobs/", "index.json", "manifest.json", "oci-layout", "repositories"), topLevel(both));
        assertEquals(List.of("blobs/", "index.json", "manifest.json", "oci-layout", "repositories"),
                topLevel(given().queryParam("name", "rest-c").get("/v1/images/save").then().statusCode(200)
                        .extract().asByteArray()));

        given().delete("/v1/images/rest-c").then().statusCode(200);
        given().contentType(TAR).body(both).post("/v1/images/load").then().statusCode(200)
                .body("images", hasSize(1))
                .body("images[0].names", contains("rest-c:latest"))
                .body("images[0].digest", equalTo(imported.getString("digest")))
                .body("images[0].unpackedSize", equalTo(2));
    }

    private static byte[] save(String format) {
        return given().queryParam("name", "rest-c").queryParam("format", format).get("/v1/images/save")
                .then().statusCode(200).contentType(TAR).extract().asByteArray();
    }

    private static List<String> topLevel(byte[] tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String top = e.getName().contains("/") ? e.getName().substring(0, e.getName().indexOf('/') + 1) : e.getName();
                if (!names.contains(top)) {
                    names.add(top);
                }
            }
        }
        return names.stream().sorted().toList();
    }

    @Test
    void aLargeRootfsIsStreamedThrough() throws IOException {
        byte[] big = new byte[12 << 20]; // more than Quarkus's default body limit of 10 MiB
        new java.util.Random(1).nextBytes(big);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(out)) {
            TarArchiveEntry e = new TarArchiveEntry("big");
            e.setSize(big.length);
            tar.putArchiveEntry(e);
            tar.write(big);
            tar.closeArchiveEntry();
        }
        given().contentType(TAR).body(out.toByteArray()).queryParam("name", "rest-big")
                .post("/v1/images/import").then().statusCode(201).body("unpackedSize", equalTo(big.length));
    }

    @Test
    void anAmbiguousIdIsRefusedWithTheDigestsToChooseFrom() throws IOException {
        JsonPath loaded = given().contentType(TAR).body(TestImages.twinArchive("twin-a", "twin-b"))
                .post("/v1/images/load").then().statusCode(200).body("images", hasSize(2)).extract().jsonPath();
        String id = loaded.getString("images[0].id");
        assertEquals(id, loaded.getString("images[1].id"));
        given().get("/v1/images/" + id.substring(7, 19)).then().statusCode(400)
                .body("message", startsWith("\"" + id.substring(7, 19) + "\" matches 2 images (manifests "))
                .body("message", containsString(loaded.getString("images[0].digest")))
                .body("message", containsString(loaded.getString("images[1].digest")))
                .body("message", endsWith("): give more of the id, or a digest"));
        given().delete("/v1/images/" + id.substring(7, 19)).then().statusCode(400);
        given().get("/v1/images/twin-a").then().statusCode(200);
    }

    @Test
    void errorsAreMessages() throws IOException {
        given().get("/v1/images/nope").then().statusCode(404).body("message", equalTo("no such image: nope"));
        given().get("/v1/images/Nope").then().statusCode(400).body("message", containsString("must be lowercase"));
        given().delete("/v1/images/nope").then().statusCode(404).body("message", equalTo("no such image: nope"));
        given().queryParam("force", "yes").delete("/v1/images/nope").then().statusCode(400)
                .body("message", equalTo("force is true or false, not \"yes\""));
        given().contentType("application/json").body(Map.of("source", "nope")).post("/v1/images/tag")
                .then().statusCode(400).body("message", equalTo("tag needs a source and a target"));
        given().contentType("application/json").body(Map.of("source", "nope", "target", "x")).post("/v1/images/tag")
                .then().statusCode(404).body("message", equalTo("no such image: nope"));
        given().queryParam("name", "nope").get("/v1/images/save").then().statusCode(404)
                .body("message", equalTo("no such image: nope"));
        given().get("/v1/images/save").then().statusCode(400).body("message", equalTo("name at least one image to save"));
        given().queryParam("name", "nope").queryParam("format", "zip").get("/v1/images/save").then().statusCode(400)
                .body("message", equalTo("unknown archive format \"zip\": oci, docker or both"));
        given().contentType(TAR).body(TestImages.tar("a", "a")).queryParam("name", "Bad")
                .post("/v1/images/import").then().statusCode(400).body("message", containsString("must be lowercase"));
        given().contentType(TAR).body(TestImages.tar("a", "a")).post("/v1/images/load").then().statusCode(400)
                .body("message", equalTo("the archive has neither index.json nor manifest.json: not an image archive"));
        given().contentType(TAR).body("not a tar at all, not even close".repeat(40).getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/v1/images/load")
                .then().statusCode(400).body("message", equalTo("not an image archive: not a tar (plain or gzip)"));

        importImage("rest-e", "e");
        given().contentType("application/json").body(Map.of("source", "rest-e", "target", "Bad:1"))
                .post("/v1/images/tag").then().statusCode(400).body("message", containsString("must be lowercase"));
    }
}
