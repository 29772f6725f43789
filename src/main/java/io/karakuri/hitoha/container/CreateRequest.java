package io.karakuri.hitoha.container;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The body of {@code POST /v1/containers}: what {@code karakuri create} was given (docs/containers.md).
 * Every field but image may be null. Kept with the container as it was checked, so that a restart after
 * a reboot builds the same container.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CreateRequest(String image, String name, List<String> cmd, List<String> env, List<String> ports,
        List<String> mounts, String ns, String registry, String restart, String memory, String cpus, String pids,
        String workdir, String user, Boolean tty, Boolean stdin, Boolean autoRemove) {

    public CreateRequest {
        cmd = cmd == null ? null : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        ports = ports == null ? List.of() : List.copyOf(ports);
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
    }

    boolean hasTerminal() {
        return Boolean.TRUE.equals(tty);
    }

    boolean keepsStdin() {
        return Boolean.TRUE.equals(stdin);
    }

    boolean removedAtExit() {
        return Boolean.TRUE.equals(autoRemove);
    }
}
