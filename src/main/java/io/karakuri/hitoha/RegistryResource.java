package io.karakuri.hitoha;

import io.karakuri.image.Digest;
import io.karakuri.image.Reference;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.registry.RegistryConnection;
import io.karakuri.image.registry.RegistryException;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * /v1/registry: the registry controller (karakuri regctl) and login/logout. Repositories, tags and deletion
 * go to the registry named by the {@code registry} query parameter, else to the connected one. Listings are
 * sorted.
 *
 * <p>Errors: a registry's refusal keeps its sentence ("registry 127.0.0.1:5000: ...") with 404 for what does
 * not exist, 401/403 for what it refuses, 502 for a registry that fails or cannot be reached.
 */
@Path("/v1/registry")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class RegistryResource {
    static final String NOT_CONNECTED = "not connected to a registry: karakuri regctl connect --registry HOST:PORT";
    private static final Logger LOG = Logger.getLogger(RegistryResource.class);

    @Inject
    Registries registries;

    @Inject
    RegistryClient client;

    /** The connection: the registry (null if never connected) and connected or disconnected. */
    public record Connection(String registry, String status) {
        static Connection of(RegistryConnection.State s) {
            return new Connection(s.registry(), s.connected() ? "connected" : "disconnected");
        }
    }

    public record ConnectRequest(String registry) {
    }

    public record Repositories(String registry, List<String> repositories) {
    }

    public record Tags(String registry, String repository, List<String> tags) {
    }

    public record Deleted(String registry, String image, String digest) {
    }

    public record LoginRequest(String registry, String username, String password) {
    }

    public record LoginResult(String registry, String username) {
    }

    public record LogoutRequest(String registry) {
    }

    public record LogoutResult(String registry, boolean removed) {
    }

    @GET
    @Path("/connection")
    public Connection connection() throws SQLException {
        return Connection.of(registries.connection().get());
    }

    /** Connects to a registry once its /v2/ answers as one; replaces any connection before. */
    @PUT
    @Path("/connection")
    @Consumes(MediaType.APPLICATION_JSON)
    public Connection connect(ConnectRequest request) throws SQLException {
        String registry = registryName(request == null ? null : request.registry());
        client.ping(registry);
        LOG.infof("connected to registry %s", registry);
        return Connection.of(registries.connection().connect(registry));
    }

    @DELETE
    @Path("/connection")
    public Connection disconnect() throws SQLException {
        return Connection.of(registries.connection().disconnect());
    }

    @GET
    @Path("/repositories")
    public Repositories repositories(@QueryParam("registry") String registry) throws SQLException {
        String target = target(registry);
        return new Repositories(target, sorted(client.catalog(target)));
    }

    @GET
    @Path("/tags")
    public Tags tags(@QueryParam("registry") String registry, @QueryParam("repository") String repository)
            throws SQLException {
        if (repository == null || repository.isBlank()) {
            throw ApiException.badRequest("name the repository: ?repository=NAME");
        }
        if (repository.indexOf('@') >= 0 || repository.substring(repository.lastIndexOf('/') + 1).indexOf(':') >= 0) {
            throw ApiException.badRequest("invalid repository \"" + repository + "\": a name without tag or digest expected");
        }
        String target = target(registry);
        Reference repo = reference(target, repository);
        return new Tags(target, repo.repository(), sorted(client.tags(repo)));
    }

    /** Deletes the manifest a tag (or digest) names; registries delete by digest, so a tag is resolved first. */
    @DELETE
    @Path("/images/{ref: .+}")
    public Deleted delete(@PathParam("ref") String image, @QueryParam("registry") String registry) throws SQLException {
        String target = target(registry);
        Reference ref = reference(target, image);
        String tail = image.substring(image.lastIndexOf('/') + 1);
        if (ref.digest() == null && tail.indexOf(':') < 0) {
            throw ApiException.badRequest("name the tag to delete: " + image + ":TAG");
        }
        Digest digest = client.deleteManifest(ref);
        String name = ref.repository() + (ref.digest() != null ? "@" + ref.digest() : ":" + ref.tag());
        LOG.infof("deleted %s from registry %s (%s)", name, target, digest);
        return new Deleted(target, name, digest.toString());
    }

    /** Checks the user name and password with the registry, then stores them (auth.json in the config dir). */
    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    public LoginResult login(LoginRequest request) throws IOException {
        if (request == null) {
            throw ApiException.badRequest("give registry, username and password");
        }
        String registry = registryName(request.registry());
        if (request.username() == null || request.username().isEmpty()) {
            throw ApiException.badRequest("give a user name");
        }
        if (request.password() == null || request.password().isEmpty()) {
            throw ApiException.badRequest("give a password");
        }
        client.login(registry, request.username(), request.password());
        LOG.infof("logged in to registry %s as %s", registry, request.username());
        return new LoginResult(registry, request.username());
    }

    @POST
    @Path("/logout")
    @Consumes(MediaType.APPLICATION_JSON)
    public LogoutResult logout(LogoutRequest request) throws IOException {
        String registry = registryName(request == null ? null : request.registry());
        return new LogoutResult(registry, client.logout(registry));
    }

    // ----------------------------------------------------------------------------------------------------------

    /** Registries list tags in no particular order (distribution: as its storage lists them). */
    private static List<String> sorted(List<String> names) {
        return names.stream().sorted().toList();
    }

    /** The registry asked for, else the connected one, else 409. */
    private String target(String registry) throws SQLException {
        if (registry != null && !registry.isEmpty()) {
            return registryName(registry);
        }
        String connected = registries.connection().get().target();
        if (connected == null) {
            throw ApiException.conflict(NOT_CONNECTED);
        }
        return connected;
    }

    /** A reference in registry; the name may repeat the registry in front ("host:5000/alpine:3.20"). */
    private static Reference reference(String registry, String name) {
        String relative = name.startsWith(registry + "/") ? name.substring(registry.length() + 1) : name;
        Reference ref;
        try {
            ref = Reference.parse(registry + "/" + relative);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage().replace(registry + "/" + relative, name));
        }
        if (!ref.domain().equals(registry)) {
            throw ApiException.badRequest("invalid reference \"" + name + "\"");
        }
        return ref;
    }

    /** A registry as HOST[:PORT]: no scheme, no path. */
    static String registryName(String registry) {
        if (registry == null || registry.isBlank()) {
            throw ApiException.badRequest("name the registry: HOST:PORT");
        }
        if (registry.contains("://") || registry.contains("/")) {
            throw ApiException.badRequest("invalid registry \"" + registry + "\": HOST:PORT expected, without scheme or path");
        }
        try {
            if (Reference.parse(registry + "/x").domain().equals(registry)) {
                return registry;
            }
        } catch (IllegalArgumentException e) {
            // below
        }
        throw ApiException.badRequest("invalid registry \"" + registry + "\": HOST:PORT expected");
    }

    /** A registry's refusal or failure: its sentence, with a status for what kind. */
    @ServerExceptionMapper
    public Response registryFailed(RegistryException e) {
        int status = e.notFound() ? 404 : e.status() == 401 || e.status() == 403 ? e.status() : 502;
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("message", e.getMessage())).build();
    }

    @ServerExceptionMapper
    public Response databaseFailed(SQLException e) {
        LOG.error("the state database failed", e);
        return Response.status(500).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("message", "hitoha failed: the state database: " + e.getMessage())).build();
    }

    @ServerExceptionMapper
    public Response ioFailed(IOException e) {
        LOG.error("request failed", e);
        return Response.status(500).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("message", "hitoha failed: " + e.getMessage())).build();
    }
}
