package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;

/** `pause` and `resume`: the cgroup freezer (v1 freezer.state, v2 cgroup.freeze) holds every process. */
final class ContainerPause {
    private final StateStore store;

    ContainerPause(StateStore store) {
        this.store = store;
    }

    void pause(String id) {
        freeze(id, Status.RUNNING, true);
    }

    void resume(String id) {
        freeze(id, Status.PAUSED, false);
    }

    private void freeze(String id, Status from, boolean freeze) {
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (status != from) {
            throw new FutabaException("cannot " + (freeze ? "pause" : "resume") + " container " + id + ": it is "
                    + status + ", not " + from);
        }
        Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs()).freeze(freeze);
    }
}
