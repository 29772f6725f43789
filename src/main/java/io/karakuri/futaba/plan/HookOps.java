package io.karakuri.futaba.plan;

import io.karakuri.futaba.plan.PlanOp.Type;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FTB_OP_HOOK ops: each runs one OCI hook with the container's state on its stdin. A hook that runs in
 * the container's pid namespace (createContainer, startContainer) gets the pid futaba-init has there,
 * as runc gives it: the state's pid is filled in by futaba-init at an offset in the JSON.
 */
public final class HookOps {
    private static final long PID_MARK = -7_777_777_777L;

    private HookOps() {
    }

    /**
     * The ops for the hooks of one lifecycle point; state is the runtime-spec state document (its "pid"
     * member left out when futaba-init fills it in).
     */
    public static List<PlanOp> ops(String point, List<Spec.Hook> hooks, Map<String, Object> state, boolean pidInside) {
        return ops(point, hooks, 0, hooks.size(), state, pidInside);
    }

    /** As above, for hooks[from, to) of the point's list (numbered in the messages as in the list). */
    private static List<PlanOp> ops(String point, List<Spec.Hook> hooks, int from, int to, Map<String, Object> state,
            boolean pidInside) {
        String json;
        long pidAt = -1;
        if (pidInside) {
            Map<String, Object> marked = new LinkedHashMap<>(state);
            marked.put("pid", PID_MARK);
            String withMark = Json.write(marked);
            int at = withMark.indexOf(Long.toString(PID_MARK));
            pidAt = withMark.substring(0, at).getBytes(StandardCharsets.UTF_8).length; // futaba-init counts bytes
            json = withMark.replace(Long.toString(PID_MARK), "");
        } else {
            json = Json.write(state);
        }
        List<PlanOp> ops = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Spec.Hook hook = hooks.get(i);
            List<String> strs = new ArrayList<>();
            strs.add(hook.path());
            strs.addAll(hook.argv());
            strs.addAll(hook.env());
            strs.add(json);
            long timeout = hook.timeout() == null ? 0 : hook.timeout();
            ops.add(new PlanOp(Type.HOOK, new long[] {timeout, hook.argv().size(), hook.env().size(), pidAt}, strs,
                    "run " + point + " hook " + i + " (" + hook.path() + ")"));
        }
        return ops;
    }

    /**
     * A plan for the host's hooks of one lifecycle point (prestart, createRuntime, poststart, poststop):
     * a futaba-init that joins nothing runs them one after the other from the bundle directory, as runc
     * runs them from there.
     */
    public static Plan hostPlan(String point, List<Spec.Hook> hooks, int from, int to, Map<String, Object> state,
            String bundle, int statusFd) {
        List<PlanOp> ops = new ArrayList<>();
        ops.add(PlanOp.of(Type.CLOSE_FDS, "closing inherited file descriptors", new long[] {statusFd}));
        ops.add(PlanOp.of(Type.CHDIR, "change to the bundle " + bundle, new long[0], bundle));
        ops.addAll(ops(point, hooks, from, to, state, false));
        return new Plan(0, statusFd, List.copyOf(ops));
    }
}
