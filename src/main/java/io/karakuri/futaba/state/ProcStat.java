package io.karakuri.futaba.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The fields of /proc/PID/stat that futaba reads. */
public record ProcStat(char state, long startTime) {

    /** null if the process does not exist. */
    public static ProcStat read(int pid) {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
        } catch (IOException gone) {
            return null;
        }
        // the command name (field 2) may hold spaces and parentheses: fields resume after the last ')'
        String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
        return new ProcStat(f[0].charAt(0), Long.parseLong(f[19]));
    }

    public boolean zombie() {
        return state == 'Z' || state == 'X';
    }
}
