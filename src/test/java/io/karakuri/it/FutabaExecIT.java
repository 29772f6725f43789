package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** `futaba exec`: a new process in a running container, as `docker exec` and containerd's tasks use it. */
class FutabaExecIT extends FutabaTestBase {
    private String container;
    private long initPid;

    @BeforeEach
    void startContainer() {
        Bundle b = bundle().args("sleep", "300");
        b.section("process").put("env", List.of("PATH=/bin", "FROM=config", "OVERRIDDEN=no"));
        b.config().put("hostname", "box");
        b.write();
        container = id("exec");
        futaba("run", "--detach", "--bundle", b.dir().toString(), container).ok();
        initPid = JsonObject.root(Json.parse(futaba("state", container).ok().out()), "state").integer("pid", 0);
    }

    @Test
    void runsInTheContainersNamespacesAndCgroupWithItsExitCode() {
        Launcher.Result r = futaba("exec", container, "sh", "-c",
                "hostname; ps -o pid,comm | grep -c sleep; cat /proc/1/cmdline | tr '\\0' ' '; exit 3");
        assertEquals(3, r.code(), r.toString());
        assertEquals("box\n1\nsleep 300 ", r.out());

        String theirs = futaba("exec", container, "cat", "/proc/self/cgroup").ok().out();
        String init = futaba("exec", container, "cat", "/proc/1/cgroup").ok().out();
        assertEquals(init, theirs, "the exec'd process is in the container's cgroup");
    }

    @Test
    void startsFromTheContainersProcessWithTheCommandLinesChanges() {
        assertEquals("FROM=config OVERRIDDEN=yes ADDED=1\n",
                futaba("exec", "--env", "OVERRIDDEN=yes", "-e", "ADDED=1", container, "sh", "-c",
                        "echo FROM=$FROM OVERRIDDEN=$OVERRIDDEN ADDED=$ADDED").ok().out());
        assertEquals("uid=1000 gid=1001 groups=7,8\n/dev\n",
                futaba("exec", "--user", "1000:1001", "--additional-gids", "7", "-g", "8", "--cwd", "/dev", container,
                        "sh", "-c", "id; pwd").ok().out());
        assertEquals("-l\n", futaba("exec", container, "echo", "-l").ok().out(), "the command's options are its own");
    }

    @Test
    void takesTheWholeProcessFromAProcessJson() throws Exception {
        Path process = Files.writeString(work.resolve("process.json"), """
                {"args": ["sh", "-c", "echo $ONLY; id -u; pwd"], "env": ["ONLY=this", "PATH=/bin"],
                 "cwd": "/proc", "user": {"uid": 42, "gid": 42}}""");
        assertEquals("this\n42\n/proc\n", futaba("exec", "--process", process.toString(), container).ok().out());
    }

    @Test
    void detachedWithAPidFile() throws Exception {
        Path pidFile = work.resolve("exec.pid");
        futaba("exec", "--detach", "--pid-file", pidFile.toString(), container, "sleep", "100").ok();
        long pid = Long.parseLong(Files.readString(pidFile));
        assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        assertTrue(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).startsWith("sleep"));
        assertEquals(Files.readSymbolicLink(Path.of("/proc", Long.toString(initPid), "ns", "pid")),
                Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "pid")));
    }

    @Test
    void badInputLeavesTheContainerAsItWas() {
        Launcher.Result r = futaba("exec", container, "no-such-program");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("futaba: exec \"no-such-program\": executable file not found in $PATH"), r.err());
        r = futaba("exec", "--user", "nobody", container, "true");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--user takes UID[:GID]"), r.err());
        r = futaba("exec", container);
        assertEquals(1, r.code());
        assertTrue(futaba("state", container).ok().out().contains("\"status\": \"running\""));

        futaba("kill", container, "KILL").ok();
        eventually("the container stops", () -> futaba("state", container).out().contains("\"stopped\""));
        r = futaba("exec", container, "true");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot exec in container " + container + ": it is stopped"), r.err());
    }
}
