package io.karakuri.hitoha.container;

import io.karakuri.net.PortMapping;
import java.util.List;

/** How the API shows containers: a line of ls, and inspect's whole picture. */
public final class ContainerView {
    private ContainerView() {
    }

    public record Summary(String id, String name, String image, String status, List<String> ports, String command,
            String ns, String created, String ip, Integer exitCode) {
        static Summary of(ContainerRecord c) {
            return new Summary(c.id(), c.name(), c.image(), c.state(),
                    c.ports().stream().map(PortMapping::toString).toList(), String.join(" ", c.command()), c.ns(),
                    c.created(), c.address(), c.exitCode());
        }
    }

    public record Details(String id, String name, String image, String imageDigest, String status, String ns,
            String ip, List<String> ports, List<String> command, String created, String started, String finished,
            Integer exitCode, Integer pid, String restartPolicy, int restartCount, CreateRequest config) {
        static Details of(ContainerRecord c) {
            return new Details(c.id(), c.name(), c.image(), c.imageDigest(), c.state(), c.ns(), c.address(),
                    c.ports().stream().map(PortMapping::toString).toList(), c.command(), c.created(), c.started(),
                    c.finished(), c.exitCode(), c.state().equals("running") ? c.pid() : null, c.restart().toString(),
                    c.restartCount(), c.request());
        }
    }

    public record Created(String id, String name, List<String> warnings) {
    }
}
