package io.karakuri.futaba;

import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.linux.Syscalls;
import io.karakuri.monitor.MonitorLauncher;
import io.karakuri.monitor.MonitorOptions;
import io.karakuri.monitor.Monitored;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * futaba's Java API: the OCI runtime operations on the containers under one state root. The
 * command line is a thin layer over it, and hitoha calls it in-process.
 */
public final class Futaba {
    public static final Path DEFAULT_ROOT = Path.of("/run/futaba");

    private final StateStore store;
    private final Syscalls sys;
    private final Consumer<String> warnings;

    public Futaba(Path root, Syscalls sys, Consumer<String> warnings) {
        this.store = new StateStore(root);
        this.sys = sys;
        this.warnings = warnings;
    }

    ContainerCreate creator() {
        return new ContainerCreate(store, sys, warnings);
    }

    /**
     * Creates a container from a bundle; its process waits for {@link #start}. A process with a terminal
     * sends the terminal's master to consoleSocket.
     */
    public ContainerState create(String id, Path bundle, Path pidFile, int preserveFds, Path consoleSocket) {
        ContainerCreate.Created created = creator().create(id,
                new ContainerCreate.Options(bundle, pidFile, preserveFds, consoleSocket, false));
        created.process().detach();
        return created.state();
    }

    /**
     * Creates a container whose process is cloned by a karakuri-monitor (docs/containers.md): the process
     * is the monitor's child, its stdio (or terminal) the monitor's, and it waits for {@link #start} as with
     * {@link #create}. The monitor, its log and its exit file outlive this JVM.
     */
    public Monitored createMonitored(String id, Path bundle, MonitorOptions options) {
        MonitorLauncher launcher = new MonitorLauncher(sys, options, id);
        ContainerCreate.Created created = creator().create(id,
                new ContainerCreate.Options(bundle, null, 0, null, false, launcher::spawn));
        created.process().detach();
        return launcher.monitored(created.state().pid());
    }

    /**
     * Runs process in a created or running container as a karakuri-monitor's child: returns once it runs.
     * Its output, stdin, terminal and exit code are the monitor's (attach.sock, exit).
     */
    public Monitored execMonitored(String id, Spec.Process process, MonitorOptions options) {
        MonitorLauncher launcher = new MonitorLauncher(sys, options, id);
        int pid = new ContainerExec(store, sys, warnings).exec(id, process, null, true, 0, null, launcher::spawn);
        return launcher.monitored(pid);
    }

    public void start(String id) {
        new ContainerStart(store, sys, warnings).start(id);
    }

    /**
     * Create + start + wait; returns the exit code (0 at once with detach). A process with a terminal and
     * no console socket gets futaba's own, in the foreground.
     */
    public int run(String id, Path bundle, Path pidFile, int preserveFds, Path consoleSocket, boolean detach,
            boolean keep) {
        return new ContainerRun(this, sys).run(id, new ContainerCreate.Options(bundle, pidFile, preserveFds,
                consoleSocket, !detach && consoleSocket == null), detach, keep);
    }

    /** Runs process in a created or running container: its exit code, or 0 at once with detach. */
    public int exec(String id, Spec.Process process, Path pidFile, boolean detach, int preserveFds,
            Path consoleSocket) {
        return new ContainerExec(store, sys, warnings).exec(id, process, pidFile, detach, preserveFds, consoleSocket);
    }

    /** The process a container's config describes, for `exec` to start from. */
    public Spec.Process configuredProcess(String id) {
        return ContainerCreate.readSpec(Path.of(store.load(id).bundle())).process();
    }

    public void pause(String id) {
        new ContainerPause(store).pause(id);
    }

    public void resume(String id) {
        new ContainerPause(store).resume(id);
    }

    /**
     * New limits for the cgroup of a created, running or paused container; what r leaves out stays as it is.
     * source (a file name, "update") starts the errors about r.
     */
    public void update(String id, Spec.Resources r, String source) {
        new ContainerUpdate(store, warnings).update(id, r, source);
    }

    /** The pids of the container's processes. */
    public List<Integer> pids(String id) {
        return new ContainerPs(store).pids(id);
    }

    /** The container's processes as rows of UID, PID, PPID, STIME, TIME, CMD, header first. */
    public List<String[]> processTable(String id) {
        return new ContainerPs(store).table(id);
    }

    /** One "stats" event, or with interval not null, events until the container stops. */
    public void events(String id, java.time.Duration interval, java.util.function.Consumer<Map<String, Object>> out) {
        if (interval == null) {
            new ContainerEvents(store).stats(id, out);
        } else {
            new ContainerEvents(store).follow(id, interval, out);
        }
    }

    public void kill(String id, int signal, boolean all) {
        new ContainerKill(store, sys).kill(id, signal, all);
    }

    public void delete(String id, boolean force) {
        new ContainerDelete(store, sys, warnings).delete(id, force);
    }

    /** The runtime-spec state of a container. */
    public Map<String, Object> state(String id) {
        ContainerState state = store.load(id);
        return state.ociState(store.status(state), store.owner(id));
    }

    /** The runtime-spec state of every container. */
    public List<Map<String, Object>> list() {
        return store.all().stream().map(s -> s.ociState(store.status(s), store.owner(s.id()))).toList();
    }
}
