package io.karakuri.hitoha.container;

import io.karakuri.futaba.FutabaException;
import io.quarkus.test.Mock;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime for the API tests: containers whose processes are entries in a map, which end when killed
 * or when a test says so. The real one (futaba and the monitor) is tested by the integration tests.
 */
@Mock
@Singleton
public class FakeRuntime implements ContainerRuntime {
    private record Process(int pid, boolean started, Exit exit) {
    }

    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final AtomicInteger pids = new AtomicInteger(40_000);
    volatile String failStart;

    @Override
    public Created create(String id, Path bundle, boolean stdin, Path logFile) {
        int pid = pids.incrementAndGet();
        processes.put(id, new Process(pid, false, null));
        return new Created(pid, pid + 100_000);
    }

    @Override
    public void start(String id) {
        if (id.equals(failStart)) {
            throw new FutabaException("process.args: exec: executable file not found in $PATH");
        }
        processes.computeIfPresent(id, (k, p) -> new Process(p.pid(), true, null));
    }

    /** The process of container id ends by itself with code. */
    void finish(String id, int code) {
        processes.computeIfPresent(id, (k, p) -> new Process(p.pid(), p.started(), new Exit(code, Instant.now().toString())));
    }

    boolean running(String id) {
        Process p = processes.get(id);
        return p != null && p.started() && p.exit() == null;
    }

    int count() {
        return processes.size();
    }

    @Override
    public boolean exists(String id) {
        return processes.containsKey(id);
    }

    @Override
    public boolean kill(String id, int signal) {
        Process p = processes.get(id);
        if (p == null || p.exit() != null) {
            return false;
        }
        finish(id, 128 + signal);
        return true;
    }

    @Override
    public void delete(String id) {
        processes.remove(id);
    }

    @Override
    public Optional<Exit> exit(String id) {
        Process p = processes.get(id);
        return p == null ? Optional.empty() : Optional.ofNullable(p.exit());
    }

    @Override
    public boolean monitorAlive(String id) {
        Process p = processes.get(id);
        return p != null && p.exit() == null;
    }

    @Override
    public Path attachSocket(String id) {
        return Path.of("/nonexistent/attach.sock");
    }

    @Override
    public void forget(String id) {
    }

    @Override
    public Path exec(String id, List<String> args, List<String> env, ProcessUser user, String cwd, boolean tty,
            boolean stdin) {
        return Path.of("/nonexistent/exec.sock");
    }
}
