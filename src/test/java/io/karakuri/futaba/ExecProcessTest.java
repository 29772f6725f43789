package io.karakuri.futaba;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.futaba.spec.Spec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecProcessTest {
    private static final Spec.Process BASE = new Spec.Process(false, null, new Spec.User(5, 6, List.of(7L)),
            List.of("sleep", "300"), List.of("PATH=/bin", "A=1", "B=2"), "/srv",
            new Spec.Capabilities(List.of("CAP_KILL"), List.of("CAP_KILL"), List.of("CAP_KILL"), null, List.of()),
            List.of(new Spec.Rlimit("RLIMIT_NOFILE", 10, 20)), false, null, null);

    private static ExecProcess exec(List<String> env, String user, List<Long> gids, List<String> caps) {
        return new ExecProcess(List.of("sh"), null, env, user, gids, false, caps, false);
    }

    @Test
    void keepsTheContainersProcessAndReplacesTheArguments() {
        Spec.Process p = exec(List.of(), null, List.of(), List.of()).mergeInto(BASE);
        assertEquals(List.of("sh"), p.args());
        assertEquals(BASE.env(), p.env());
        assertEquals(BASE.user(), p.user());
        assertEquals("/srv", p.cwd());
        assertEquals(BASE.capabilities(), p.capabilities());
        assertEquals(BASE.rlimits(), p.rlimits());
    }

    @Test
    void environmentEntriesReplaceTheirKeyOrAreAdded() {
        Spec.Process p = exec(List.of("B=changed", "C=3"), null, List.of(), List.of()).mergeInto(BASE);
        assertEquals(List.of("PATH=/bin", "A=1", "B=changed", "C=3"), p.env());
        FutabaException e = assertThrows(FutabaException.class,
                () -> exec(List.of("NOEQUALS"), null, List.of(), List.of()).mergeInto(BASE));
        assertTrue(e.getMessage().contains("KEY=VALUE"));
    }

    @Test
    void userAndGroups() {
        assertEquals(new Spec.User(1000, 1000, List.of(7L)), exec(List.of(), "1000", List.of(), List.of()).mergeInto(BASE).user());
        assertEquals(new Spec.User(5, 6, List.of(7L)), exec(List.of(), "5", List.of(), List.of()).mergeInto(BASE).user(),
                "the same uid keeps its gid");
        assertEquals(new Spec.User(1, 2, List.of(3L, 4L)),
                exec(List.of(), "1:2", List.of(3L, 4L), List.of()).mergeInto(BASE).user());
        for (String bad : List.of("root", "1:x", "-1", "")) {
            assertThrows(FutabaException.class, () -> exec(List.of(), bad, List.of(), List.of()).mergeInto(BASE), bad);
        }
    }

    @Test
    void addedCapabilitiesJoinTheBoundingEffectiveAndPermittedSets() {
        Spec.Capabilities c = exec(List.of(), null, List.of(), List.of("CAP_NET_ADMIN", "CAP_KILL")).mergeInto(BASE)
                .capabilities();
        assertEquals(List.of("CAP_KILL", "CAP_NET_ADMIN"), c.bounding());
        assertEquals(List.of("CAP_KILL", "CAP_NET_ADMIN"), c.effective());
        assertEquals(List.of("CAP_KILL", "CAP_NET_ADMIN"), c.permitted());
        assertEquals(List.of(), c.ambient());
    }

    @Test
    void noNewPrivilegesCanOnlyBeTurnedOn() {
        assertTrue(new ExecProcess(List.of("sh"), "/", List.of(), null, List.of(), true, List.of(), false).mergeInto(BASE)
                .noNewPrivileges());
    }
}
