package io.karakuri.hitoha.container;

import io.karakuri.futaba.Futaba;
import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.image.layer.Trees;
import io.karakuri.linux.LinuxSyscalls;
import io.karakuri.monitor.ExitRecord;
import io.karakuri.monitor.MonitorOptions;
import io.karakuri.monitor.Monitored;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The real runtime: futaba in this JVM, with each container's process (and each exec'd one) cloned by a
 * karakuri-monitor, whose files live under {@code RUN/containers/<id>/} (an exec's under
 * {@code exec/<n>/} there). futaba's own state is under {@code RUN/futaba}.
 */
final class MonitoredRuntime implements ContainerRuntime {
    private final Futaba futaba;
    private final Path runDir;

    MonitoredRuntime(Path run, Consumer<String> warnings) {
        this.futaba = new Futaba(run.resolve("futaba"), LinuxSyscalls.INSTANCE, warnings);
        this.runDir = run.resolve("containers");
    }

    private Path monitorDir(String id) {
        return runDir.resolve(id);
    }

    @Override
    public Created create(String id, Path bundle, boolean stdin, Path logFile) {
        Monitored m = futaba.createMonitored(id, bundle, MonitorOptions.container(monitorDir(id), logFile, stdin));
        return new Created(m.pid(), m.monitorPid());
    }

    @Override
    public void start(String id) {
        futaba.start(id);
    }

    @Override
    public boolean exists(String id) {
        try {
            futaba.state(id);
            return true;
        } catch (FutabaException e) {
            return false;
        }
    }

    @Override
    public boolean kill(String id, int signal) {
        try {
            futaba.kill(id, signal, false);
            return true;
        } catch (FutabaException e) {
            return false;
        }
    }

    @Override
    public void delete(String id) {
        futaba.delete(id, true);
    }

    @Override
    public Optional<Exit> exit(String id) {
        return ExitRecord.read(monitorDir(id)).map(e -> new Exit(e.exitCode(), e.finishedAt()));
    }

    @Override
    public boolean monitorAlive(String id) {
        return Monitored.running(monitorDir(id)).isPresent();
    }

    @Override
    public Path attachSocket(String id) {
        return monitorDir(id).resolve(Monitored.ATTACH_SOCKET);
    }

    @Override
    public void forget(String id) {
        try {
            Trees.removeAll(monitorDir(id));
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove " + monitorDir(id) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path exec(String id, List<String> args, List<String> env, ProcessUser user, String cwd, boolean tty,
            boolean stdin) {
        Spec.Process base = futaba.configuredProcess(id);
        Map<String, String> environment = new LinkedHashMap<>();
        for (String e : base.env()) {
            int eq = e.indexOf('=');
            environment.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--env \"" + e + "\": write it as NAME=VALUE");
            }
            environment.put(e.substring(0, eq), e.substring(eq + 1));
        }
        Spec.User u = user == null ? base.user() : new Spec.User(user.uid(), user.gid(),
                user.additionalGids().stream().map(Integer::longValue).toList());
        Spec.Process process = new Spec.Process(tty, null, u, args,
                environment.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(),
                cwd == null ? base.cwd() : cwd, base.capabilities(), base.rlimits(), base.noNewPrivileges(),
                base.oomScoreAdj(), base.apparmorProfile());
        Path dir = execDir(id);
        Monitored m = futaba.execMonitored(id, process, MonitorOptions.exec(dir, stdin));
        return m.attachSocket();
    }

    /** A fresh directory for an exec's monitor; those of ended execs are swept. */
    private Path execDir(String id) {
        Path execs = monitorDir(id).resolve("exec");
        try {
            Files.createDirectories(execs);
            try (var old = Files.list(execs)) {
                for (Path p : old.toList()) {
                    if (Files.exists(p.resolve(Monitored.EXIT_FILE)) && Monitored.running(p).isEmpty()) {
                        Trees.removeAll(p);
                    }
                }
            }
            return Files.createTempDirectory(execs, "");
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a directory for the exec under " + execs + ": " + e.getMessage(), e);
        }
    }
}
