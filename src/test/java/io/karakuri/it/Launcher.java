package io.karakuri.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
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

    /**
     * A program file that starts role, for tools that take a runtime's path (containerd's --runc-binary,
     * podman's --runtime): the installed launcher's link, or in a developer's build a script in dir that
     * runs {@link #command}.
     */
    public static Path executable(String role, Path dir) {
        String bin = System.getProperty("karakuri.launcher", "");
        if (!bin.isEmpty()) {
            return Path.of(bin, role);
        }
        StringBuilder script = new StringBuilder("#!/bin/sh\nexec");
        for (String word : command(role)) {
            script.append(" '").append(word.replace("'", "'\\''")).append('\'');
        }
        script.append(" \"$@\"\n");
        try {
            Path file = Files.createDirectories(dir).resolve(role);
            Files.writeString(file, script);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            return file;
        } catch (IOException e) {
            throw new AssertionError("cannot write " + dir.resolve(role), e);
        }
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
        return runProgram(cmd, env, Duration.ofMinutes(2));
    }

    /**
     * Runs any program (ctr, podman, script) to completion, for at most timeout, with its output through
     * files and its standard input from /dev/null; a program still running then is killed and the call
     * fails.
     */
    public static Result runProgram(List<String> cmd, Map<String, String> env, Duration timeout) {
        try {
            Path out = Files.createTempFile("karakuri-out", ".txt");
            Path err = Files.createTempFile("karakuri-err", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out after " + timeout.toSeconds() + " s: " + cmd);
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
