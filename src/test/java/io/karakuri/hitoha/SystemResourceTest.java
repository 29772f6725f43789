package io.karakuri.hitoha;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.karakuri.Version;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class SystemResourceTest {

    @Test
    void infoNamesTheDaemonAndItsVersion() {
        given().when().get("/v1/system/info")
                .then().statusCode(200)
                .body("name", equalTo("hitoha"))
                .body("version", equalTo(Version.VERSION));
    }
}
