package io.karakuri.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonObjectTest {

    private static JsonObject doc(String json) {
        return JsonObject.root(Json.parse(json), "config.json");
    }

    @Test
    void rootMustBeAnObject() {
        JsonException e = assertThrows(JsonException.class, () -> doc("[1]"));
        assertEquals("config.json: expected a JSON object", e.getMessage());
    }

    @Test
    void readsTypedMembersAndTheirPaths() {
        JsonObject root = doc("""
                {"process": {"user": {"uid": 1000, "additionalGids": [5, 6]}, "args": ["sh", "-c"],
                 "terminal": true, "cwd": "/"},
                 "annotations": {"a": "b"}}""");
        JsonObject user = root.object("process").object("user");

        assertEquals("process.user", user.path());
        assertEquals(1000L, user.integer("uid"));
        assertEquals(List.of(5L, 6L), user.integers("additionalGids"));
        assertEquals(List.of("sh", "-c"), root.object("process").strings("args"));
        assertTrue(root.object("process").bool("terminal", false));
        assertEquals("/", root.object("process").requiredString("cwd"));
        assertEquals(Map.of("a", "b"), root.stringMap("annotations"));
    }

    @Test
    void absentAndNullMembersGiveTheFallback() {
        JsonObject o = doc("{\"n\": null}");

        for (String name : List.of("n", "missing")) {
            assertFalse(o.has(name));
            assertEquals("dflt", o.string(name, "dflt"));
            assertTrue(o.bool(name, true));
            assertNull(o.integer(name));
            assertEquals(7L, o.integer(name, 7));
            assertNull(o.object(name));
            assertEquals(List.of(), o.strings(name));
            assertEquals(List.of(), o.integers(name));
            assertEquals(List.of(), o.objects(name, (x, i) -> x));
            assertEquals(Map.of(), o.stringMap(name));
        }
    }

    @Test
    void aNestedTypeErrorNamesTheWholeMemberPath() {
        JsonObject root = doc("{\"process\":{\"user\":{\"uid\":\"root\"}}}");
        JsonObject user = root.object("process").object("user");

        JsonException e = assertThrows(JsonException.class, () -> user.integer("uid"));
        assertEquals("process.user.uid: expected an integer, found \"root\"", e.getMessage());
    }

    static Stream<Arguments> typeErrors() {
        return Stream.<Arguments>of(
                error("{\"a\": 5}", o -> o.string("a", null), "a: expected a string, found 5"),
                error("{\"a\": \"yes\"}", o -> o.bool("a", false), "a: expected true or false, found \"yes\""),
                error("{\"a\": [1]}", o -> o.object("a"), "a: expected an object, found an array"),
                error("{\"a\": {}}", o -> o.strings("a"), "a: expected an array, found an object"),
                error("{\"a\": 1.5}", o -> o.integer("a"), "a: expected an integer, found 1.5"),
                error("{\"a\": true}", o -> o.integer("a"), "a: expected an integer, found true"),
                error("{\"a\": {}}", o -> o.requiredString("b"), "b: is required"),
                error("{\"p\": {\"args\": [\"sh\", 3]}}", o -> o.object("p").strings("args"),
                        "p.args[1]: expected a string, found 3"),
                error("{\"gids\": [1, 2, 2.5]}", o -> o.integers("gids"), "gids[2]: expected an integer, found 2.5"),
                error("{\"m\": [{}, \"x\"]}", o -> o.objects("m", (x, i) -> x),
                        "m[1]: expected an object, found \"x\""),
                error("{\"m\": [{\"destination\": \"/a\"}, {}]}",
                        o -> o.objects("m", (x, i) -> x.requiredString("destination")),
                        "m[1].destination: is required"),
                error("{\"annotations\": {\"a\": \"b\", \"c\": 1}}", o -> o.stringMap("annotations"),
                        "annotations.c: expected a string, found 1"));
    }

    private static Arguments error(String json, Consumer<JsonObject> read, String message) {
        return Arguments.of(json, read, message);
    }

    @ParameterizedTest
    @MethodSource("typeErrors")
    void typeErrorsNameTheMember(String json, Consumer<JsonObject> read, String message) {
        JsonObject o = doc(json);
        JsonException e = assertThrows(JsonException.class, () -> read.accept(o));
        assertEquals(message, e.getMessage());
    }

    @Test
    void unsigned64BitValuesKeepTheirBitsAndLargerOnesAreClamped() {
        JsonObject o = doc("{\"infinity\": 18446744073709551615, \"max\": 36893488147419103232, "
                + "\"min\": -18446744073709551615}");
        assertEquals(-1L, o.integer("infinity"), "RLIM_INFINITY as a uint64");
        assertEquals(Long.MAX_VALUE, o.integer("max"));
        assertEquals(Long.MIN_VALUE, o.integer("min"));
    }

    @Test
    void invalidNamesTheMember() {
        JsonObject process = doc("{\"process\": {}}").object("process");
        assertEquals("process.cwd: must be absolute", process.invalid("cwd", "must be absolute").getMessage());
    }
}
