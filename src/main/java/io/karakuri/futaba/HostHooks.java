package io.karakuri.futaba;

import io.karakuri.futaba.plan.HookOps;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.linux.Syscalls;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the hooks that belong on the host (prestart, createRuntime, poststart, poststop) through
 * futaba-init, the same C code that runs the createContainer and startContainer hooks in the container:
 * each with its own argv[0], exactly its environment, the state on its stdin, and its timeout.
 */
final class HostHooks {
    private HostHooks() {
    }

    /** Runs the hooks in order; the first that fails ends the run with its error (prestart, createRuntime). */
    static void run(Syscalls sys, String point, List<Spec.Hook> hooks, Map<String, Object> state, String bundle) {
        run(sys, point, hooks, 0, hooks.size(), state, bundle);
    }

    /**
     * Runs the hooks where a failure is a warning and the rest still run (poststart, poststop), as the
     * runtime spec has it.
     */
    static void runWarning(Syscalls sys, String point, List<Spec.Hook> hooks, Map<String, Object> state,
            String bundle, Consumer<String> warnings) {
        for (int i = 0; i < hooks.size(); i++) {
            try {
                run(sys, point, hooks, i, i + 1, state, bundle);
            } catch (FutabaException e) {
                warnings.accept(e.getMessage());
            }
        }
    }

    private static void run(Syscalls sys, String point, List<Spec.Hook> hooks, int from, int to,
            Map<String, Object> state, String bundle) {
        if (from >= to) {
            return;
        }
        int[] status = sys.pipe();
        ContainerProcess process = null;
        try {
            process = ContainerProcess.spawn(sys, HookOps.hostPlan(point, hooks, from, to, state, bundle, status[1]), -1,
                    status[0]);
            sys.close(status[1]);
            status[1] = -1;
            process.awaitExit();
        } catch (RuntimeException e) {
            if (process != null) {
                process.abort();
            } else {
                sys.close(status[0]);
            }
            throw e;
        } finally {
            sys.close(status[1]);
        }
    }
}
