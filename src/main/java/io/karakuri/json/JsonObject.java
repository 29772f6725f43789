package io.karakuri.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A JSON object being read into a typed model, with the path of each member for error messages:
 * {@code process.user.uid: expected an integer, found "root"}.
 */
public final class JsonObject {
    private final Map<String, Object> members;
    private final String path;

    private JsonObject(Map<String, Object> members, String path) {
        this.members = members;
        this.path = path;
    }

    /** The document's top level, which must be an object. */
    public static JsonObject root(Object document, String what) {
        if (!(document instanceof Map<?, ?>)) {
            throw new JsonException(what + ": expected a JSON object");
        }
        return of(document, "");
    }

    @SuppressWarnings("unchecked")
    private static JsonObject of(Object value, String path) {
        return new JsonObject((Map<String, Object>) value, path);
    }

    public String path() {
        return path;
    }

    public boolean has(String name) {
        return members.get(name) != null;
    }

    private String at(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private JsonException wrong(String where, String expected, Object found) {
        String shown = found instanceof String s ? "\"" + s + "\"" : String.valueOf(found);
        if (found instanceof Map<?, ?>) {
            shown = "an object";
        } else if (found instanceof List<?>) {
            shown = "an array";
        }
        return new JsonException(where + ": expected " + expected + ", found " + shown);
    }

    public String string(String name, String fallback) {
        Object v = members.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String s)) {
            throw wrong(at(name), "a string", v);
        }
        return s;
    }

    public String requiredString(String name) {
        String s = string(name, null);
        if (s == null) {
            throw new JsonException(at(name) + ": is required");
        }
        return s;
    }

    public boolean bool(String name, boolean fallback) {
        Object v = members.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw wrong(at(name), "true or false", v);
        }
        return b;
    }

    /** An integer member, or null when absent. */
    public Long integer(String name) {
        return asInteger(members.get(name), at(name));
    }

    public long integer(String name, long fallback) {
        Long v = integer(name);
        return v == null ? fallback : v;
    }

    private Long asInteger(Object v, String where) {
        if (v == null) {
            return null;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) >= 0x1p63) {
            // unsigned 64-bit values (such as -1 written as 18446744073709551615) do not fit a long
            return d > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        throw wrong(where, "an integer", v);
    }

    public JsonObject object(String name) {
        Object v = members.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map<?, ?>)) {
            throw wrong(at(name), "an object", v);
        }
        return of(v, at(name));
    }

    private List<?> array(String name) {
        Object v = members.get(name);
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> list)) {
            throw wrong(at(name), "an array", v);
        }
        return list;
    }

    /** A string array, or an empty list when absent. */
    public List<String> strings(String name) {
        List<?> list = array(name);
        List<String> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s)) {
                throw wrong(at(name) + "[" + i + "]", "a string", list.get(i));
            }
            out.add(s);
        }
        return out;
    }

    /** An integer array, or an empty list when absent. */
    public List<Long> integers(String name) {
        List<?> list = array(name);
        List<Long> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            out.add(asInteger(list.get(i), at(name) + "[" + i + "]"));
        }
        return out;
    }

    /** An array of objects, each read by reader; an empty list when absent. */
    public <T> List<T> objects(String name, BiFunction<JsonObject, Integer, T> reader) {
        List<?> list = array(name);
        List<T> out = new ArrayList<>();
        if (list == null) {
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            String where = at(name) + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?>)) {
                throw wrong(where, "an object", list.get(i));
            }
            out.add(reader.apply(of(list.get(i), where), i));
        }
        return out;
    }

    /** A string-to-string map (annotations, sysctl), or an empty map when absent. */
    public Map<String, String> stringMap(String name) {
        JsonObject o = object(name);
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (o == null) {
            return out;
        }
        for (String key : o.members.keySet()) {
            out.put(key, o.requiredString(key));
        }
        return out;
    }

    /** An object whose members are objects (linux.resources.rdma), each read by reader; empty when absent. */
    public <T> Map<String, T> objectMap(String name, BiFunction<JsonObject, String, T> reader) {
        JsonObject o = object(name);
        Map<String, T> out = new java.util.LinkedHashMap<>();
        if (o == null) {
            return out;
        }
        for (String key : o.members.keySet()) {
            JsonObject member = o.object(key);
            if (member == null) {
                throw o.invalid(key, "expected an object, found null");
            }
            out.put(key, reader.apply(member, key));
        }
        return out;
    }

    /** Fails for a member with the given name; for checks the typed reader makes itself. */
    public JsonException invalid(String name, String why) {
        return new JsonException(at(name) + ": " + why);
    }
}
