package io.karakuri.hitoha;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
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
