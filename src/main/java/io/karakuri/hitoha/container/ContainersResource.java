package io.karakuri.hitoha.container;

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
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * /v1/containers: the container commands of the CLI over {@link ContainerEngine} (docs/containers.md).
 * attach and exec are HTTP upgrades, served by {@link AttachRoutes}.
 */
@Path("/v1/containers")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ContainersResource {
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
        String namespace = ns == null || ns.isEmpty() ? ContainerEngine.DEFAULT_NS : ns;
        return containers.engine().list().stream()
                .filter(c -> all || c.state().equals("running") || c.state().equals("restarting"))
                .filter(c -> namespace.equals("all") || c.ns().equals(namespace))
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

    private static Duration timeout(Integer seconds) {
        if (seconds != null && seconds < 0) {
            throw new IllegalArgumentException("--time " + seconds + ": give seconds, 0 or more");
        }
        return Duration.ofSeconds(seconds == null ? 10 : seconds);
    }
}
