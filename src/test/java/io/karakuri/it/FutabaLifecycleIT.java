package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** create → start → kill → delete, as containerd drives them, with runc's rules between states. */
class FutabaLifecycleIT extends FutabaTestBase {

    private JsonObject state(String id) {
        return JsonObject.root(Json.parse(futaba("state", id).ok().out()), "state");
    }

    private String status(String id) {
        return state(id).requiredString("status");
    }

    private String create(Bundle bundle, String... extra) {
        bundle.write();
        String id = id("life");
        List<String> args = new java.util.ArrayList<>(List.of("create", "--bundle", bundle.dir().toString()));
        args.addAll(List.of(extra));
        args.add(id);
        futaba(args.toArray(String[]::new)).ok();
        return id;
    }

    @Test
    void createStartKillDelete() throws Exception {
        Path pidFile = work.resolve("pid");
        // pid 1 of a pid namespace gets only the signals it handles: this one handles TERM
        Bundle b = bundle().shell("trap 'exit 0' TERM; sleep 300 & wait");
        String id = create(b, "--pid-file", pidFile.toString());

        JsonObject created = state(id);
        assertEquals("created", created.requiredString("status"));
        long pid = created.integer("pid", 0);
        assertEquals(Long.toString(pid), Files.readString(pidFile));
        assertEquals(b.dir().toString(), created.requiredString("bundle"));
        assertEquals(id, created.requiredString("id"));
        assertTrue(Files.exists(Path.of("/proc", Long.toString(pid))));
        assertTrue(futaba("list").ok().out().lines().anyMatch(l -> l.startsWith(id + " ") && l.contains("created")));

        futaba("start", id).ok();
        assertEquals("running", status(id));
        String json = futaba("list", "--format", "json").ok().out();
        assertTrue(json.contains("\"id\":\"" + id + "\"") && json.contains("\"status\":\"running\""), json);

        Launcher.Result again = futaba("start", id);
        assertEquals(1, again.code());
        assertTrue(again.err().contains("running, not created"), again.err());

        Launcher.Result refused = futaba("delete", id);
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("running"), refused.err());

        futaba("kill", id, "TERM").ok();
        eventually("the container stops", () -> status(id).equals("stopped"));
        assertEquals(0, state(id).integer("pid", -1));

        Launcher.Result dead = futaba("kill", id, "KILL");
        assertEquals(1, dead.code(), "kill refuses a stopped container");

        futaba("delete", id).ok();
        Launcher.Result gone = futaba("state", id);
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("does not exist"), gone.err());
    }

    @Test
    void deleteOfACreatedContainerKillsItsWaitingProcess() {
        String id = create(bundle().args("sleep", "300"));
        long pid = state(id).integer("pid", 0);
        futaba("delete", id).ok();
        eventually("the process is gone", () -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    void forcedDeleteStopsARunningContainer() {
        String id = create(bundle().args("sleep", "300"));
        futaba("start", id).ok();
        futaba("delete", "--force", id).ok();
        assertEquals(1, futaba("state", id).code());
    }

    @Test
    void killAllReachesEveryProcess() throws Exception {
        // without a pid namespace of its own, the container's other processes must be found by cgroup
        Bundle b = bundle().shell("trap '' TERM; sleep 300 & sleep 301 & wait");
        Map<String, String> ns = new LinkedHashMap<>();
        ns.put("mount", null);
        ns.put("ipc", null);
        ns.put("uts", null);
        ns.put("network", null);
        b.namespaces(ns);
        b.config().remove("hostname");
        String id = create(b);
        futaba("start", id).ok();
        long pid = state(id).integer("pid", 0);
        eventually("both sleeps run", () -> ProcessHandle.of(pid).map(p -> p.children().count() == 2).orElse(false));
        // these two, not any "sleep 300" of the machine's (another program's may run meanwhile)
        List<ProcessHandle> sleeps = ProcessHandle.of(pid).orElseThrow().children().toList();
        futaba("kill", "--all", id, "KILL").ok();
        eventually("the container stops", () -> status(id).equals("stopped"));
        eventually("the sleeps are gone", () -> sleeps.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void joinsTheNamespacesOfAnotherContainer() {
        Bundle first = bundle().args("sleep", "300");
        first.config().put("hostname", "first");
        String a = create(first);
        futaba("start", a).ok();
        long pid = state(a).integer("pid", 0);

        Bundle second = bundle().shell("hostname; ps -o pid,comm | grep -c sleep; cat /proc/net/dev | tail -n +3 | cut -d: -f1");
        Map<String, String> ns = new LinkedHashMap<>();
        ns.put("pid", "/proc/" + pid + "/ns/pid");
        ns.put("network", "/proc/" + pid + "/ns/net");
        ns.put("uts", "/proc/" + pid + "/ns/uts");
        ns.put("ipc", "/proc/" + pid + "/ns/ipc");
        ns.put("mount", null);
        second.namespaces(ns);
        second.config().remove("hostname");
        Launcher.Result r = run(second).ok();
        assertEquals("first\n1\nlo\n", r.out().replace(" ", ""));
    }

    @Test
    void errorsGoToTheJsonLogAsRuncWritesThem() throws Exception {
        Path log = work.resolve("futaba.log");
        Launcher.Result r = Launcher.run("futaba", List.of("--root", root.toString(), "--log", log.toString(),
                "--log-format", "json", "start", "nothing-here"));
        assertEquals(1, r.code());
        JsonObject entry = JsonObject.root(Json.parse(Files.readString(log).strip()), "log");
        assertEquals("error", entry.requiredString("level"));
        assertTrue(entry.requiredString("msg").contains("does not exist"));
        assertTrue(entry.requiredString("time").endsWith("Z"));
    }
}
