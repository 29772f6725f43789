package io.karakuri.hitoha;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/openapi.yaml is the document hitoha serves at /q/openapi. When the API changes, this test writes
 * the new document there and fails once, so that the change is seen and committed with the code.
 */
@QuarkusTest
class OpenApiDocumentTest {
    private static final Path DOCUMENT = Path.of("docs/openapi.yaml");

    @Test
    void docsHaveTheServedDocument() throws IOException {
        String served = given().queryParam("format", "yaml").get("/q/openapi").then().statusCode(200).extract()
                .asString();
        String kept = Files.exists(DOCUMENT) ? Files.readString(DOCUMENT) : "";
        if (!served.equals(kept)) {
            Files.writeString(DOCUMENT, served);
        }
        assertEquals(kept, served, DOCUMENT + " was out of date: it has been rewritten, commit it");
    }
}
