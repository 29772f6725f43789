package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** User namespaces: root inside a container that is an unprivileged id outside it. */
class FutabaUserNamespaceIT extends FutabaTestBase {
    private static final long HOST_ID = 200000;

    /**
     * A bundle for a user namespace: its rootfs owned by the id the container's root maps to (as an image
     * unpacked for it would be), reachable by that id (temporary directories are made 0700).
     */
    private Bundle mapped(Bundle b) {
        ownedByTheMappedRoot(b);
        @SuppressWarnings("unchecked")
        List<Object> namespaces = new java.util.ArrayList<>((List<Object>) b.section("linux").get("namespaces"));
        namespaces.add(Map.of("type", "user"));
        b.section("linux").put("namespaces", namespaces);
        List<Map<String, Object>> mapping = List.of(Map.of("containerID", 0, "hostID", HOST_ID, "size", 65536));
        b.section("linux").put("uidMappings", mapping);
        b.section("linux").put("gidMappings", mapping);
        return b.writable();
    }

    private Bundle ownedByTheMappedRoot(Bundle b) {
        try {
            for (Path dir : List.of(work, b.dir())) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            try (var files = Files.walk(b.rootfs())) {
                for (Path f : files.toList()) {
                    Files.setAttribute(f, "unix:uid", (int) HOST_ID, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(f, "unix:gid", (int) HOST_ID, LinkOption.NOFOLLOW_LINKS);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b;
    }

    @Test
    void rootInsideIsAnUnprivilegedIdOutside() throws IOException {
        Bundle b = mapped(bundle()).args("sleep", "300");
        b.config().put("hostname", "inside");
        b.write();
        String id = id("userns");
        futaba("run", "--detach", "--bundle", b.dir().toString(), id).ok();
        long pid = JsonObject.root(Json.parse(futaba("state", id).ok().out()), "state").integer("pid", 0);
        Path status = Path.of("/proc", Long.toString(pid), "status");
        eventually("the process runs its program", () -> {
            try {
                return Files.readString(status).contains("sleep");
            } catch (IOException e) {
                return false;
            }
        });
        String hostUid = Files.readAllLines(status).stream().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertEquals("Uid:\t" + HOST_ID + "\t" + HOST_ID + "\t" + HOST_ID + "\t" + HOST_ID, hostUid);

        String inside = futaba("exec", id, "sh", "-c", "id; cat /proc/self/uid_map").ok().out();
        assertTrue(inside.startsWith("uid=0 gid=0"), inside);
        assertTrue(inside.contains("0     " + HOST_ID + "      65536"), inside);
        futaba("delete", "--force", id).ok();
    }

    @Test
    void theContainersRootCannotWriteTheHostsFiles() throws IOException {
        Path hostDir = Files.createDirectories(work.resolve("host-owned"));
        Files.setPosixFilePermissions(hostDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Bundle b = mapped(bundle()).shell("id; echo x > /dev/null && echo devnull; touch /mine && echo own-rootfs; "
                + "touch /host/new 2>/dev/null || echo refused; cat /proc/self/gid_map");
        b.mount(FutabaRunIT.mount("/host", "bind", hostDir.toString(), List.of("rbind")));
        String out = run(b).ok().out();
        assertEquals("uid=0 gid=0\ndevnull\nown-rootfs\nrefused\n         0     " + HOST_ID + "      65536\n", out);
    }

    @Test
    void joinsAnotherContainersUserNamespace() {
        Bundle first = mapped(bundle()).args("sleep", "300");
        String a = id("owner");
        first.write();
        futaba("run", "--detach", "--bundle", first.dir().toString(), a).ok();
        long pid = JsonObject.root(Json.parse(futaba("state", a).ok().out()), "state").integer("pid", 0);

        Map<String, String> namespaces = new LinkedHashMap<>();
        namespaces.put("user", "/proc/" + pid + "/ns/user");
        namespaces.put("network", "/proc/" + pid + "/ns/net");
        namespaces.put("mount", null);
        namespaces.put("pid", null);
        namespaces.put("ipc", null); // its mqueue mount needs an ipc namespace of the user namespace's
        Bundle second = ownedByTheMappedRoot(bundle()).shell("id; cat /proc/self/uid_map").namespaces(namespaces);
        second.config().remove("hostname");
        String out = run(second).ok().out();
        assertTrue(out.startsWith("uid=0 gid=0\n"), out);
        assertTrue(out.contains("0     " + HOST_ID + "      65536"), out);
    }

    @Test
    void badMappingsAreRefused() {
        Bundle b = mapped(bundle()).args("true");
        b.section("linux").put("uidMappings", List.of(Map.of("containerID", 0, "hostID", HOST_ID, "size", 0)));
        Launcher.Result r = run(b);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("linux.uidMappings: invalid mapping"), r.err());
    }
}
