package io.karakuri.futaba.spec;

import io.karakuri.json.Json;
import java.util.List;
import java.util.Map;

/** Test helper: config.json documents as mutable maps, starting from the template `futaba spec` writes. */
public final class Configs {
    private Configs() {
    }

    /** SpecTemplate.standard(), deeply mutable (parsed back from its JSON). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> standard() {
        return (Map<String, Object>) Json.parse(Json.write(SpecTemplate.standard()));
    }

    /** The object at a path of member names, e.g. object(config, "process", "user"). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> config, String... path) {
        Map<String, Object> o = config;
        for (String name : path) {
            o = (Map<String, Object>) o.get(name);
        }
        return o;
    }

    /** The list member name of the object at path. */
    @SuppressWarnings("unchecked")
    public static List<Object> list(Map<String, Object> config, String name, String... path) {
        return (List<Object>) object(config, path).get(name);
    }

    /** A JSON object from alternating names and values (values may be null). */
    public static Map<String, Object> json(Object... namesAndValues) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    /** Replaces the namespace list with namespaces of these types ("type" or "type=path"). */
    public static void namespaces(Map<String, Object> config, String... types) {
        List<Object> list = new java.util.ArrayList<>();
        for (String t : types) {
            String[] typeAndPath = t.split("=", 2);
            list.add(json("type", typeAndPath[0], "path", typeAndPath.length > 1 ? typeAndPath[1] : null));
        }
        object(config, "linux").put("namespaces", list);
    }

    /**
     * Takes out the mounts and the mount namespace (leaving pid and uts), and what needs one: a read-only
     * root, masked and read-only paths.
     */
    public static void withoutMountNamespace(Map<String, Object> config) {
        config.remove("mounts");
        namespaces(config, "pid", "uts");
        object(config, "root").put("readonly", false);
        object(config, "linux").remove("maskedPaths");
        object(config, "linux").remove("readonlyPaths");
    }

    public static Spec read(Map<String, Object> config) {
        return SpecReader.read(Json.write(config));
    }
}
