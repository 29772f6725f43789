package io.karakuri.hitoha.container;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code --user} (or the image's User) as the runtime needs it: "name", "uid", "name:group", "uid:gid",
 * looked up in the image's /etc/passwd and /etc/group, with the user's supplementary groups, as Docker does.
 */
record ProcessUser(int uid, int gid, List<Integer> additionalGids) {
    static final ProcessUser ROOT = new ProcessUser(0, 0, List.of());

    static ProcessUser resolve(String spec, String passwd, String group) {
        if (spec == null || spec.isEmpty()) {
            return ROOT;
        }
        String[] parts = spec.split(":", 2);
        String user = parts[0];
        int uid;
        Integer gid = null;
        String userName = null;
        String[] entry = find(passwd, user, 0, 2);
        if (entry != null) {
            uid = Integer.parseInt(entry[2]);
            gid = parts.length == 1 ? Integer.parseInt(entry[3]) : null;
            userName = entry[0];
        } else if (user.matches("\\d{1,9}")) {
            uid = Integer.parseInt(user);
            gid = parts.length == 1 ? 0 : null;
        } else {
            throw new IllegalArgumentException("--user " + spec + ": the image has no user \"" + user
                    + "\" in /etc/passwd");
        }
        if (parts.length == 2) {
            String[] g = find(group, parts[1], 0, 2);
            if (g != null) {
                gid = Integer.parseInt(g[2]);
            } else if (parts[1].matches("\\d{1,9}")) {
                gid = Integer.parseInt(parts[1]);
            } else {
                throw new IllegalArgumentException("--user " + spec + ": the image has no group \"" + parts[1]
                        + "\" in /etc/group");
            }
        }
        List<Integer> extra = new ArrayList<>();
        if (userName != null && group != null) {
            for (String line : group.split("\n")) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && f[2].matches("\\d{1,9}") && List.of(f[3].split(",")).contains(userName)) {
                    int g = Integer.parseInt(f[2]);
                    if (g != gid && !extra.contains(g)) {
                        extra.add(g);
                    }
                }
            }
        }
        return new ProcessUser(uid, gid, extra);
    }

    /** The line of an /etc/passwd or /etc/group whose name or number field is key. */
    private static String[] find(String file, String key, int nameField, int idField) {
        if (file == null) {
            return null;
        }
        for (String line : file.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length > Math.max(idField, 3) && f[idField].matches("\\d{1,9}")
                    && (f[nameField].equals(key) || f[idField].equals(key))) {
                return f;
            }
        }
        return null;
    }
}
