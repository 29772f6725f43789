package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** pause and resume (the cgroup freezer), ps, events and features. */
class FutabaInspectIT extends FutabaTestBase {
    private static final long MIB = 1024 * 1024;
    private String container;

    @BeforeEach
    void startContainer() {
        // a counter that only moves while the container runs
        Bundle b = bundle().shell("i=0; while true; do i=$((i+1)); echo $i > /dev/shm/count; sleep 0.01; done");
        b.resources("memory", Map.of("limit", 64 * MIB));
        b.resources("pids", Map.of("limit", 20));
        b.write();
        container = id("inspect");
        futaba("run", "--detach", "--bundle", b.dir().toString(), container).ok();
    }

    private String status() {
        return JsonObject.root(Json.parse(futaba("state", container).ok().out()), "state").requiredString("status");
    }

    private long count() {
        return Long.parseLong(futaba("exec", container, "cat", "/dev/shm/count").ok().out().strip());
    }

    @Test
    void pausedProcessesStandStillUntilResumed() throws Exception {
        futaba("pause", container).ok();
        assertEquals("paused", status());
        long frozen = Long.parseLong(Files.readString(
                Path.of("/proc", pid(), "root", "dev/shm/count")).strip());
        Thread.sleep(200);
        assertEquals(frozen, Long.parseLong(Files.readString(
                Path.of("/proc", pid(), "root", "dev/shm/count")).strip()), "no progress while paused");
        Launcher.Result exec = futaba("exec", container, "true");
        assertEquals(1, exec.code());
        assertTrue(exec.err().contains("it is paused"), exec.err());
        assertEquals(1, futaba("pause", container).code(), "pause refuses a paused container");

        futaba("resume", container).ok();
        assertEquals("running", status());
        long before = count();
        eventually("the counter moves again", () -> count() > before);
        assertEquals(1, futaba("resume", container).code(), "resume refuses a running container");
    }

    private String pid() {
        return Long.toString(JsonObject.root(Json.parse(futaba("state", container).ok().out()), "state").integer("pid", 0));
    }

    @Test
    void aPausedContainerIsDeletedWithForce() {
        futaba("pause", container).ok();
        Launcher.Result refused = futaba("delete", container);
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("paused"), refused.err());
        futaba("delete", "--force", container).ok();
        assertEquals(1, futaba("state", container).code());
    }

    @Test
    void sigkillStopsAPausedContainerAndOtherSignalsWaitForTheResume() {
        futaba("pause", container).ok();
        futaba("kill", "--all", container, "USR1").ok();
        assertEquals("paused", status(), "a signal to all leaves a paused container paused");

        futaba("kill", container, "KILL").ok();

        eventually("the paused container dies of SIGKILL", () -> status().equals("stopped"));
    }

    @Test
    void psListsTheContainersProcesses() {
        futaba("exec", "--detach", container, "sleep", "100").ok();
        List<?> pids = (List<?>) Json.parse(futaba("ps", "--format", "json", container).ok().out());
        assertTrue(pids.size() >= 2, "the shell and the sleep: " + pids);
        String table = futaba("ps", container).ok().out();
        assertTrue(table.startsWith("UID "), table);
        assertTrue(table.lines().anyMatch(l -> l.endsWith("sleep 100")), table);
        assertTrue(table.lines().anyMatch(l -> l.contains(" sh -c i=0;")), table);
    }

    @Test
    void eventsReportTheCgroupsFigures() {
        JsonObject event = JsonObject.root(Json.parse(futaba("events", "--stats", container).ok().out()), "event");
        assertEquals("stats", event.requiredString("type"));
        assertEquals(container, event.requiredString("id"));
        JsonObject data = event.object("data");
        assertEquals(20, data.object("pids").integer("limit", 0));
        assertTrue(data.object("pids").integer("current", 0) >= 1);
        assertEquals(64 * MIB, data.object("memory").object("usage").integer("limit", 0));
        assertTrue(data.object("memory").object("usage").integer("usage", 0) > 0);
        assertTrue(data.object("cpu").object("usage").integer("total", 0) > 0);
    }

    @Test
    void featuresSayWhatFutabaImplements() {
        JsonObject features = JsonObject.root(Json.parse(futaba("features").ok().out()), "features");
        assertEquals("1.2.0", features.requiredString("ociVersionMax"));
        assertTrue(features.object("linux").strings("namespaces").containsAll(List.of("pid", "network", "mount")));
        assertTrue(features.object("linux").strings("capabilities").contains("CAP_SYS_ADMIN"));
        assertTrue(features.strings("mountOptions").containsAll(List.of("ro", "rbind", "rprivate")));
    }
}
