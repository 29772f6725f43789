package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.ProcStat;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.Syscalls;
import java.util.function.Consumer;

/**
 * `delete`: removes a stopped container (a created one too, as runc does), or with force a running
 * one after killing it. Its mounts go with its mount namespace; its cgroup and state directory are
 * removed here.
 *
 * <p>SIGKILL goes through ProcessHandle, which checks the process's start time against pid reuse; no
 * native call is needed, which keeps the FFM set-up (about 20 ms) out of this JVM's start. Only
 * poststop hooks, run once the container is gone, take one.
 */
final class ContainerDelete {
    private static final long EXIT_WAIT_NANOS = 10_000_000_000L;

    private final StateStore store;
    private final Syscalls sys;
    private final Consumer<String> warnings;

    ContainerDelete(StateStore store, Syscalls sys, Consumer<String> warnings) {
        this.store = store;
        this.sys = sys;
        this.warnings = warnings;
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
        if ((status == Status.RUNNING || status == Status.PAUSED) && !force) {
            throw new FutabaException("cannot delete container " + id + " that is " + status
                    + ": stop it first, or use --force");
        }
        if (status == Status.CREATING && !force) {
            throw new FutabaException("cannot delete container " + id + ": it is being created (use --force if that create died)");
        }
        Cgroup cgroup = Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs());
        if (status == Status.PAUSED) {
            ProcessHandle.of(state.pid()).ifPresent(ProcessHandle::destroyForcibly);
            cgroup.freeze(false); // a frozen process dies of its SIGKILL once thawed
        }
        if (status == Status.CREATED || status == Status.RUNNING || status == Status.PAUSED) {
            killAndWait(state.pid());
        }
        // without a pid namespace, processes the container started can outlive its first one
        for (int pid : cgroup.processes()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        cgroup.destroy();
        if (state.rootMountsBefore() >= 0) {
            HostMounts.remove(sys, HostMounts.realPath(state.rootfs()), state.rootMountsBefore());
        }
        String owner = store.owner(id);
        store.remove(id);
        if (!state.hooks().poststop().isEmpty()) {
            HostHooks.runWarning(sys, "poststop", state.hooks().poststop(), state.ociState(Status.STOPPED, owner),
                    state.bundle(), warnings);
        }
    }

    private static void killAndWait(int pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + EXIT_WAIT_NANOS;
        while (true) {
            ProcStat stat = ProcStat.read(pid);
            if (stat == null || stat.zombie()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new FutabaException("process " + pid + " did not exit after SIGKILL");
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FutabaException("interrupted while waiting for process " + pid + " to exit");
            }
        }
    }
}
