package io.karakuri.hitoha.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.monitor.ContainerLog;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * /v1/containers: the container commands of the CLI over {@link ContainerEngine} (docs/containers.md).
 * Attaching (to a container or an exec) is an HTTP upgrade, served by {@link AttachRoutes}.
 */
@Path("/v1/containers")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ContainersResource {
    static final String NDJSON = "application/x-ndjson";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Containers containers;

    @POST
    public Response create(CreateRequest request) throws SQLException, IOException {
        ContainerRecord c = containers.engine().create(request);
        return Response.status(201).entity(new ContainerView.Created(c.id(), c.name(), List.of())).build();
    }

    @GET
    public List<ContainerView.Summary> list(@QueryParam("all") boolean all, @QueryParam("ns") String ns)
            throws SQLException {
        String namespace = ns == null || ns.isEmpty() ? NamespaceStore.DEFAULT : ns;
        if (!namespace.equals(NamespaceStore.ALL) && containers.engine().namespaces().stream()
                .noneMatch(n -> n.name().equals(namespace))) {
            throw NamespaceStore.unknown(namespace);
        }
        return containers.engine().list().stream()
                .filter(c -> all || c.state().equals("running") || c.state().equals("restarting"))
                .filter(c -> namespace.equals(NamespaceStore.ALL) || c.ns().equals(namespace))
                .map(ContainerView.Summary::of).toList();
    }

    @GET
    @Path("/{ref}")
    public ContainerView.Details inspect(@PathParam("ref") String ref) throws SQLException {
        return ContainerView.Details.of(containers.engine().get(ref));
    }

    @GET
    @Path("/{ref}/spec")
    public String spec(@PathParam("ref") String ref) throws SQLException, IOException {
        ContainerEngine engine = containers.engine();
        return engine.spec(engine.get(ref));
    }

    @POST
    @Path("/{ref}/start")
    public Response start(@PathParam("ref") String ref) throws SQLException, IOException {
        containers.engine().start(ref);
        return Response.noContent().build();
    }

    @POST
    @Path("/{ref}/stop")
    public Response stop(@PathParam("ref") String ref, @QueryParam("time") Integer time) throws SQLException, IOException {
        containers.engine().stop(ref, timeout(time));
        return Response.noContent().build();
    }

    @POST
    @Path("/{ref}/restart")
    public Response restart(@PathParam("ref") String ref, @QueryParam("time") Integer time)
            throws SQLException, IOException {
        containers.engine().restart(ref, timeout(time));
        return Response.noContent().build();
    }

    @POST
    @Path("/{ref}/kill")
    public Response kill(@PathParam("ref") String ref, @QueryParam("signal") String signal)
            throws SQLException, IOException {
        containers.engine().kill(ref, signal);
        return Response.noContent().build();
    }

    @DELETE
    @Path("/{ref}")
    public Response remove(@PathParam("ref") String ref, @QueryParam("force") boolean force)
            throws SQLException, IOException {
        containers.engine().remove(ref, force);
        return Response.noContent().build();
    }

    /**
     * The container's log as NDJSON records {"stream","time","log"}: the last tail (all if absent), and with
     * follow every new one until the container is no longer running (or the client goes).
     */
    @GET
    @Path("/{ref}/logs")
    @Produces(NDJSON)
    public Response logs(@PathParam("ref") String ref, @QueryParam("follow") boolean follow,
            @QueryParam("tail") Integer tail) throws SQLException {
        ContainerEngine engine = containers.engine();
        ContainerRecord c = engine.get(ref);
        if (tail != null && tail < 0) {
            throw new IllegalArgumentException("--tail " + tail + ": give a number of lines, 0 or more");
        }
        ContainerLog log = new ContainerLog(engine.logFile(c.id()));
        int lines = tail == null ? -1 : tail;
        StreamingOutput body = out -> {
            Consumer<ContainerLog.Entry> write = e -> {
                try {
                    out.write(JSON.writeValueAsBytes(Map.of("stream", e.stream(), "time", e.time(), "log", e.log())));
                    out.write('\n');
                    out.flush();
                } catch (IOException gone) {
                    throw new UncheckedIOException(gone);
                }
            };
            try {
                if (follow) {
                    log.follow(lines, write, () -> !engine.isActive(c.id()), 200);
                } else {
                    log.tail(lines).forEach(write);
                }
            } catch (UncheckedIOException clientGone) {
                // the client stopped reading: nothing more to send
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        return Response.ok(body).type(NDJSON).build();
    }

    /**
     * Starts a process in the running container, its output held until a client attaches to
     * /v1/exec/{id}/attach (an upgrade, see {@link AttachRoutes}).
     */
    @POST
    @Path("/{ref}/exec")
    public Response exec(@PathParam("ref") String ref, ContainerEngine.ExecRequest request) throws SQLException {
        return Response.status(201).entity(Map.of("id", containers.engine().exec(ref, request))).build();
    }

    private static Duration timeout(Integer seconds) {
        if (seconds != null && seconds < 0) {
            throw new IllegalArgumentException("--time " + seconds + ": give seconds, 0 or more");
        }
        return Duration.ofSeconds(seconds == null ? 10 : seconds);
    }
}
