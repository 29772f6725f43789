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
}
