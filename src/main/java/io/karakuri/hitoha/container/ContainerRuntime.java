package io.karakuri.hitoha.container;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the engine needs of futaba and the per-container monitor: the real one is {@link MonitoredRuntime};
 * tests of the API without root use a fake.
 */
interface ContainerRuntime {

    /** The monitor's answer once the process exited: the shell's exit code and when. */
    record Exit(int exitCode, String finishedAt) {
    }

    /** A created container: its first process (waiting for start) and its monitor. */
    record Created(int pid, int monitorPid) {
    }

    /**
     * Creates the container from bundle under a monitor that holds its stdio (stdin open when stdin) and
     * writes its log to logFile. The process has run its setup and waits for {@link #start}.
     */
    Created create(String id, Path bundle, boolean stdin, Path logFile);

    void start(String id);

    /** Whether futaba has the container (created, running or stopped but not deleted). */
    boolean exists(String id);

    /** Sends signal to the container's first process; false if it has none running. */
    boolean kill(String id, int signal);

    /** Removes futaba's container (its cgroup and state); its process must have exited, else it is killed. */
    void delete(String id);

    /** The exit the monitor recorded, if the process has ended. */
    Optional<Exit> exit(String id);

    /** Whether the container's monitor still runs. */
    boolean monitorAlive(String id);

    /** The monitor's attach socket. */
    Path attachSocket(String id);

    /** Forgets the monitor's files of a container that was removed. */
    void forget(String id);

    /**
     * Runs a process in the running container under a monitor of its own (user null: the container's);
     * returns its attach socket, where the exit frame ends the session.
     */
    Path exec(String id, List<String> args, List<String> env, ProcessUser user, String cwd, boolean tty, boolean stdin);
}
