package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.Signals;
import io.karakuri.linux.Syscalls;

/**
 * `delete`: removes a stopped container (a created one too, as runc does), or with force a running
 * one after killing it. Its mounts go with its mount namespace; its cgroup and state directory are
 * removed here.
 */
final class ContainerDelete {
    private static final long EXIT_WAIT_MILLIS = 10_000;

    private final StateStore store;
    private final Syscalls sys;

    ContainerDelete(StateStore store, Syscalls sys) {
        this.store = store;
        this.sys = sys;
    }

    void delete(String id, boolean force) {
        StateStore.checkId(id);
        if (!store.exists(id)) {
            if (force) {
                return;
            }
            throw new FutabaException("container " + id + " does not exist");
        }
        ContainerState state;
        try {
            state = store.load(id);
        } catch (FutabaException unreadable) {
            if (!force) {
                throw unreadable;
            }
            store.remove(id);
            return;
        }
        Status status = store.status(state);
        if (status == Status.RUNNING && !force) {
            throw new FutabaException("cannot delete container " + id + " that is running: stop it first, or use --force");
        }
        if (status == Status.CREATING && !force) {
            throw new FutabaException("cannot delete container " + id + ": it is being created (use --force if that create died)");
        }
        if (status == Status.CREATED || status == Status.RUNNING) {
            killAndWait(state.pid());
        }
        Cgroup cgroup = Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs());
        // without a pid namespace, processes the container started can outlive its first one
        for (int pid : cgroup.processes()) {
            sys.kill(pid, Signals.SIGKILL);
        }
        cgroup.destroy();
        store.remove(id);
    }

    private void killAndWait(int pid) {
        int pidFd = sys.pidfdOpen(pid);
        try {
            sys.kill(pid, Signals.SIGKILL);
            if (pidFd >= 0 && sys.pollReadable(new int[] {pidFd}, EXIT_WAIT_MILLIS) < 0) {
                throw new FutabaException("process " + pid + " did not exit after SIGKILL");
            }
        } finally {
            sys.close(pidFd);
        }
    }
}
