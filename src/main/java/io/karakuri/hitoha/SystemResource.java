package io.karakuri.hitoha;

import io.karakuri.Version;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** /v1/system: what this daemon is. */
@Path("/v1/system")
@Produces(MediaType.APPLICATION_JSON)
public class SystemResource {
    @GET
    @Path("/info")
    public Map<String, Object> info() {
        return Map.of("version", Version.VERSION, "name", "hitoha");
    }
}
