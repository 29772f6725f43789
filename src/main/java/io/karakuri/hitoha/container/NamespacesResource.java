package io.karakuri.hitoha.container;

import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.List;

/** /v1/namespaces: `karakuri ns`, `createns` and `rmns` (docs/network.md). */
@Path("/v1/namespaces")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class NamespacesResource {

    @Inject
    Containers containers;

    /** A namespace as the API shows it. */
    public record NamespaceView(String name, String bridge, String subnet, String gateway, int containers,
            boolean reserved) {
        static NamespaceView of(NamespaceStore.Namespace n) {
            return new NamespaceView(n.name(), n.subnet().bridge(), n.subnet().cidr(), n.subnet().gateway(),
                    n.containers(), n.reserved());
        }
    }

    /** The body of a create. */
    public record CreateNamespace(String name) {
    }

    @GET
    public List<NamespaceView> list() throws SQLException {
        return containers.engine().namespaces().stream().map(NamespaceView::of).toList();
    }

    @POST
    public Response create(CreateNamespace request) throws SQLException {
        NamespaceStore.Namespace n = containers.engine().createNamespace(request == null ? null : request.name());
        return Response.status(201).entity(NamespaceView.of(n)).build();
    }

    @DELETE
    @Path("/{name}")
    public Response remove(@PathParam("name") String name) throws SQLException {
        containers.engine().removeNamespace(name);
        return Response.noContent().build();
    }
}
