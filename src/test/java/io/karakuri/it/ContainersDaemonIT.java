package io.karakuri.it;

import static io.karakuri.it.HitohaFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hitoha's own death and start: containers outlive a SIGKILLed hitoha (their monitors hold them and their
 * logs), the restarted hitoha finds them running, or exited with their code, and starts the on-boot ones.
 */
class ContainersDaemonIT {
    @TempDir
    static Path dir;

    private static HitohaFixture hitoha;

    @BeforeAll
    static void startHitoha() throws Exception {
        hitoha = HitohaFixture.start(dir);
    }

    @AfterAll
    static void stopHitoha() throws Exception {
        if (hitoha != null) {
            try {
                hitoha.removeAllAndCheckNothingLeft();
            } finally {
                hitoha.close();
            }
        }
    }

    private static Launcher.Result karakuri(String... args) {
        return hitoha.karakuri(args);
    }

    private static void refused(Launcher.Result r, String line) {
        assertEquals(new Launcher.Result(1, "", line + "\n"), r);
    }

    private long logLines(String id) {
        try {
            return Files.readAllLines(hitoha.root.resolve("containers").resolve(id).resolve("ctr.log")).size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aKilledMonitorEndsItsContainerWithNothingLeft() throws Exception {
        String id = karakuri("run", "-d", "--name", "orphan", "busybox", "sleep", "300").ok().out().strip();
        long pid = hitoha.inspect(id).integer("pid");
        java.util.List<Long> monitors = hitoha.monitors();
        assertEquals(1, monitors.size());
        Launcher.runShell("kill -9 " + monitors.getFirst()).ok();
        await(Duration.ofSeconds(10), "seen as ended", () -> hitoha.status(id).equals("exited"));
        assertEquals(255L, hitoha.inspect(id).integer("exitCode"));
        await(Duration.ofSeconds(10), "the container's process gone", () -> ProcessHandle.of(pid).isEmpty());
        karakuri("rm", id).ok();
        hitoha.assertNothingLeft();
    }

    @Test
    void containersOutliveAKilledHitohaWhichFindsThemAgain() throws Exception {
        String ticker = karakuri("run", "-d", "--name", "ticker", "busybox", "sh", "-c",
                "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done").ok().out().strip();
        String shortLived = karakuri("run", "-d", "--name", "short", "busybox", "sh", "-c", "sleep 3; exit 7")
                .ok().out().strip();
        String booted = karakuri("run", "-d", "--name", "booted", "--restart", "on-boot", "busybox", "sh", "-c",
                "echo boot; exit 0").ok().out().strip();
        String never = karakuri("create", "--name", "never", "--restart", "on-boot", "busybox", "true").ok().out().strip();
        String removed = karakuri("run", "-d", "--rm", "--name", "gone", "busybox", "sleep", "2").ok().out().strip();
        String failing = karakuri("run", "-d", "--name", "failing", "--restart", "on-failure:5", "busybox", "sh", "-c",
                "echo try; sleep 2; exit 3").ok().out().strip();
        String stopped = karakuri("run", "-d", "--name", "stopped", "--restart", "always", "busybox", "sleep", "300")
                .ok().out().strip();
        karakuri("stop", "--time", "0", stopped).ok();
        await(Duration.ofSeconds(10), "booted ran once", () -> hitoha.status(booted).equals("exited"));
        assertEquals("boot\n", karakuri("logs", booted).ok().out());
        long pid = hitoha.inspect(ticker).integer("pid");

        hitoha.kill();
        long before = logLines(ticker);
        Thread.sleep(1500);
        assertTrue(ProcessHandle.of(pid).isPresent(), "the container's process runs on without hitoha");
        long after = logLines(ticker);
        assertTrue(after >= before + 4, "the log grows without hitoha: " + before + " → " + after);
        assertTrue(karakuri("ls").code() != 0, "hitoha is down");
        await(Duration.ofSeconds(10), "short exited while hitoha was down",
                () -> Files.exists(hitoha.run.resolve("containers").resolve(shortLived).resolve("exit")));

        hitoha.startHitoha();
        JsonObject t = hitoha.inspect(ticker);
        assertEquals("running", t.string("status", ""));
        assertEquals(pid, t.integer("pid"));
        JsonObject s = hitoha.inspect(shortLived);
        assertEquals("exited", s.string("status", ""));
        assertEquals(7L, s.integer("exitCode"));
        assertTrue(karakuri("ls", "--all").ok().out().lines().anyMatch(l -> l.matches(shortLived + " \\| short +\\| busybox \\| exited \\(7\\) .*")),
                karakuri("ls", "--all").out());
        refused(karakuri("inspect", removed), "karakuri inspect: no such container: " + removed); // --rm, exited while down
        await(Duration.ofSeconds(15), "on-failure: restarted after hitoha's return",
                () -> karakuri("logs", failing).out().equals("try\ntry\n"));
        assertEquals(1L, hitoha.inspect(failing).integer("restartCount"));
        await(Duration.ofSeconds(10), "on-boot: started again with hitoha",
                () -> karakuri("logs", booted).out().equals("boot\nboot\n"));
        await(Duration.ofSeconds(10), "booted exited again", () -> hitoha.status(booted).equals("exited"));
        assertEquals("created", hitoha.status(never), "never started: not started at boot");
        assertEquals("exited", hitoha.status(stopped), "stopped by the user: not started at boot");
        String tail = karakuri("logs", "--tail", "1", ticker).ok().out();
        Thread.sleep(500);
        assertFalse(tail.equals(karakuri("logs", "--tail", "1", ticker).ok().out()), "still writing");
        assertTrue(logLines(ticker) > after);

        // a hitoha stopped as systemd stops it (SIGTERM) leaves the containers running too
        hitoha.stop();
        assertTrue(ProcessHandle.of(pid).isPresent(), "runs on after hitoha's SIGTERM");
        hitoha.startHitoha();
        assertEquals(pid, hitoha.inspect(ticker).integer("pid"));
        assertEquals("running", hitoha.status(ticker));

        // stopped and removed through the new hitoha; its monitor goes with it
        assertEquals("ticker\n", karakuri("stop", "--time", "0", "ticker").ok().out());
        assertFalse(ProcessHandle.of(pid).isPresent());
        assertEquals(137L, hitoha.inspect(ticker).integer("exitCode"));
        karakuri("rm", "--force", ticker, shortLived, booted, never, failing, stopped).ok();
        hitoha.assertNothingLeft();
    }
}
