package io.karakuri.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.json.Json;
import io.karakuri.monitor.AttachFrames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container commands against a stand-in hitoha (FakeApi): the requests they send and what they print. */
class ContainerCommandsTest {
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String SHORT = "0123456789ab";

    @TempDir
    Path dir;
    private FakeApi api;
    private final FakeTty tty = new FakeTty();
    private byte[] stdin = new byte[0];

    private record Result(int code, String out, String err) {}

    /** A terminal that is not there, or one that records what was done to it. */
    static final class FakeTty implements TerminalSession.Tty {
        boolean terminal;
        final List<String> calls = new ArrayList<>();
        final Map<String, Runnable> signals = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public boolean stdinIsTerminal() {
            return terminal;
        }

        @Override
        public byte[] makeRaw() {
            calls.add("raw");
            return terminal ? new byte[] {1} : null;
        }

        @Override
        public void restore(byte[] settings) {
            calls.add("restore");
        }

        @Override
        public int[] size() {
            return terminal ? new int[] {24, 80} : null;
        }

        @Override
        public void onSignal(String name, Runnable listener) {
            calls.add("on" + name);
            signals.put(name, listener);
        }

        /** As if the signal came. */
        void raise(String name) {
            signals.get(name).run();
        }
    }

    @BeforeEach
    void startApi() throws Exception {
        api = new FakeApi(dir.resolve("h.sock"));
    }

    @AfterEach
    void stopApi() throws Exception {
        api.close();
    }

    private Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new ContainerCommands(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(stdin),
                new HitohaClient(dir.resolve("h.sock")), tty, () -> false, Path.of("/home/u"), Map.of("HOME", "/home/u"))
                .run(args[0], List.of(args).subList(1, args.length));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private FakeApi imageThere(String ref) {
        return api.on("GET /v1/images/" + ref, 200, "{\"id\":\"b0c9d60fc5e3\"}");
    }

    private FakeApi created() {
        return api.on("POST /v1/containers", 201, "{\"id\":\"" + ID + "\",\"name\":\"web\",\"warnings\":[]}");
    }

    private static Object json(String text) {
        return Json.parse(text);
    }

    // ---------------------------------------------------------------------------------------------- create

    @Test
    void createSendsTheOriginalOptionsAsTheCreateRequestAndPrintsTheShortId() {
        imageThere("alpine:3.20");
        api.on("POST /v1/containers", 201, "{\"id\":\"" + ID + "\",\"name\":\"web\",\"warnings\":[\"no swap limit\"]}");
        Result r = run("create", "--image=alpine:3.20", "--name", "web", "--port", "8080:80:tcp,127.0.0.1:8081:80/tcp",
                "--port", "9090:90", "--mount", "data:/data,/etc/x:/x:ro", "--cmd", "sh,-c,echo hi", "--env", "A=1",
                "-e", "HOME", "-e", "UNSET", "--memory", "512M", "--cpus", "0.5", "--pids", "100",
                "--restart", "on-failure:3", "--ns", "dev", "--workdir", "/w", "--user", "1000:1000");
        assertEquals(0, r.code(), r.err());
        assertEquals(SHORT + "\n", r.out());
        assertEquals("WARNING: no swap limit\n", r.err());
        assertEquals(List.of("GET /v1/images/alpine:3.20", "POST /v1/containers"), api.lines());
        assertEquals(json("{\"image\":\"alpine:3.20\",\"name\":\"web\",\"cmd\":[\"sh\",\"-c\",\"echo hi\"],"
                + "\"env\":[\"A=1\",\"HOME=/home/u\"],\"ports\":[\"8080:80:tcp\",\"127.0.0.1:8081:80/tcp\",\"9090:90\"],"
                + "\"mounts\":[\"/home/u/data:/data\",\"/etc/x:/x:ro\"],\"ns\":\"dev\",\"restart\":\"on-failure:3\","
                + "\"memory\":\"512M\",\"cpus\":\"0.5\",\"pids\":100,\"workdir\":\"/w\",\"user\":\"1000:1000\","
                + "\"tty\":true,\"stdin\":true,\"autoRemove\":false}"),
                json(api.request("POST /v1/containers").body()));
    }

    @Test
    void createTakesThePositionalImageAndTheCommandAfterIt() {
        imageThere("busybox");
        created();
        Result r = run("create", "--name", "b", "--tty=false", "busybox", "sh", "-c", "echo a,b");
        assertEquals(0, r.code(), r.err());
        assertEquals(json("{\"image\":\"busybox\",\"name\":\"b\",\"cmd\":[\"sh\",\"-c\",\"echo a,b\"],"
                + "\"tty\":false,\"stdin\":false,\"autoRemove\":false}"), json(api.request("POST /v1/containers").body()));
    }

    @Test
    void createPullsAnImageHitohaHasNotGotWithThePullProgress() {
        api.on("GET /v1/images/127.0.0.1:5000/busybox", 404, "{\"message\":\"no such image\"}");
        api.on("POST /v1/images/pull", (req, in, out) -> FakeApi.lines(out,
                "{\"id\":\"abcdef012345\",\"status\":\"Pull complete\",\"current\":0,\"total\":0}",
                "{\"status\":\"done\",\"reference\":\"busybox:latest\",\"digest\":\"sha256:00\"}"));
        created();
        Result r = run("create", "--image", "busybox", "--registry", "127.0.0.1:5000");
        assertEquals(0, r.code(), r.err());
        assertEquals(SHORT + "\n", r.out());
        assertEquals("Unable to find image 'busybox' locally\nabcdef012345: Pull complete\nDigest: sha256:00\n"
                + "Pulled busybox:latest\n", r.err());
        assertEquals(List.of("GET /v1/images/127.0.0.1:5000/busybox", "POST /v1/images/pull", "POST /v1/containers"),
                api.lines());
        assertEquals(json("{\"image\":\"busybox\",\"registry\":\"127.0.0.1:5000\"}"),
                json(api.request("POST /v1/images/pull").body()));
    }

    @Test
    void aFailedPullCreatesNothing() {
        api.on("GET /v1/images/nope", 404, "{\"message\":\"no such image: nope\"}");
        api.on("POST /v1/images/pull", (req, in, out) -> FakeApi.lines(out, "{\"error\":\"manifest unknown: nope\"}"));
        Result r = run("run", "nope");
        assertEquals(125, r.code());
        assertTrue(r.err().endsWith("karakuri pull: manifest unknown: nope\n"
                + "karakuri run: cannot create a container of nope: the pull failed\n"), r.err());
        assertEquals(List.of("GET /v1/images/nope", "POST /v1/images/pull"), api.lines());
    }

    @Test
    void badValuesAreOneLineAndNothingIsAsked() {
        String[][] cases = {
            {"bad --port \"8080\": expected [ADDRESS:]HOST_PORT:CONTAINER_PORT[:tcp|udp]", "--port", "8080"},
            {"bad --port \"8080:80:icmp\": the protocol is tcp or udp, not \"icmp\"", "--port", "80:80,8080:80:icmp"},
            {"bad --port \"70000:80\": \"70000\" is not a port (1 to 65535)", "--port", "70000:80"},
            {"bad --port \"1.2.3:80:80\": \"1.2.3\" is not an IPv4 address", "--port", "1.2.3:80:80"},
            {"bad --port \"80:80,\": an empty item in the comma list", "--port", "80:80,"},
            {"bad --cmd \"sh,,-c\": an empty argument (two commas, or one at an end); for arguments with commas give "
                    + "the command after the image: run IMAGE sh -c 'a,b'", "--cmd", "sh,,-c"},
            {"bad --restart \"sometimes\": expected no, on-boot, always or on-failure[:N]", "--restart", "sometimes"},
            {"bad --restart \"on-failure:0\": expected no, on-boot, always or on-failure[:N]", "--restart", "on-failure:0"},
            {"bad --memory \"lots\": expected a size such as 512M, 1G or 1024m", "--memory", "lots"},
            {"bad --memory \"12x\": expected a size such as 512M, 1G or 1024m", "-m", "12x"},
            {"bad --cpus \"0\": expected a number of CPUs above 0, such as 0.8 or 2", "--cpus", "0"},
            {"bad --pids \"many\": expected a number of processes above 0 (or -1: no limit)", "--pids", "many"},
            {"bad --mount \"/a\": expected HOST_PATH:CONTAINER_PATH[:ro|rw]", "--mount", "/a"},
            {"bad --mount \"/a:b\": the container's path must be absolute", "--mount", "/a:b"},
            {"bad --env \"=x\": expected NAME=VALUE", "--env", "=x"},
        };
        for (String[] c : cases) {
            Result r = run("create", "--image", "alpine", c[1], c[2]);
            assertEquals(1, r.code(), c[0]);
            assertEquals("karakuri create: " + c[0] + "\n", r.err());
            Result run = run("run", "--image", "alpine", c[1], c[2]);
            assertEquals(125, run.code(), c[0]);
            assertEquals("karakuri run: " + c[0] + "\n", run.err());
        }
        assertEquals(List.of(), api.lines());
    }

    @Test
    void usageMistakes() {
        Result r = run("create");
        assertEquals(1, r.code());
        assertEquals("karakuri create: name the image: --image REF, or REF\nRun 'karakuri create --help' for usage.\n",
                r.err());
        r = run("run", "--image", "alpine", "--cmd", "ls", "ls");
        assertEquals(125, r.code());
        assertTrue(r.err().startsWith("karakuri run: give the command once"), r.err());
        r = run("run", "--frob", "alpine");
        assertEquals("karakuri run: unknown option --frob\nRun 'karakuri run --help' for usage.\n", r.err());
        r = run("run", "-d", "-it", "alpine");
        assertTrue(r.err().startsWith("karakuri run: -d runs in the background"), r.err());
        r = run("run", "--it", "alpine");
        assertEquals("karakuri run: --it needs a terminal on standard input (for piped input use -i)\n", r.err());
        r = run("stop");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("karakuri stop: name the container: --id ID, --name NAME, or CONTAINER..."));
        r = run("logs", "a", "b");
        assertTrue(r.err().startsWith("karakuri logs: takes one container, not 2"), r.err());
        assertEquals(List.of(), api.lines());
    }

    @Test
    void helpOfEachCommand() {
        for (ContainerCommands.Spec spec : ContainerCommands.SPECS) {
            Result r = run(spec.name(), "--help");
            assertEquals(0, r.code(), spec.name());
            assertTrue(r.out().startsWith("Usage: karakuri " + spec.name()), r.out());
        }
        assertTrue(run("run", "--help").out().contains("  --ti, --it            an interactive terminal (-it): -i and -t\n"),
                run("run", "--help").out());
    }

    // ------------------------------------------------------------------------------------------- run, attach

    @Test
    void runAttachesBeforeStartRelaysTheFramesAndExitsWithTheContainersCode() throws Exception {
        imageThere("busybox");
        created();
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            api.await("POST /v1/containers/" + SHORT + "/start");
            FakeApi.frame(out, AttachFrames.STDOUT, "hello\n");
            FakeApi.frame(out, AttachFrames.STDERR, "oops\n");
            FakeApi.frame(out, AttachFrames.STDOUT, "bye\n");
            out.write(AttachFrames.exit(3));
            out.flush();
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        api.on("DELETE /v1/containers/" + SHORT + "?force=true", 204, null);
        Result r = run("run", "--rm", "busybox", "echo", "hi", "--rm");
        assertEquals(3, r.code(), r.err());
        assertEquals("hello\nbye\n", r.out());
        assertEquals("oops\n", r.err());
        assertEquals(List.of("GET /v1/images/busybox", "POST /v1/containers", "GET /v1/containers/" + SHORT + "/attach",
                "POST /v1/containers/" + SHORT + "/start", "DELETE /v1/containers/" + SHORT + "?force=true"), api.lines());
        assertEquals(json("{\"image\":\"busybox\",\"cmd\":[\"echo\",\"hi\",\"--rm\"],\"tty\":false,\"stdin\":false,"
                + "\"autoRemove\":true}"), json(api.request("POST /v1/containers").body()));
        FakeApi.Request attach = api.request("GET /v1/containers/" + SHORT + "/attach");
        assertEquals("Upgrade", attach.headers().get("connection"));
        assertEquals("tcp", attach.headers().get("upgrade"));
    }

    @Test
    void runRmToleratesAContainerAlreadyRemoved() {
        imageThere("busybox");
        created();
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            api.await("POST /v1/containers/" + SHORT + "/start");
            out.write(AttachFrames.exit(0));
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        api.on("DELETE /v1/containers/" + SHORT + "?force=true", 404, "{\"message\":\"no such container\"}");
        Result r = run("run", "--rm", "--image", "busybox");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
    }

    @Test
    void runForwardsStandardInputWithDashIAndEndsIt() {
        stdin = "line one\n".getBytes(StandardCharsets.UTF_8);
        imageThere("busybox");
        created();
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            StringBuilder got = new StringBuilder();
            for (AttachFrames.Frame f = AttachFrames.read(in); f.type() != AttachFrames.STDIN_EOF; f = AttachFrames.read(in)) {
                assertEquals(AttachFrames.STDIN, f.type());
                got.append(new String(f.payload(), StandardCharsets.UTF_8));
            }
            FakeApi.frame(out, AttachFrames.STDOUT, "cat: " + got);
            out.write(AttachFrames.exit(0));
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        Result r = run("run", "-i", "busybox", "cat");
        assertEquals(0, r.code(), r.err());
        assertEquals("cat: line one\n", r.out());
        assertEquals(json("{\"image\":\"busybox\",\"cmd\":[\"cat\"],\"tty\":false,\"stdin\":true,\"autoRemove\":false}"),
                json(api.request("POST /v1/containers").body()));
    }

    @Test
    void runItMakesTheTerminalRawSendsItsSizeAndGivesItBack() {
        tty.terminal = true;
        stdin = new byte[] {3, 4}; // Ctrl-C, Ctrl-D: bytes for the container in raw mode
        imageThere("busybox");
        created();
        List<String> frames = new ArrayList<>();
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            AttachFrames.Frame size = AttachFrames.read(in);
            frames.add(size.type() + ":" + AttachFrames.size(size.payload())[0] + "x" + AttachFrames.size(size.payload())[1]);
            AttachFrames.Frame input = AttachFrames.read(in);
            frames.add(input.type() + ":" + java.util.Arrays.toString(input.payload()));
            api.await("POST /v1/containers/" + SHORT + "/start");
            FakeApi.frame(out, AttachFrames.STDOUT, "/ # \r\n");
            out.write(AttachFrames.exit(130));
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        Result r = run("run", "-it", "busybox", "sh");
        assertEquals(130, r.code(), r.err());
        assertEquals("/ # \r\n", r.out());
        assertEquals(List.of("3:24x80", "0:[3, 4]"), frames);
        assertEquals(List.of("raw", "onWINCH", "restore"), tty.calls);
        assertEquals(json("{\"image\":\"busybox\",\"cmd\":[\"sh\"],\"tty\":true,\"stdin\":true,\"autoRemove\":false}"),
                json(api.request("POST /v1/containers").body()));
    }

    @Test
    void ctrlPCtrlQDetachesFromATerminal() throws Exception {
        tty.terminal = true;
        stdin = new byte[] {'a', 0x10, 'b', 0x10, 0x11, 'c'};
        imageThere("busybox");
        created();
        List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            for (AttachFrames.Frame f = AttachFrames.read(in); f != null; f = AttachFrames.read(in)) {
                got.add(f.type() + ":" + java.util.Arrays.toString(f.payload()));
            }
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        Result r = run("run", "--rm", "-it", "busybox", "sh");
        assertEquals(new Result(0, "", "\nkarakuri run: detached; the container goes on running\n"), r);
        api.await("GET /v1/containers/" + SHORT + "/attach");
        assertEquals(List.of("3:[0, 24, 0, 80]", "0:[97, 16, 98]"), got);
        assertEquals(List.of("raw", "onWINCH", "restore"), tty.calls);
        assertTrue(api.lines().stream().noneMatch(l -> l.startsWith("DELETE")), api.lines().toString());
    }

    @Test
    void aRefusedStartGivesTheTerminalBackAndIsTheMessage() {
        tty.terminal = true;
        imageThere("busybox");
        created();
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            while (AttachFrames.read(in) != null) {
                // until the CLI closes
            }
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 409, "{\"message\":\"port 8080 is taken\"}");
        Result r = run("run", "--it", "busybox");
        assertEquals(125, r.code());
        assertEquals("karakuri run: port 8080 is taken\n", r.err());
        assertEquals(List.of("raw", "onWINCH", "restore"), tty.calls);
    }

    @Test
    void aRefusedAttachIsHitohasMessage() {
        imageThere("busybox");
        created();
        api.on("GET /v1/containers/" + SHORT + "/attach", 409, "{\"message\":\"container " + SHORT + " is running\"}");
        Result r = run("run", "busybox");
        assertEquals(125, r.code());
        assertEquals("karakuri run: container " + SHORT + " is running\n", r.err());
    }

    @Test
    void aStreamEndingWithoutTheExitFrameIsAFailure() {
        imageThere("busybox");
        created();
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            api.await("POST /v1/containers/" + SHORT + "/start");
            FakeApi.frame(out, AttachFrames.STDOUT, "half");
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        Result r = run("run", "busybox");
        assertEquals(125, r.code());
        assertEquals("half", r.out());
        assertEquals("karakuri run: the attach stream ended before the container's exit code came\n", r.err());
    }

    @Test
    void withoutATerminalCtrlCIsTheContainersAndAThirdLetsGo() {
        imageThere("busybox");
        created();
        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            api.await("POST /v1/containers/" + SHORT + "/start");
            tty.raise("INT");
            api.await("POST /v1/containers/" + SHORT + "/kill?signal=INT");
            FakeApi.frame(out, AttachFrames.STDOUT, "interrupted\n");
            out.write(AttachFrames.exit(130));
        });
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        api.on("POST /v1/containers/" + SHORT + "/kill?signal=INT", 204, null);
        Result r = run("run", "busybox", "sleep", "60");
        assertEquals(new Result(130, "interrupted\n", ""), r);
        assertEquals(List.of("onINT", "onTERM"), tty.calls);
        tty.signals.clear();

        api.on("GET /v1/containers/" + SHORT + "/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            while (!tty.signals.containsKey("INT")) { // the start of the first run has been seen already
                Thread.sleep(5);
            }
            for (int i = 0; i < 3; i++) {
                tty.raise("INT");
            }
            while (AttachFrames.read(in) != null) {
                // until the CLI lets go
            }
        });
        r = run("run", "--rm", "busybox", "sleep", "60");
        assertEquals(new Result(130, "", "karakuri run: detached; the container goes on running\n"), r);
        assertTrue(api.lines().stream().noneMatch(l -> l.startsWith("DELETE")), api.lines().toString());
    }

    @Test
    void runDetachedStartsAndPrintsTheId() {
        imageThere("busybox");
        created();
        api.on("POST /v1/containers/" + SHORT + "/start", 204, null);
        Result r = run("run", "-d", "--rm", "--image", "busybox", "--cmd", "sleep,60");
        assertEquals(0, r.code(), r.err());
        assertEquals(SHORT + "\n", r.out());
        assertEquals(List.of("GET /v1/images/busybox", "POST /v1/containers", "POST /v1/containers/" + SHORT + "/start"),
                api.lines());
    }

    @Test
    void startAttachedUsesTheContainersTerminalSetting() {
        api.on("GET /v1/containers/web", 200, "{\"id\":\"" + ID + "\",\"tty\":false}");
        api.on("GET /v1/containers/web/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            api.await("POST /v1/containers/web/start");
            FakeApi.frame(out, AttachFrames.STDERR, "e");
            out.write(AttachFrames.exit(1));
        });
        api.on("POST /v1/containers/web/start", 204, null);
        Result r = run("start", "--attach", "--name", "web");
        assertEquals(1, r.code());
        assertEquals("e", r.err());
    }

    @Test
    void theOriginalsCreateThenStartItIsAShell() {
        tty.terminal = true;
        stdin = "exit\r".getBytes(StandardCharsets.UTF_8);
        imageThere("alpine");
        created();
        assertEquals(new Result(0, SHORT + "\n", ""), run("create", "--name=mycontainer", "--image=alpine"));
        assertEquals(json("{\"image\":\"alpine\",\"name\":\"mycontainer\",\"tty\":true,\"stdin\":true,"
                + "\"autoRemove\":false}"), json(api.request("POST /v1/containers").body()));
        api.on("GET /v1/containers/mycontainer", 200, "{\"id\":\"" + ID + "\",\"tty\":true}");
        api.on("GET /v1/containers/mycontainer/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            assertEquals(AttachFrames.RESIZE, AttachFrames.read(in).type());
            api.await("POST /v1/containers/mycontainer/start");
            FakeApi.frame(out, AttachFrames.STDOUT, "/ # ");
            assertEquals("exit\r", new String(AttachFrames.read(in).payload(), StandardCharsets.UTF_8));
            out.write(AttachFrames.exit(0));
        });
        api.on("POST /v1/containers/mycontainer/start", 204, null);
        assertEquals(new Result(0, "/ # ", ""), run("start", "--name=mycontainer", "--it"));
        assertEquals(List.of("raw", "onWINCH", "restore"), tty.calls);
    }

    @Test
    void startPrintsTheContainer() {
        api.on("POST /v1/containers/web/start", 204, null);
        assertEquals(new Result(0, "web\n", ""), run("start", "--name=web"));
        api.on("POST /v1/containers/db/start", 409, "{\"message\":\"container db is running\"}");
        assertEquals(new Result(1, "", "karakuri start: container db is running\n"), run("start", "db"));
    }

    // ------------------------------------------------------------------------------------------------ exec

    @Test
    void execSendsTheExecRequestOnTheUpgradeAndExitsWithItsCode() {
        api.on("POST /v1/containers/web/exec", 201, "{\"id\":\"e1\"}");
        api.on("GET /v1/exec/e1/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            FakeApi.frame(out, AttachFrames.STDOUT, "root\n");
            out.write(AttachFrames.exit(7));
        });
        Result r = run("exec", "--name", "web", "--cmd", "id,-un", "--env", "A=1", "--user", "root", "-w", "/tmp");
        assertEquals(7, r.code(), r.err());
        assertEquals("root\n", r.out());
        FakeApi.Request req = api.request("POST /v1/containers/web/exec");
        assertEquals("tcp", api.request("GET /v1/exec/e1/attach").headers().get("upgrade"));
        assertEquals(json("{\"cmd\":[\"id\",\"-un\"],\"tty\":false,\"stdin\":false,\"env\":[\"A=1\"],\"user\":\"root\","
                + "\"workdir\":\"/tmp\"}"), json(req.body()));
    }

    @Test
    void execTakesTheContainerAndTheCommandAsArguments() {
        api.on("POST /v1/containers/web/exec", 201, "{\"id\":\"e1\"}");
        api.on("GET /v1/exec/e1/attach", (req, in, out) -> {
            FakeApi.upgrade(out);
            out.write(AttachFrames.exit(0));
        });
        assertEquals(0, run("exec", "web", "sh", "-c", "ls -l").code());
        assertEquals(json("{\"cmd\":[\"sh\",\"-c\",\"ls -l\"],\"tty\":false,\"stdin\":false,\"env\":[]}"),
                json(api.request("POST /v1/containers/web/exec").body()));
        Result r = run("exec", "web");
        assertEquals(125, r.code());
        assertTrue(r.err().startsWith("karakuri exec: name the command"), r.err());
    }

    @Test
    void execInAContainerThatIsNotRunning() {
        api.on("POST /v1/containers/web/exec", 409, "{\"message\":\"container web is not running\"}");
        assertEquals(new Result(125, "", "karakuri exec: container web is not running\n"), run("exec", "web", "ls"));
    }

    // ------------------------------------------------------------------------------------ stop, restart, rm

    @Test
    void stopRestartKillAndRmAskForEachContainer() {
        api.on("POST /v1/containers/a/stop?time=3", 204, null);
        api.on("POST /v1/containers/b/stop?time=3", 404, "{\"message\":\"no such container: b\"}");
        assertEquals(new Result(1, "a\n", "karakuri stop: no such container: b\n"), run("stop", "-t", "3", "a", "b"));
        api.on("POST /v1/containers/web/restart", 204, null);
        assertEquals(new Result(0, "web\n", ""), run("restart", "--name", "web"));
        api.on("POST /v1/containers/web/kill?signal=HUP", 204, null);
        assertEquals(new Result(0, "web\n", ""), run("kill", "-s", "HUP", "web"));
        api.on("DELETE /v1/containers/" + SHORT + "?force=true", 204, null);
        assertEquals(new Result(0, SHORT + "\n", ""), run("rm", "--force", "--id", SHORT));
        api.on("DELETE /v1/containers/web", 409, "{\"message\":\"container web is running: stop it first, or rm --force\"}");
        assertEquals(new Result(1, "", "karakuri rm: container web is running: stop it first, or rm --force\n"),
                run("rm", "web"));
        assertEquals(new Result(1, "", "karakuri stop: bad --time \"soon\": expected a number of seconds\n"),
                run("stop", "--time", "soon", "web"));
        assertEquals(new Result(1, "", "karakuri kill: bad --signal: unknown signal \"FROB\"\n"),
                run("kill", "--signal", "FROB", "web"));
    }

    // --------------------------------------------------------------------------------------- ls, spec, inspect

    private static final String LIST = "[{\"id\":\"52e579b39313aaaa\",\"name\":\"mycontainer\",\"image\":\"alpine\","
            + "\"status\":\"created\",\"ports\":[],\"command\":\"/bin/sh\",\"ns\":\"default\"},"
            + "{\"id\":\"0123456789ab\",\"name\":\"web\",\"image\":\"nginx:alpine\",\"status\":\"exited\",\"exitCode\":137,"
            + "\"ports\":[\"8080:80/tcp\",\"8443:443/tcp\"],\"command\":\"nginx -g daemon off;\",\"ns\":\"dev\"}]";

    @Test
    void lsIsTheOriginalTable() {
        api.on("GET /v1/containers?all=true", 200, LIST);
        Result r = run("ls", "--all");
        assertEquals(0, r.code(), r.err());
        assertEquals("""
                CONTAINER ID | Name        | IMAGE        | STATUS       | PORT                     | COMMAND
                -------------+-------------+--------------+--------------+--------------------------+---------------------
                52e579b39313 | mycontainer | alpine       | created      |                          | /bin/sh
                0123456789ab | web         | nginx:alpine | exited (137) | 8080:80/tcp,8443:443/tcp | nginx -g daemon off;
                """, r.out());
    }

    @Test
    void lsOfEveryNamespaceShowsTheNamespaceAndJsonIsHitohasList() {
        api.on("GET /v1/containers?ns=all", 200, LIST);
        Result r = run("ls", "--ns", "all");
        assertTrue(r.out().startsWith("CONTAINER ID | Name        | IMAGE        | STATUS       | PORT"
                + "                     | COMMAND              | NAMESPACE\n"), r.out());
        assertTrue(r.out().endsWith("| nginx -g daemon off; | dev\n"), r.out());
        api.on("GET /v1/containers?all=true&ns=dev", 200, LIST);
        assertEquals(new Result(0, LIST + "\n", ""), run("ls", "-a", "--ns", "dev", "--format", "json"));
        api.on("GET /v1/containers", 200, LIST);
        assertEquals(new Result(0, "52e579b39313\n0123456789ab\n", ""), run("ls", "-q"));
    }

    @Test
    void specIsPrettyPrinted() {
        api.on("GET /v1/containers/web/spec", 200, "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"]}}");
        Result r = run("spec", "web");
        assertEquals(0, r.code(), r.err());
        assertEquals(Json.writePretty(json("{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"]}}")) + "\n", r.out());
        api.on("GET /v1/containers/nope/spec", 404, "{\"message\":\"no such container: nope\"}");
        assertEquals(new Result(1, "", "karakuri spec: no such container: nope\n"), run("spec", "--id", "nope"));
    }

    @Test
    void inspectAsTextAndAsJson() {
        String details = "{\"id\":\"" + ID + "\",\"name\":\"web\",\"state\":{\"status\":\"running\",\"pid\":42},"
                + "\"env\":[\"A=1\",\"B=2\"]}";
        api.on("GET /v1/containers/web", 200, details);
        assertEquals(new Result(0, "id           : " + ID + "\nname         : web\nstate.status : running\n"
                + "state.pid    : 42\nenv          : A=1, B=2\n", ""), run("inspect", "--name", "web"));
        assertEquals(new Result(0, Json.writePretty(json(details)) + "\n", ""), run("inspect", "web", "--format", "json"));
    }

    // ------------------------------------------------------------------------------------------------ logs

    @Test
    void logsSplitsTheRecordsToStdoutAndStderr() {
        api.on("GET /v1/containers/web/logs?tail=2&timestamps=true", (req, in, out) -> FakeApi.lines(out,
                "{\"stream\":\"stdout\",\"time\":\"2026-11-29T13:50:00.1Z\",\"log\":\"one\\n\"}",
                "{\"stream\":\"stderr\",\"time\":\"2026-11-29T13:50:00.2Z\",\"log\":\"bad\\n\"}",
                "{\"stream\":\"stdout\",\"time\":\"2026-11-29T13:50:00.3Z\",\"log\":\"part \"}",
                "{\"stream\":\"stdout\",\"time\":\"2026-11-29T13:50:00.4Z\",\"log\":\"two\\n\"}"));
        Result r = run("logs", "--tail", "2", "--timestamps", "web");
        assertEquals(0, r.code(), r.err());
        assertEquals("2026-11-29T13:50:00.1Z one\n2026-11-29T13:50:00.3Z part two\n", r.out());
        assertEquals("2026-11-29T13:50:00.2Z bad\n", r.err());
        api.on("GET /v1/containers/web/logs?follow=true", (req, in, out) -> FakeApi.lines(out,
                "{\"stream\":\"stdout\",\"time\":\"t\",\"log\":\"x\\n\"}"));
        assertEquals(new Result(0, "x\n", ""), run("logs", "-f", "--name", "web", "--tail", "all"));
        assertEquals(new Result(1, "", "karakuri logs: bad --tail \"-3\": expected a number of lines, or all\n"),
                run("logs", "--tail", "-3", "web"));
    }

    // ------------------------------------------------------------------------------------- no hitoha running

    @Test
    void withoutHitohaTheMessageSaysHowToStartIt() throws Exception {
        api.close();
        java.nio.file.Files.delete(dir.resolve("h.sock"));
        Result r = run("ls");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("karakuri ls: cannot reach hitoha at " + dir.resolve("h.sock")), r.err());
        assertTrue(r.err().endsWith("(is the daemon running? start it with 'sudo systemctl start hitoha', "
                + "or run 'sudo hitoha')\n"), r.err());
        r = run("run", "busybox");
        assertEquals(125, r.code());
        assertTrue(r.err().startsWith("karakuri run: cannot reach hitoha"), r.err());
    }

    @Test
    void framesAreAsTheDocumentSays() throws Exception {
        assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'},
                AttachFrames.encode(AttachFrames.STDOUT, "hi".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new byte[] {3, 0, 0, 0, 0, 0, 0, 4, 0, 24, 1, 44}, AttachFrames.resize(24, 300));
        assertArrayEquals(new byte[] {5, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, (byte) 137}, AttachFrames.exit(137));
        AttachFrames.Frame f = AttachFrames.read(new ByteArrayInputStream(AttachFrames.exit(137)));
        assertEquals(AttachFrames.EXIT, f.type());
        assertEquals(137, f.exitCode());
        assertEquals(null, AttachFrames.read(new ByteArrayInputStream(new byte[0])));
    }
}
