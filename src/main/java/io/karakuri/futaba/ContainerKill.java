package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.Syscalls;

/** `kill`: a signal to the container's process, or with all to every process in its cgroup. */
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
        if (all) {
            for (int pid : Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs()).processes()) {
                sys.kill(pid, signal);
            }
        } else if (!sys.kill(state.pid(), signal)) {
            throw new FutabaException("cannot kill container " + id + ": its process has exited");
        }
    }
}
