package io.karakuri.hitoha;

import io.karakuri.futaba.FutabaException;
import io.karakuri.image.layer.LayerException;
import io.karakuri.image.store.ImageException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error leaves hitoha as {"message": "..."} with a fitting status: the CLI shows the message, never a
 * stack trace. Refusals (ApiException, bad input) keep their sentence; anything unexpected is logged in
 * full here and answered 500 with its one-line message.
 */
public class ApiErrors {
    private static final Logger LOG = Logger.getLogger(ApiErrors.class);

    @ServerExceptionMapper
    public Response refused(ApiException e) {
        return answer(e.status(), e.getMessage());
    }

    /** The image engine's refusals: unknown 404, in use or conflicting 409, ambiguous or invalid 400. */
    @ServerExceptionMapper
    public Response image(ImageException e) {
        int status = switch (e.kind()) {
            case NOT_FOUND -> 404;
            case CONFLICT, IN_USE -> 409;
            case AMBIGUOUS, INVALID -> 400;
        };
        return answer(status, e.getMessage());
    }

    /** The runtime refused the container (a command not found, a mount it cannot make): the message says why. */
    @ServerExceptionMapper
    public Response runtime(FutabaException e) {
        return answer(400, "cannot start the container: " + e.getMessage());
    }

    /** A layer that cannot be unpacked is bad input (the message names the layer and the entry). */
    @ServerExceptionMapper
    public Response layer(LayerException e) {
        return answer(400, e.getMessage());
    }

    /** I/O that failed in the daemon (a full disk, a client gone mid-stream): logged, answered 500. */
    @ServerExceptionMapper
    public Response io(IOException e) {
        LOG.error("request failed", e);
        return answer(500, "hitoha failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    @ServerExceptionMapper
    public Response database(SQLException e) {
        LOG.error("request failed", e);
        return answer(500, "hitoha failed: the state database: " + e.getMessage());
    }

    @ServerExceptionMapper
    public Response badInput(IllegalArgumentException e) {
        return answer(400, e.getMessage());
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        Response r = e.getResponse();
        String message = r.getStatus() == 404 ? "no such API path" : r.getStatusInfo().getReasonPhrase();
        return answer(r.getStatus(), e.getMessage() == null || e.getMessage().startsWith("HTTP ") ? message
                : e.getMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("request failed", e);
        return answer(500, "hitoha failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    private static Response answer(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Map.of("message", message)).build();
    }
}
