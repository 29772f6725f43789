package io.karakuri.futaba;

import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * `ps`: the processes of a container, found by its cgroup; the pids alone (--format json, which
 * containerd reads) or a `ps -ef`-like table read from /proc.
 */
final class ContainerPs {
    private static final long TICKS_PER_SECOND = 100; // USER_HZ

    private final StateStore store;

    ContainerPs(StateStore store) {
        this.store = store;
    }

    List<Integer> pids(String id) {
        ContainerState state = store.load(id);
        if (store.status(state) == Status.STOPPED) {
            return List.of();
        }
        return Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs()).processes();
    }

    /** Rows of UID, PID, PPID, STIME, TIME, CMD, header first. */
    List<String[]> table(String id) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"UID", "PID", "PPID", "STIME", "TIME", "CMD"});
        long bootSeconds = bootTime();
        for (int pid : pids(id)) {
            try {
                Path proc = Path.of("/proc", Integer.toString(pid));
                String stat = Files.readString(proc.resolve("stat"));
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long cpuTicks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                long started = bootSeconds + Long.parseLong(f[19]) / TICKS_PER_SECOND;
                String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                        .replace('\0', ' ').strip();
                rows.add(new String[] {uid(proc), Integer.toString(pid), f[1],
                    LocalTime.ofInstant(Instant.ofEpochSecond(started), ZoneId.systemDefault()).toString().substring(0, 5),
                    duration(cpuTicks / TICKS_PER_SECOND), cmd.isEmpty() ? "[" + comm + "]" : cmd});
            } catch (IOException | RuntimeException exited) {
                // gone between the listing and the reading
            }
        }
        return rows;
    }

    private static String uid(Path proc) throws IOException {
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1];
            }
        }
        return "?";
    }

    private static long bootTime() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("btime ")) {
                    return Long.parseLong(line.substring(6).strip());
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // start times then count from the epoch
        }
        return 0;
    }

    private static String duration(long seconds) {
        return String.format("%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
