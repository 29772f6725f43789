package io.karakuri.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    @Test
    void parsesAnObjectKeepingMemberOrder() {
        Object value = Json.parse(" {\"b\": 1, \"a\": [true, false, null], \"c\": {}, \"d\": []} ");

        Map<?, ?> map = assertInstanceOf(Map.class, value);
        assertEquals(List.of("b", "a", "c", "d"), List.copyOf(map.keySet()));
        assertEquals(1L, map.get("b"));
        assertEquals(Arrays.asList(true, false, null), map.get("a"));
        assertEquals(Map.of(), map.get("c"));
        assertEquals(List.of(), map.get("d"));
    }

    @Test
    void parsesTopLevelScalars() {
        assertEquals(Boolean.TRUE, Json.parse("true"));
        assertEquals(Boolean.FALSE, Json.parse("false"));
        assertNull(Json.parse(" null "));
        assertEquals("x", Json.parse("\"x\""));
        assertEquals(42L, Json.parse("\t42\r\n"));
    }

    @Test
    void parsesStringEscapes() {
        String parsed = (String) Json.parse("\"a\\nb\\\"c\\u00e9\\\\d\\/e\\tf\\r\\b\\f\"");
        assertEquals("a\nb\"c\u00e9\\d/e\tf\r\b\f", parsed);
    }

    @Test
    void parsesASurrogatePairEscape() {
        assertEquals("\uD83D\uDE00", Json.parse("\"\\ud83d\\ude00\""));
    }

    @Test
    void keepsNonAsciiCharactersAsTheyAre() {
        assertEquals("füßé 日本", Json.parse("\"füßé 日本\""));
    }

    static Stream<Arguments> numbers() {
        return Stream.of(
                Arguments.of("0", 0L),
                Arguments.of("-12", -12L),
                Arguments.of("9223372036854775807", Long.MAX_VALUE),
                Arguments.of("-9223372036854775808", Long.MIN_VALUE),
                Arguments.of("1.5", 1.5),
                Arguments.of("-0.25", -0.25),
                Arguments.of("1e3", 1000.0),
                Arguments.of("2E-2", 0.02),
                Arguments.of("6.02e+23", 6.02e23),
                // unsigned 64-bit values (Go's uint64, RLIM_INFINITY) keep their bits in a long
                Arguments.of("9223372036854775808", Long.MIN_VALUE),
                Arguments.of("18446744073709551615", -1L),
                // beyond 64 bits: a Double, not an error and not a wrapped-around long
                Arguments.of("18446744073709551616", 1.8446744073709551616e19),
                Arguments.of("-99999999999999999999", -1e20));
    }

    @ParameterizedTest
    @MethodSource("numbers")
    void parsesNumbers(String text, Object expected) {
        Object parsed = Json.parse(text);
        assertEquals(expected.getClass(), parsed.getClass(), text);
        assertEquals(expected, parsed, text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-", "1.", ".5", "1e", "1e+", "+1", "01", "--1", "0x10", "NaN", "Infinity"})
    void rejectsMalformedNumbers(String text) {
        assertThrows(JsonException.class, () -> Json.parse(text));
    }

    @Test
    void writesCompactJsonAndLeavesOutNullMembers() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("a", 1L);
        doc.put("skipped", null);
        doc.put("b", Arrays.asList(true, null, "x\ny\"z\\"));
        doc.put("c", Map.of());
        doc.put("d", 2.5);
        doc.put("e", "\u0001\t\r");

        assertEquals("{\"a\":1,\"b\":[true,null,\"x\\ny\\\"z\\\\\"],\"c\":{},\"d\":2.5,\"e\":\"\\u0001\\t\\r\"}",
                Json.write(doc));
    }

    @Test
    void writesPrettyJsonIndentedByTwoSpaces() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("id", "c1");
        doc.put("pid", 42);
        doc.put("list", List.of(1, List.of()));
        doc.put("empty", Map.of());

        assertEquals("""
                {
                  "id": "c1",
                  "pid": 42,
                  "list": [
                    1,
                    []
                  ],
                  "empty": {}
                }""", Json.writePretty(doc));
    }

    @Test
    void roundTripsThroughBothWriters() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("s", "quote \" backslash \\ newline \n control \u0002 é \uD83D\uDE00");
        inner.put("n", -7L);
        inner.put("d", 1.25e-7);
        List<Object> list = new ArrayList<>(Arrays.asList(true, false, null, inner, List.of()));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("list", list);
        doc.put("max", Long.MAX_VALUE);

        assertEquals(doc, Json.parse(Json.write(doc)));
        assertEquals(doc, Json.parse(Json.writePretty(doc)));
    }

    @Test
    void refusesToWriteWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(new Object())));
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("{\"a\":1} x", "unexpected data after the JSON value", 1, 9),
                Arguments.of("", "unexpected end of input", 1, 1),
                Arguments.of("\"\\x\"", "bad escape '\\x'", 1, 3),
                Arguments.of("\"\\u12\"", "short \\u escape", 1, 4),
                Arguments.of("\"\\uzzzz\"", "bad \\u escape", 1, 4),
                Arguments.of("\"a\u0001\"", "control character in a string", 1, 3),
                Arguments.of("[\"a\nb\"]", "control character in a string", 1, 4),
                Arguments.of("\"abc", "unexpected end of input", 1, 5),
                Arguments.of("{\"a\":1,\n \"a\":2}", "duplicate member \"a\"", 2, 6),
                Arguments.of("{\n  \"a\": 1,\n  \"b\": tru\n}", "unexpected word", 3, 8),
                Arguments.of("[1 2]", "expected ',' or ']'", 1, 4),
                Arguments.of("{\"a\" 1}", "expected ':'", 1, 6),
                Arguments.of("{\"a\":1,}", "expected a member name in quotes", 1, 8),
                Arguments.of("[1,]", "unexpected character ']'", 1, 4),
                Arguments.of("{'a':1}", "expected a member name in quotes", 1, 2));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void reportsErrorsWithLineAndColumn(String text, String what, int line, int column) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertEquals(what + " at line " + line + ", column " + column, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\\u+041\"", "\"\\u-041\""})
    void rejectsASignInAUnicodeEscape(String text) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().startsWith("bad \\u escape at line 1"), e.getMessage());
    }

    @Test
    void acceptsNestingUpTo512Levels() {
        assertInstanceOf(List.class, Json.parse(nested(512)));
    }

    @Test
    void rejectsNestingDeeperThan512Levels() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(nested(513)));
        assertTrue(e.getMessage().matches("nested too deeply at line 1, column \\d+"), e.getMessage());
    }

    @Test
    void rejectsVeryDeepNestingWithoutOverflowingTheStack() {
        String deep = "[".repeat(200_000);
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().startsWith("nested too deeply"), e.getMessage());
    }

    private static String nested(int levels) {
        return "[".repeat(levels) + "]".repeat(levels);
    }
}
