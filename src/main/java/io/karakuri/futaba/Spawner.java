package io.karakuri.futaba;

import java.lang.foreign.MemorySegment;

/**
 * Who clones a container's first process: libfutaba in this JVM (the default), or karakuri-monitor, so
 * that the process is the monitor's child and outlives this JVM. Either way futaba then drives the same
 * protocol on the go-ahead and status pipes.
 */
@FunctionalInterface
public interface Spawner {
    /**
     * Clones the process of an encoded plan and returns its pid.
     *
     * @param planFds the fds the plan keeps (its CLOSE_FDS op): they must reach the process at their numbers
     * @param consoleFd the receiving end of the console pair, which the terminal's master arrives on, or -1
     */
    int spawn(MemorySegment plan, int[] planFds, int consoleFd);
}
