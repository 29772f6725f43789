package io.karakuri.futaba;

import io.karakuri.futaba.spec.Spec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The process `futaba exec` runs when no --process file describes it: the container's own process
 * (its environment, user, capabilities, limits) with the command line's changes, as runc does.
 *
 * @param args the program and its arguments
 * @param cwd --cwd, or null
 * @param env --env KEY=VALUE entries, replacing the container's value of KEY
 * @param user --user UID[:GID], or null
 * @param additionalGids --additional-gids, or empty
 * @param caps --cap: added to the bounding, effective and permitted sets
 * @param tty --tty: the process gets a terminal
 */
public record ExecProcess(List<String> args, String cwd, List<String> env, String user, List<Long> additionalGids,
        boolean noNewPrivileges, List<String> caps, boolean tty) {

    public Spec.Process mergeInto(Spec.Process base) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String e : base.env()) {
            environment.put(key(e), e);
        }
        for (String e : env) {
            if (!e.contains("=")) {
                throw new FutabaException("--env must be KEY=VALUE, not \"" + e + "\"");
            }
            environment.put(key(e), e);
        }
        Spec.User u = base.user();
        if (user != null) {
            String[] ids = user.split(":", 2);
            try {
                long uid = Long.parseLong(ids[0]);
                long gid = ids.length > 1 ? Long.parseLong(ids[1]) : (uid == u.uid() ? u.gid() : uid);
                if (uid < 0 || gid < 0) {
                    throw new NumberFormatException();
                }
                u = new Spec.User(uid, gid, u.additionalGids(), u.umask());
            } catch (NumberFormatException e) {
                throw new FutabaException("--user takes UID[:GID] as numbers, not \"" + user + "\"");
            }
        }
        if (!additionalGids.isEmpty()) {
            u = new Spec.User(u.uid(), u.gid(), additionalGids, u.umask());
        }
        Spec.Capabilities c = base.capabilities();
        if (!caps.isEmpty()) {
            c = c == null ? new Spec.Capabilities(caps, caps, caps, null, null) : new Spec.Capabilities(
                    plus(c.bounding(), caps), plus(c.effective(), caps), plus(c.permitted(), caps), c.inheritable(),
                    c.ambient());
        }
        return new Spec.Process(tty, base.consoleSize(), u, args, List.copyOf(environment.values()), cwd != null ? cwd : base.cwd(),
                c, base.rlimits(), base.noNewPrivileges() || noNewPrivileges, base.oomScoreAdj(), base.apparmorProfile());
    }

    private static String key(String entry) {
        int eq = entry.indexOf('=');
        return eq < 0 ? entry : entry.substring(0, eq);
    }

    private static List<String> plus(List<String> set, List<String> more) {
        List<String> all = new ArrayList<>(set == null ? List.of() : set);
        for (String cap : more) {
            if (!all.contains(cap)) {
                all.add(cap);
            }
        }
        return all;
    }
}
