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
 * attach and exec: HTTP/1.1 upgrades ({@code Connection: Upgrade}, {@code Upgrade: tcp}) after which hitoha
 * splices the client's connection to the monitor's attach socket, frames going through untouched
 * (docs/containers.md). A refusal before the upgrade is an ordinary {"message"} answer.
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
        router.post("/v1/containers/:ref/attach").order(-100).handler(ctx -> upgrade(ctx,
                () -> containers.engine().attachSocket(ctx.pathParam("ref"))));
        router.post("/v1/containers/:ref/exec").order(-100).handler(ctx -> ctx.request().body().onComplete(body -> {
            if (body.failed()) {
                refuse(ctx, 400, "the exec request could not be read: " + body.cause().getMessage());
                return;
            }
            upgrade(ctx, () -> {
                ContainerEngine.ExecRequest request;
                try {
                    request = JSON.readValue(body.result().getBytes(), ContainerEngine.ExecRequest.class);
                } catch (java.io.IOException e) {
                    throw ApiException.badRequest("the exec request is not valid JSON: " + e.getMessage());
                }
                return containers.engine().exec(ctx.pathParam("ref"), request);
            });
        }));
    }

    void start(@Observes StartupEvent event) {
        client = vertx.createNetClient();
    }

    private void upgrade(RoutingContext ctx, Callable<Path> socket) {
        HttpServerRequest request = ctx.request();
        if (!"upgrade".equalsIgnoreCase(request.getHeader("Connection"))
                && !String.valueOf(request.getHeader("Connection")).toLowerCase().contains("upgrade")) {
            refuse(ctx, 400, "attach and exec need an HTTP upgrade (Connection: Upgrade, Upgrade: tcp)");
            return;
        }
        request.pause();
        vertx.<Path>executeBlocking(socket, false).onComplete(found -> {
            if (found.failed()) {
                request.resume();
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
                    request.resume();
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
