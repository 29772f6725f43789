package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import io.karakuri.linux.Capability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CVE-2019-5736 class: while a process futaba made is inside a container's namespaces, nothing in
 * the container may reach the runtime's own files (the java launcher, libjvm.so, the jlink image,
 * libfutaba.so) through /proc/PID/exe, /fd or /map_files, nor read its environment or memory. The
 * containers that look here are privileged (every capability, CAP_SYS_PTRACE included), so the
 * protection cannot rest on capabilities alone.
 */
class FutabaSecurityIT extends FutabaTestBase {
    private static final String SECRET = "FUTABA_TEST_SECRET=do-not-leak";

    /** The look a container takes at a process: what /proc shows of it, and whether it can write there. */
    private static final String INSPECT = """
            inspect() {
              echo "exe=$(readlink /proc/$1/exe 2>&1)"
              echo "env=$(tr '\\0' ' ' < /proc/$1/environ 2>&1)"
              for f in /proc/$1/map_files/*; do echo "map=$(readlink $f 2>&1)"; done | sort -u
              for f in /proc/$1/fd/*; do echo "fd ${f##*/}=$(readlink $f 2>&1)"; done
              (echo x >> /proc/$1/exe) 2>/dev/null && echo "wrote exe of $1"
              (echo x > /proc/$1/mem) 2>/dev/null && echo "wrote mem of $1"
              for f in /proc/$1/map_files/*; do (echo x >> $f) 2>/dev/null && echo "wrote $f"; done
              true
            }
            """;

    /** Every capability this machine lets a process have (its bounding set lacks CAP_SYS_RESOURCE). */
    private Bundle privileged(Bundle b) throws IOException {
        String bounding = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow().split("\\s+")[1];
        long mask = Long.parseUnsignedLong(bounding, 16);
        List<String> all = Capability.all().stream().filter(c -> (mask & (1L << Capability.number(c))) != 0).toList();
        Map<String, Object> caps = new LinkedHashMap<>();
        for (String set : List.of("bounding", "effective", "permitted")) {
            caps.put(set, all);
        }
        b.section("process").put("capabilities", caps);
        return b;
    }

    private Launcher.Result futabaWithSecret(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        return Launcher.run("futaba", all, Map.of("FUTABA_TEST_SECRET", "do-not-leak"));
    }

    /**
     * Nothing written, no secret of futaba's environment, and no file of the runtime: an executable is
     * futaba-init's sealed memfd or the container's own program, a mapping futaba-init's or the plan's
     * memfd (or the container's program, once exec'd), an fd beyond stdio (the caller's) a pipe or the exec fifo.
     */
    private static void nothingOfTheRuntime(String seen) {
        String launcher = System.getProperty("karakuri.launcher", "");
        String runtime = (launcher.isEmpty() ? Path.of(System.getProperty("karakuri.jar")) : Path.of(launcher))
                .getParent().toString();
        for (String line : seen.lines().toList()) {
            assertFalse(line.startsWith("wrote"), line + "\n" + seen);
            assertFalse(line.contains("FUTABA_TEST_SECRET"), "futaba's environment leaked:\n" + seen);
            assertFalse(line.contains(runtime) || line.matches(".*(java|libjvm|libfutaba|karakuri\\.jar).*"),
                    "reaches the runtime: " + line + "\n" + seen);
            if (line.startsWith("exe=/")) {
                assertTrue(line.equals("exe=/memfd:futaba-init (deleted)") || line.equals("exe=/bin/busybox"), line);
            } else if (line.startsWith("map=/")) {
                // a process caught after its execve maps the container's own program
                assertTrue(line.startsWith("map=/memfd:futaba-") || line.equals("map=/bin/busybox"), line);
            } else if (line.startsWith("fd ") && !line.matches("fd [012]=.*") && line.contains("=/")) {
                assertTrue(line.endsWith("/exec.fifo"), line);
            }
        }
    }

    @Test
    void aCreatedContainersWaitingProcessShowsNothingOfTheRuntime() throws IOException {
        Bundle waiting = bundle().args("sleep", "300").write();
        String a = id("waiting");
        futabaWithSecret("create", "--bundle", waiting.dir().toString(), a).ok();
        long pid = JsonObject.root(Json.parse(futaba("state", a).ok().out()), "state").integer("pid", 0);

        // a privileged container in the waiting one's pid namespace looks at its pid 1
        Map<String, String> namespaces = new LinkedHashMap<>();
        namespaces.put("pid", "/proc/" + pid + "/ns/pid");
        namespaces.put("mount", null);
        Bundle looker = privileged(bundle()).shell(INSPECT + "inspect 1").namespaces(namespaces);
        looker.config().remove("hostname");
        String seen = run(looker).ok().out();

        assertTrue(seen.contains("exe=/memfd:futaba-init (deleted)"), seen);
        assertTrue(seen.lines().anyMatch(l -> l.equals("env=")), "an empty environment: " + seen);
        assertEquals(List.of("map=/memfd:futaba-init (deleted)", "map=/memfd:futaba-plan (deleted)"),
                seen.lines().filter(l -> l.startsWith("map=")).toList());
        nothingOfTheRuntime(seen);
    }

    @Test
    void aWatcherHuntingNewProcessesDuringExecFindsNothingOfTheRuntime() throws IOException {
        // the watcher looks at every new process it finds in its pid namespace until told to stop
        Bundle watcher = privileged(bundle()).shell(INSPECT + """
                seen=" $$ "
                while [ ! -e /dev/shm/stop ]; do
                  for d in /proc/[0-9]*; do
                    p=${d#/proc/}
                    case "$seen" in *" $p "*) continue ;; esac
                    seen="$seen$p "
                    inspect $p >> /dev/shm/seen 2>/dev/null
                  done
                done
                exec sleep 300
                """).write();
        String c = id("watched");
        futabaWithSecret("run", "--detach", "--bundle", watcher.dir().toString(), c).ok();
        for (int i = 0; i < 20; i++) {
            assertEquals(0, futabaWithSecret("exec", c, "true").code());
        }
        futabaWithSecret("exec", c, "touch", "/dev/shm/stop").ok();
        String seen = futabaWithSecret("exec", c, "cat", "/dev/shm/seen").ok().out();
        assertTrue(seen.contains("exe="), "the watcher saw the exec'd processes: " + seen);
        nothingOfTheRuntime(seen);
    }
}
