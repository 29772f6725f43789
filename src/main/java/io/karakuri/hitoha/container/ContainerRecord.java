package io.karakuri.hitoha.container;

import io.karakuri.net.PortMapping;
import java.util.List;

/**
 * A container as the state store keeps it.
 *
 * @param id 12 hex digits, also the hostname
 * @param image the image as the user named it
 * @param imageDigest the manifest digest of the image it was made from
 * @param chainIds the layers its root file system stacks, bottom first
 * @param command the process's arguments, as ls shows them
 * @param address its IPv4 address in its namespace's subnet
 * @param state the last state hitoha recorded: created, running, exited, restarting
 * @param stoppedByUser the last stop was asked for (stop, kill, rm): no restart by policy
 */
public record ContainerRecord(String id, String name, String ns, String image, String imageDigest,
        List<String> chainIds, CreateRequest request, List<String> command, String address, RestartPolicy restart,
        int restartCount, String state, Integer pid, Integer monitorPid, Integer exitCode, String created,
        String started, String finished, boolean stoppedByUser, List<PortMapping> ports) {

    public ContainerRecord {
        chainIds = List.copyOf(chainIds);
        command = List.copyOf(command);
        ports = List.copyOf(ports);
    }

    ContainerRecord withState(String newState, Integer newPid, Integer newMonitorPid, Integer newExitCode,
            String newStarted, String newFinished) {
        return new ContainerRecord(id, name, ns, image, imageDigest, chainIds, request, command, address, restart,
                restartCount, newState, newPid, newMonitorPid, newExitCode, created, newStarted, newFinished,
                stoppedByUser, ports);
    }

    ContainerRecord withRestarts(int restarts, boolean byUser) {
        return new ContainerRecord(id, name, ns, image, imageDigest, chainIds, request, command, address, restart,
                restarts, state, pid, monitorPid, exitCode, created, started, finished, byUser, ports);
    }
}
