package io.karakuri.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.linux.Syscalls;
import io.karakuri.linux.UnixSockets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** process.terminal: runc's console socket, and futaba's own terminal for run and exec in the foreground. */
class FutabaTerminalIT extends FutabaTestBase {
    private static final Syscalls SYS = LinuxSyscalls.INSTANCE;

    private Bundle withTerminal(String script) {
        Bundle b = bundle().shell(script);
        b.section("process").put("terminal", true);
        b.section("process").put("consoleSize", Map.of("height", 33, "width", 99));
        return b.write();
    }

    /** Reads from fd until the text seen so far contains expected (or fails after ten seconds). */
    private static String readUntil(int fd, String expected) throws Exception {
        StringBuilder seen = new StringBuilder();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            byte[] buf = new byte[4096];
            while (!seen.toString().contains(expected)) {
                int n = SYS.read(fd, buf);
                if (n <= 0) {
                    break;
                }
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            return seen.toString();
        });
        return reader.get(10, TimeUnit.SECONDS);
    }

    @Test
    void theConsoleSocketReceivesTheTerminalsMasterAsRuncSendsIt() throws Exception {
        Bundle b = withTerminal("tty; stty size; read line; echo got $line; exit 3");
        Path socket = work.resolve("console.sock");
        int listening = UnixSockets.listen(socket.toString());
        String id = id("console");
        try {
            CompletableFuture<UnixSockets.ReceivedFd> received = CompletableFuture.supplyAsync(() -> {
                int conn = UnixSockets.accept(listening);
                try {
                    return UnixSockets.receiveFd(conn);
                } finally {
                    SYS.close(conn);
                }
            });
            futaba("create", "--console-socket", socket.toString(), "--bundle", b.dir().toString(), id).ok();
            UnixSockets.ReceivedFd master = received.get(10, TimeUnit.SECONDS);
            assertTrue(master.payload().startsWith("/dev/pts/"), master.payload());
            try {
                futaba("start", id).ok();
                String out = readUntil(master.fd(), "33 99");
                assertTrue(out.contains("/dev/pts/0"), out);
                SYS.write(master.fd(), "hello\n".getBytes(StandardCharsets.UTF_8));
                assertTrue(readUntil(master.fd(), "got hello").contains("got hello"));
                eventually("the container stops", () -> futaba("state", id).out().contains("\"stopped\""));
            } finally {
                SYS.close(master.fd());
            }
        } finally {
            SYS.close(listening);
        }
    }

    private Launcher.Result inAPseudoTerminal(String input, String... futabaArgs) {
        List<String> cmd = Launcher.command("futaba");
        cmd.addAll(List.of("--root", root.toString()));
        cmd.addAll(List.of(futabaArgs));
        String command = String.join(" ", cmd.stream().map(a -> "'" + a + "'").toList());
        // script(1) gives futaba a terminal; the input reaches it once futaba has had time to start
        return Launcher.runShell("(sleep 3; printf '" + input + "'; sleep 2) | script -qec \"stty rows 40 cols 120; "
                + command.replace("\"", "\\\"") + "; echo rc=\\$?\" /dev/null");
    }

    @Test
    void runInTheForegroundGivesTheContainerFutabasTerminal() {
        Bundle b = withTerminal("read line; echo got $line; stty size; exit 5");
        String out = inAPseudoTerminal("typed\\r", "run", "--bundle", b.dir().toString(), id("own")).out()
                .replace("\r", "");
        assertTrue(out.contains("got typed\n"), out);
        assertTrue(out.contains("40 120\n"), "futaba's terminal's size, not the config's: " + out);
        assertTrue(out.contains("rc=5"), out);
    }

    @Test
    void execWithATerminal() {
        Bundle b = bundle().args("sleep", "300").write();
        String id = id("exec-tty");
        futaba("run", "--detach", "--bundle", b.dir().toString(), id).ok();
        String out = inAPseudoTerminal("exit 6\\r", "exec", "--tty", id, "sh").out().replace("\r", "");
        assertTrue(out.contains("rc=6"), "the shell read exit 6 from the terminal: " + out);
        assertTrue(out.contains("/ # "), "its prompt: " + out);

        Launcher.Result r = futaba("exec", "--console-socket", work.resolve("nowhere.sock").toString(), "--tty", id, "sh");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot connect to the console socket"), r.err());
    }
}
