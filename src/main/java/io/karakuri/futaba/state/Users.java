package io.karakuri.futaba.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** User names from /etc/passwd. */
final class Users {
    private Users() {
    }

    static String name(int uid) {
        if (uid == 0) {
            return "root";
        }
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length > 2 && f[2].equals(Integer.toString(uid))) {
                    return f[0];
                }
            }
        } catch (IOException ignored) {
            // fall through to the number
        }
        return "#" + uid;
    }
}
