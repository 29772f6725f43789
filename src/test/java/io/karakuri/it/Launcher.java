package io.karakuri.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs karakuri's roles as a user would: through the installed launcher (-Dkarakuri.launcher, the
 * bin directory scripts/test.sh installs into), or, in a developer's build, through java with the
 * built jar.
 */
public final class Launcher {
    /** What a finished command left: exit code, stdout, stderr. */
    public record Result(int code, String out, String err) {
        public Result ok() {
            if (code != 0) {
                throw new AssertionError("exit " + code + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }
    }

    private Launcher() {
    }

    /** The command line that starts role (karakuri, futaba or hitoha). */
    public static List<String> command(String role) {
        String bin = System.getProperty("karakuri.launcher", "");
        if (!bin.isEmpty()) {
            return new ArrayList<>(List.of(Path.of(bin, role).toString()));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Dkarakuri.libfutaba=" + System.getProperty("karakuri.libfutaba"),
                "-Dkarakuri.argv0=" + role,
                "-cp", System.getProperty("karakuri.jar"), "io.karakuri.Main"));
    }

    public static Result run(String role, List<String> args) {
        return run(role, args, Map.of());
    }

    /** Runs a shell script (for what ProcessBuilder cannot do, such as passing fds beyond stderr). */
    public static Result runShell(String script) {
        return exec(List.of("/bin/sh", "-c", script), Map.of());
    }

    /**
     * Runs to completion (at most two minutes). Output goes through files, not pipes: a container made
     * by `futaba create` keeps futaba's stdout open long after futaba has exited.
     */
    public static Result run(String role, List<String> args, Map<String, String> env) {
        List<String> cmd = command(role);
        cmd.addAll(args);
        return exec(cmd, env);
    }

    private static Result exec(List<String> cmd, Map<String, String> env) {
        try {
            Path out = Files.createTempFile("karakuri-out", ".txt");
            Path err = Files.createTempFile("karakuri-err", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + cmd);
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
