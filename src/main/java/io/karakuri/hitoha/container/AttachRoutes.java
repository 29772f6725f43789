package io.karakuri.hitoha.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.hitoha.ApiException;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;

/**
 * Attaching to a container or to an exec: an HTTP/1.1 upgrade ({@code GET} with {@code Connection: Upgrade},
 * {@code Upgrade: tcp}; Vert.x upgrades only a GET, as for a WebSocket), after which hitoha splices the
 * client's connection to the monitor's attach socket, frames going through untouched (docs/containers.md).
 * A refusal before the upgrade is an ordinary {"message"} answer.
 */
@Singleton
public class AttachRoutes {
    private static final Logger LOG = Logger.getLogger(AttachRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    Containers containers;

    @Inject
    Vertx vertx;

    private NetClient client;

    void routes(@Observes Router router) {
        router.get("/v1/containers/:ref/attach").order(-100).handler(ctx -> upgrade(ctx,
                () -> containers.engine().attachSocket(ctx.pathParam("ref"))));
        router.get("/v1/exec/:id/attach").order(-100).handler(ctx -> upgrade(ctx,
                () -> containers.engine().execSocket(ctx.pathParam("id"))));
    }

    void start(@Observes StartupEvent event) {
        client = vertx.createNetClient();
    }

    private void upgrade(RoutingContext ctx, Callable<Path> socket) {
        HttpServerRequest request = ctx.request();
        if (!"upgrade".equalsIgnoreCase(request.getHeader("Connection"))
                && !String.valueOf(request.getHeader("Connection")).toLowerCase().contains("upgrade")) {
            refuse(ctx, 400, "attach is an HTTP upgrade (GET with Connection: Upgrade, Upgrade: tcp)");
            return;
        }
        vertx.<Path>executeBlocking(socket, false).onComplete(found -> {
            if (found.failed()) {
                Throwable e = found.cause();
                int status = e instanceof ApiException a ? a.status() : 500;
                if (status == 500) {
                    LOG.error("attach failed", e);
                }
                refuse(ctx, status, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                return;
            }
            client.connect(SocketAddress.domainSocketAddress(found.result().toString())).onComplete(monitor -> {
                if (monitor.failed()) {
                        refuse(ctx, 409, "the container's monitor does not answer: " + monitor.cause().getMessage());
                    return;
                }
                NetSocket back = monitor.result();
                request.toNetSocket().onComplete(upgraded -> {
                    if (upgraded.failed()) {
                        back.close();
                        return;
                    }
                    NetSocket front = upgraded.result();
                    front.pipeTo(back);
                    back.pipeTo(front);
                });
            });
        });
    }

    private static void refuse(RoutingContext ctx, int status, String message) {
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(JSON.writeValueAsBytes(Map.of("message", message))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            ctx.response().setStatusCode(500).end();
        }
    }
}
