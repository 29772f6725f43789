package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OCI hooks: each lifecycle point's hooks run in order at their point, where the spec puts them (the
 * host's namespaces, or the container's), with the state on stdin, their own argv[0] and environment, and
 * their timeout; a failing prestart, createRuntime or createContainer hook fails the create and leaves
 * nothing behind; a failing poststart or poststop hook is a warning.
 */
class FutabaHooksIT extends FutabaTestBase {
    private Path out;

    @BeforeEach
    void outputDirectory() throws IOException {
        out = Files.createDirectories(work.resolve("out"));
    }

    /** A hook running the host's sh (dash) with a script. */
    private static Map<String, Object> hook(String script, Object... more) {
        Map<String, Object> hook = new LinkedHashMap<>();
        hook.put("path", "/bin/sh");
        hook.put("args", List.of("sh", "-c", script));
        for (int i = 0; i < more.length; i += 2) {
            hook.put((String) more[i], more[i + 1]);
        }
        return hook;
    }

    /** A hook that appends its name to the log and keeps its stdin as OUT/NAME.json. */
    private Map<String, Object> recording(String name, Path dir) {
        return hook("echo " + name + " >> " + dir + "/log; cat > " + dir + "/" + name + ".json");
    }

    private JsonObject stateSeenBy(String name) throws IOException {
        return JsonObject.root(Json.parse(Files.readString(out.resolve(name + ".json"))), name);
    }

    @Test
    void everyPointsHooksRunInOrderWithTheStateOnStdin() throws IOException {
        Bundle b = bundle().args("sleep", "300");
        b.mount(FutabaRunIT.mount("/out", "bind", out.toString(), List.of("rbind")));
        Map<String, Object> hooks = new LinkedHashMap<>();
        hooks.put("prestart", List.of(recording("prestart", out)));
        hooks.put("createRuntime", List.of(recording("createRuntime", out)));
        hooks.put("createContainer", List.of(recording("createContainer", out)));
        // in the container, after pivot_root: the container's busybox sh, the bind mount's path
        Map<String, Object> inside = new LinkedHashMap<>();
        inside.put("path", "/bin/sh");
        inside.put("args", List.of("sh", "-c", "echo startContainer >> /out/log; cat > /out/startContainer.json"));
        hooks.put("startContainer", List.of(inside));
        hooks.put("poststart", List.of(recording("poststart", out)));
        hooks.put("poststop", List.of(recording("poststop", out)));
        b.config().put("hooks", hooks);
        b.config().put("annotations", Map.of("org.example.key", "value"));
        b.write();
        String c = id("hooks");

        futaba("create", "--bundle", b.dir().toString(), c).ok();
        long pid = JsonObject.root(Json.parse(futaba("state", c).ok().out()), "state").integer("pid", 0);
        assertEquals(List.of("prestart", "createRuntime", "createContainer"), Files.readAllLines(out.resolve("log")));
        futaba("start", c).ok();
        futaba("delete", "--force", c).ok();

        assertEquals(List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"),
                Files.readAllLines(out.resolve("log")));
        for (String point : List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                "poststop")) {
            JsonObject state = stateSeenBy(point);
            assertEquals(c, state.requiredString("id"), point);
            assertEquals(b.dir().toString(), state.requiredString("bundle"), point);
            assertEquals(Map.of("org.example.key", "value"), state.stringMap("annotations"), point);
        }
        assertEquals("created", stateSeenBy("prestart").requiredString("status"));
        assertEquals("created", stateSeenBy("createContainer").requiredString("status"));
        assertEquals("created", stateSeenBy("startContainer").requiredString("status"));
        assertEquals("running", stateSeenBy("poststart").requiredString("status"));
        assertEquals("stopped", stateSeenBy("poststop").requiredString("status"));
        assertEquals(pid, stateSeenBy("prestart").integer("pid", -1), "the host's hooks see the host's pid");
        assertEquals(pid, stateSeenBy("poststart").integer("pid", -1));
        assertEquals(1, stateSeenBy("createContainer").integer("pid", -1), "as runc: its pid in the container");
        assertEquals(1, stateSeenBy("startContainer").integer("pid", -1));
    }

    @Test
    void aHookGetsItsOwnArgvZeroAndExactlyItsEnvironmentFromTheBundleDirectory() throws IOException {
        Bundle b = bundle().args("true");
        Map<String, Object> hook = new LinkedHashMap<>();
        hook.put("path", "/bin/sh");
        hook.put("args", List.of("argv-zero", "-c", "echo \"$0 $FOO ${HOME:-unset} $(pwd)\" > " + out + "/seen"));
        hook.put("env", List.of("FOO=bar"));
        b.config().put("hooks", Map.of("createRuntime", List.of(hook)));

        run(b).ok();

        assertEquals("argv-zero bar unset " + b.dir() + "\n", Files.readString(out.resolve("seen")));
    }

    @Test
    void aFailingPrestartHookFailsTheCreateAndLeavesNothingBehind() {
        Bundle b = bundle().args("true");
        b.config().put("hooks", Map.of("prestart", List.of(hook("echo ran > " + out + "/first"),
                hook("echo failing >&2; exit 3"), hook("echo ran > " + out + "/third"))));
        b.write();
        String c = id("prestart-fails");

        Launcher.Result r = futaba("create", "--bundle", b.dir().toString(), c);

        assertEquals(1, r.code());
        assertTrue(r.err().contains("run prestart hook 1 (/bin/sh): exit status 3"), r.err());
        assertTrue(r.err().contains("failing"), "the hook's own stderr: " + r.err());
        assertTrue(Files.exists(out.resolve("first")));
        assertFalse(Files.exists(out.resolve("third")), "the hooks after a failed one do not run");
        assertEquals(1, futaba("state", c).code(), "no container");
    }

    @Test
    void aHookPastItsTimeoutIsKilledAndFailsTheCreate() {
        Bundle b = bundle().args("true");
        b.config().put("hooks", Map.of("createRuntime", List.of(hook("exec sleep 30", "timeout", 1))));
        b.write();
        long start = System.nanoTime();

        Launcher.Result r = futaba("create", "--bundle", b.dir().toString(), id("timeout"));

        assertEquals(1, r.code());
        assertTrue(r.err().contains("run createRuntime hook 0 (/bin/sh): killed after its timeout"), r.err());
        assertTrue(System.nanoTime() - start < 20_000_000_000L, "the 30 s hook did not run its course");
    }

    @Test
    void aMissingHookOrAFailingCreateContainerHookFailsTheCreate() {
        Bundle missing = bundle().args("true");
        missing.config().put("hooks", Map.of("createContainer", List.of(Map.of("path", "/no/such/hook"))));
        Launcher.Result r = run(missing);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("run createContainer hook 0 (/no/such/hook): No such file or directory"), r.err());

        Bundle failing = bundle().args("true");
        failing.config().put("hooks", Map.of("createContainer", List.of(hook("kill -9 $$"))));
        r = run(failing);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("run createContainer hook 0 (/bin/sh): killed by SIGKILL"), r.err());
    }

    @Test
    void failingPoststartAndPoststopHooksAreWarningsAndTheOthersStillRun() throws IOException {
        Bundle b = bundle().args("true");
        b.config().put("hooks", Map.of(
                "poststart", List.of(hook("exit 4"), hook("echo ran > " + out + "/poststart")),
                "poststop", List.of(hook("exit 5"), hook("echo ran > " + out + "/poststop"))));

        Launcher.Result r = run(b).ok();

        assertTrue(r.err().contains("run poststart hook 0 (/bin/sh): exit status 4"), r.err());
        assertTrue(r.err().contains("run poststop hook 0 (/bin/sh): exit status 5"), r.err());
        assertTrue(Files.exists(out.resolve("poststart")));
        assertTrue(Files.exists(out.resolve("poststop")));
    }

    @Test
    void aFailingStartContainerHookKeepsTheProgramFromRunning() throws IOException {
        Bundle b = bundle().writable().shell("touch /ran");
        b.config().put("hooks", Map.of("startContainer", List.of(Map.of("path", "/bin/false"))));

        Launcher.Result r = run(b);

        assertTrue(r.code() != 0);
        assertTrue(r.err().contains("startContainer hook failed"), r.err());
        assertFalse(Files.exists(b.rootfs().resolve("ran")));
    }
}
