package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * `events`: the container's figures from its cgroup as runc's events: one "stats" event (--stats), or
 * one every interval, and an "oom" event when the OOM killer has struck, until the container stops.
 */
final class ContainerEvents {
    private final StateStore store;

    ContainerEvents(StateStore store) {
        this.store = store;
    }

    void stats(String id, Consumer<Map<String, Object>> out) {
        ContainerState state = running(id);
        out.accept(event("stats", id, Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs()).stats()));
    }

    void follow(String id, Duration interval, Consumer<Map<String, Object>> out) {
        ContainerState state = running(id);
        Cgroup cgroup = Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs());
        long ooms = cgroup.oomKills();
        while (store.status(state) != Status.STOPPED) {
            out.accept(event("stats", id, cgroup.stats()));
            long now = cgroup.oomKills();
            if (now > ooms) {
                out.accept(event("oom", id, null));
                ooms = now;
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private ContainerState running(String id) {
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (status == Status.STOPPED || status == Status.CREATING) {
            throw new FutabaException("cannot get the events of container " + id + ": it is " + status);
        }
        return state;
    }

    private static Map<String, Object> event(String type, String id, Map<String, Object> data) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("id", id);
        e.put("data", data);
        return e;
    }
}
