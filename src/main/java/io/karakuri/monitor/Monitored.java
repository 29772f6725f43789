package io.karakuri.monitor;

import java.nio.file.Path;

/**
 * A process that karakuri-monitor holds: the container's (or exec'd) process, its monitor, and the
 * monitor's files.
 *
 * @param pid the process, as the host sees it (after a fork into a pid namespace, the forked one)
 * @param monitorPid the monitor, its parent: not a child of this JVM
 * @param runDir the monitor's directory
 * @param log the CRI log, or null
 */
public record Monitored(int pid, int monitorPid, Path runDir, Path log) {
    public static final String ATTACH_SOCKET = "attach.sock";
    public static final String EXIT_FILE = "exit";
    public static final String PID_FILE = "monitor.pid";

    public Path attachSocket() {
        return runDir.resolve(ATTACH_SOCKET);
    }

    public Path exitFile() {
        return runDir.resolve(EXIT_FILE);
    }

    public Path pidFile() {
        return runDir.resolve(PID_FILE);
    }

    /**
     * The pid of the monitor of runDir while it runs: monitor.pid names a live karakuri-monitor (not a
     * zombie, not a reused pid). For hitoha at its start: a container whose monitor is gone and whose exit
     * file is missing lost its monitor (killed with SIGKILL).
     */
    public static java.util.OptionalInt running(Path runDir) {
        try {
            int pid = Integer.parseInt(java.nio.file.Files.readString(runDir.resolve(PID_FILE)).strip());
            Path proc = Path.of("/proc", Integer.toString(pid));
            String comm = java.nio.file.Files.readString(proc.resolve("comm")).strip();
            String stat = java.nio.file.Files.readString(proc.resolve("stat"));
            boolean zombie = stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            return "karakuri-monitor".startsWith(comm) && !comm.isEmpty() && !zombie
                    ? java.util.OptionalInt.of(pid) : java.util.OptionalInt.empty();
        } catch (java.io.IOException | NumberFormatException | IndexOutOfBoundsException e) {
            return java.util.OptionalInt.empty();
        }
    }
}
