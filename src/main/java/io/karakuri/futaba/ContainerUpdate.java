package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecValidator;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import java.util.List;
import java.util.function.Consumer;

/**
 * `update`: new limits written to the cgroup of a container that has one (created, running or paused), as
 * runc's update; device rules stay as they are, as with runc. The limits are checked before anything is
 * written, and a write the kernel refuses puts back the ones before it.
 */
final class ContainerUpdate {
    private final StateStore store;
    private final Consumer<String> warnings;

    ContainerUpdate(StateStore store, Consumer<String> warnings) {
        this.store = store;
        this.warnings = warnings;
    }

    void update(String id, Spec.Resources resources, String source) {
        SpecValidator.validateResources(resources, source);
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (!List.of(Status.CREATED, Status.RUNNING, Status.PAUSED).contains(status)) {
            throw new FutabaException("cannot update container " + id + ": it is " + status);
        }
        Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs()).update(resources, warnings);
    }
}
