package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.Signals;
import io.karakuri.linux.Syscalls;

/**
 * `kill`: a signal to the container's process, or with all to every process in its cgroup. With all,
 * the cgroup is frozen while the signals go out, so no process forks one that would miss its signal.
 * A frozen process on cgroup v1 does not die of SIGKILL until it is thawed: SIGKILL to a paused
 * container thaws it, as runc does.
 */
final class ContainerKill {
    private final StateStore store;
    private final Syscalls sys;

    ContainerKill(StateStore store, Syscalls sys) {
        this.store = store;
        this.sys = sys;
    }

    void kill(String id, int signal, boolean all) {
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (status != Status.CREATED && status != Status.RUNNING && status != Status.PAUSED) {
            throw new FutabaException("cannot kill container " + id + ": it is " + status);
        }
        Cgroup cgroup = Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs());
        boolean paused = status == Status.PAUSED;
        if (all) {
            if (!paused) {
                cgroup.freeze(true);
            }
            try {
                for (int pid : cgroup.processes()) {
                    sys.kill(pid, signal);
                }
            } finally {
                if (!paused) {
                    cgroup.freeze(false);
                }
            }
        } else if (!sys.kill(state.pid(), signal)) {
            throw new FutabaException("cannot kill container " + id + ": its process has exited");
        }
        if (paused && signal == Signals.SIGKILL) {
            cgroup.freeze(false);
        }
    }
}
