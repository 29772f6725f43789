package io.karakuri.it;

import io.karakuri.futaba.spec.SpecTemplate;
import io.karakuri.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OCI bundle for tests: a root file system made from Debian's busybox-static (/bin/busybox and a
 * link per applet) and futaba's template config.json, edited through {@link #config()}.
 */
public final class Bundle {
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private final Path dir;
    private final Map<String, Object> config;

    private Bundle(Path dir) {
        this.dir = dir;
        this.config = SpecTemplate.standard();
    }

    /** A bundle under parent, with a busybox root file system. */
    public static Bundle busybox(Path parent) {
        try {
            Path dir = Files.createTempDirectory(parent, "bundle");
            Path bin = Files.createDirectories(dir.resolve("rootfs/bin"));
            Files.copy(BUSYBOX, bin.resolve("busybox"));
            Process list = new ProcessBuilder(BUSYBOX.toString(), "--list").start();
            for (String applet : new String(list.getInputStream().readAllBytes()).split("\n")) {
                if (!applet.isBlank() && !applet.equals("busybox")) {
                    Files.createSymbolicLink(bin.resolve(applet.strip()), Path.of("busybox"));
                }
            }
            list.waitFor();
            return new Bundle(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path rootfs() {
        return dir.resolve("rootfs");
    }

    /** The config as a mutable JSON tree; {@link #write} saves it. */
    public Map<String, Object> config() {
        return config;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> section(String name) {
        return (Map<String, Object>) config.computeIfAbsent(name, k -> new LinkedHashMap<>());
    }

    /** Sets process.args to a shell script: sh -c script. */
    public Bundle shell(String script) {
        return args("sh", "-c", script);
    }

    public Bundle args(String... args) {
        section("process").put("args", List.of(args));
        return this;
    }

    public Bundle writable() {
        section("root").put("readonly", false);
        return this;
    }

    @SuppressWarnings("unchecked")
    public Bundle mount(Map<String, Object> mount) {
        List<Object> mounts = new ArrayList<>((List<Object>) config.get("mounts"));
        mounts.add(mount);
        config.put("mounts", mounts);
        return this;
    }

    /** Sets linux.resources.KIND: an object (memory: {...}) or, for hugepageLimits, an array. */
    @SuppressWarnings("unchecked")
    public Bundle resources(String kind, Object values) {
        Map<String, Object> linux = section("linux");
        Map<String, Object> resources = new LinkedHashMap<>((Map<String, Object>) linux.get("resources"));
        resources.put(kind, values);
        linux.put("resources", resources);
        return this;
    }

    /** Replaces linux.namespaces with these (type → path, or null for a new one). */
    public Bundle namespaces(Map<String, String> namespaces) {
        List<Object> list = new ArrayList<>();
        namespaces.forEach((type, path) -> {
            Map<String, Object> ns = new LinkedHashMap<>();
            ns.put("type", type);
            if (path != null) {
                ns.put("path", path);
            }
            list.add(ns);
        });
        section("linux").put("namespaces", list);
        return this;
    }

    public Bundle write() {
        try {
            Files.writeString(dir.resolve("config.json"), Json.writePretty(config));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
