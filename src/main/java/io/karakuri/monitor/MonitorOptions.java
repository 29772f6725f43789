package io.karakuri.monitor;

import java.nio.file.Path;

/**
 * How karakuri-monitor runs one process (see docs/containers.md, "The monitor").
 *
 * @param runDir the monitor's directory (absolute; made if missing): monitor.pid, attach.sock, exit
 * @param log the CRI log file (ctr.log), or null for none (exec)
 * @param logMaxBytes the size past which the log becomes log.1 (0: never)
 * @param stdin whether the process's stdin is fed by attach clients (else /dev/null)
 * @param waitForAttach whether the monitor reads no output until the first attach client connects (exec:
 *     nothing the process writes before the client connects is lost)
 */
public record MonitorOptions(Path runDir, Path log, long logMaxBytes, boolean stdin, boolean waitForAttach) {
    public static final long DEFAULT_LOG_MAX = 10L << 20;

    public MonitorOptions {
        runDir = runDir.toAbsolutePath().normalize();
        log = log == null ? null : log.toAbsolutePath().normalize();
        if (logMaxBytes < 0) {
            throw new IllegalArgumentException("logMaxBytes < 0");
        }
    }

    /** A container's monitor: its log at log, rotated past 10 MiB. */
    public static MonitorOptions container(Path runDir, Path log, boolean stdin) {
        return new MonitorOptions(runDir, log, DEFAULT_LOG_MAX, stdin, false);
    }

    /** An exec's monitor: no log, output held until the first attach client. */
    public static MonitorOptions exec(Path runDir, boolean stdin) {
        return new MonitorOptions(runDir, null, 0, stdin, true);
    }
}
