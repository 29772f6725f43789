package io.karakuri.hitoha;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ApiErrorsTest {

    @Test
    void anUnknownPathIsAJsonMessage() {
        given().when().get("/v1/no-such-thing")
                .then().statusCode(404)
                .body("message", equalTo("no such API path"));
    }

    @Test
    void aWrongMethodIsAJsonMessage() {
        given().when().delete("/v1/system/info")
                .then().statusCode(405)
                .body("message", equalTo("Method Not Allowed"));
    }
}
