package io.karakuri.hitoha.container;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.karakuri.image.store.TestImages;
import io.karakuri.linux.MountInfo;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * /v1/containers over the test profile's temporary store, with a fake runtime and network (the real ones
 * are driven by the integration tests): requests, answers, refusals and what the engine records. As root:
 * start mounts the container's overlay.
 */
@QuarkusTest
class ContainersResourceTest {
    private static final String TAR = "application/x-tar";

    @Inject
    FakeRuntime runtime;

    @Inject
    FakeNetwork network;

    @Inject
    FakeNames names;

    @Inject
    Containers containers;

    @BeforeEach
    void image() throws IOException {
        given().contentType(TAR).body(TestImages.tar("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/:/bin/sh\n"))
                .queryParam("name", "ctr-test").post("/v1/images/import").then().statusCode(201);
    }

    @AfterEach
    void nothingLeftBehind() {
        for (String id : given().queryParam("all", "true").queryParam("ns", "all").get("/v1/containers").then()
                .statusCode(200).extract().jsonPath().<String>getList("id")) {
            given().queryParam("force", "true").delete("/v1/containers/" + id).then().statusCode(204);
        }
        for (String ns : given().get("/v1/namespaces").then().statusCode(200).extract().jsonPath()
                .<String>getList("findAll { !it.reserved }.name")) {
            given().delete("/v1/namespaces/" + ns).then().statusCode(204);
        }
        given().queryParam("force", "true").delete("/v1/images/ctr-test");
        assertEquals(0, runtime.count());
        assertTrue(network.connected.isEmpty());
        assertTrue(network.forwards.isEmpty());
        assertEquals(0, MountInfo.mountsAt(containers.engine().directory("x").getParent().toString()));
    }

    private static String create(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/containers").then().statusCode(201)
                .body("id", matchesPattern("[0-9a-f]{12}")).extract().jsonPath().getString("id");
    }

    private static void refused(Map<String, Object> body, int status, String message) {
        given().contentType(ContentType.JSON).body(body).post("/v1/containers").then().statusCode(status)
                .body("message", containsString(message));
    }

    @Test
    void createListInspectSpecAndRemove() {
        String id = create(Map.of("image", "ctr-test", "name", "web", "cmd", List.of("sh", "-c", "echo hi"),
                "env", List.of("A=1"), "ports", List.of("18080:80:tcp", "127.0.0.1:18081:81/udp"), "user", "app"));
        given().get("/v1/containers").then().statusCode(200).body("", hasSize(0)); // not running: only with all
        given().queryParam("all", "true").get("/v1/containers").then().statusCode(200)
                .body("[0].id", equalTo(id)).body("[0].name", equalTo("web")).body("[0].image", equalTo("ctr-test"))
                .body("[0].status", equalTo("created")).body("[0].command", equalTo("sh -c echo hi"))
                .body("[0].ip", equalTo("10.157.2.2"))
                .body("[0].ports", equalTo(List.of("18080:80/tcp", "127.0.0.1:18081:81/udp")));
        given().get("/v1/containers/web").then().statusCode(200).body("id", equalTo(id))
                .body("restartPolicy", equalTo("no"));
        given().get("/v1/containers/" + id.substring(0, 5)).then().statusCode(200).body("name", equalTo("web"));
        given().get("/v1/containers/" + id + "/spec").then().statusCode(200)
                .body("hostname", equalTo(id)).body("process.args", equalTo(List.of("sh", "-c", "echo hi")))
                .body("process.user.uid", equalTo(1000)).body("process.env", hasItem("A=1"))
                .body("linux.cgroupsPath", equalTo("karakuri/" + id))
                .body("linux.resources.memory.limit", equalTo(1 << 30))
                .body("linux.seccomp.defaultAction", equalTo("SCMP_ACT_ALLOW"))
                .body("linux.seccomp.syscalls[0].names", hasItem("keyctl"));
        assertEquals(2, network.forwards.size());
        given().delete("/v1/containers/web").then().statusCode(204);
        given().get("/v1/containers/web").then().statusCode(404).body("message", containsString("no such container"));
        assertTrue(Files.notExists(containers.engine().directory(id)));
    }

    @Test
    void anImageInUseIsRemovedOnlyByForce() {
        String id = create(Map.of("image", "ctr-test", "cmd", List.of("x")));
        given().delete("/v1/images/ctr-test").then().statusCode(409).body("message", containsString(id));
        given().delete("/v1/containers/" + id).then().statusCode(204);
        given().delete("/v1/images/ctr-test").then().statusCode(200);
    }

    @Test
    void badInputIsRefusedAndLeavesNothing() {
        network.busy.add(18090);
        try {
            refused(Map.of(), 400, "give the image");
            refused(Map.of("image", "no-such-image"), 404, "no such image");
            refused(Map.of("image", "ctr-test"), 400, "no command to run");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "ports", List.of("80")), 400, "port");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "ports", List.of("18090:80")), 409, "in use");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "restart", "sometimes"), 400, "--restart");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "memory", "lots"), 400, "--memory");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "mounts", List.of("/no/such/dir:/data")), 400,
                    "does not exist");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "name", "bad name"), 400, "--name");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "ns", "elsewhere"), 404, "no such namespace");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "user", "nobody"), 400, "no user");
            create(Map.of("image", "ctr-test", "cmd", List.of("x"), "name", "one", "ports", List.of("18085:80")));
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "name", "one"), 409, "already in use");
            refused(Map.of("image", "ctr-test", "cmd", List.of("x"), "ports", List.of("18085:81")), 409,
                    "already published");
            given().queryParam("all", "true").get("/v1/containers").then().body("", hasSize(1));
        } finally {
            network.busy.clear();
        }
    }

    @Test
    void namespacesHaveTheirOwnNetworkAndNames() {
        given().get("/v1/namespaces").then().statusCode(200).body("name", equalTo(List.of("system", "system-mod",
                "default"))).body("bridge", equalTo(List.of("karakuri0", "karakuri1", "karakuri2")))
                .body("subnet", equalTo(List.of("10.157.0.0/24", "10.157.1.0/24", "10.157.2.0/24")));
        given().contentType(ContentType.JSON).body(Map.of("name", "blue")).post("/v1/namespaces").then().statusCode(201)
                .body("bridge", equalTo("karakuri3")).body("subnet", equalTo("10.157.3.0/24"))
                .body("gateway", equalTo("10.157.3.1")).body("containers", equalTo(0));
        given().contentType(ContentType.JSON).body(Map.of("name", "green")).post("/v1/namespaces").then()
                .statusCode(201).body("bridge", equalTo("karakuri4"));
        assertTrue(network.bridges.containsAll(List.of("karakuri3", "karakuri4")));
        assertEquals(Set.of("blue", "green"), names.served.keySet()); // the reserved ones wait for a container
        // refusals
        for (String bad : List.of("Blue", "-x", "a_b", "all", "x".repeat(64))) {
            given().contentType(ContentType.JSON).body(Map.of("name", bad)).post("/v1/namespaces").then()
                    .statusCode(400);
        }
        given().contentType(ContentType.JSON).body(Map.of()).post("/v1/namespaces").then().statusCode(400)
                .body("message", containsString("--name"));
        given().contentType(ContentType.JSON).body(Map.of("name", "blue")).post("/v1/namespaces").then()
                .statusCode(409).body("message", containsString("exists already"));
        given().delete("/v1/namespaces/default").then().statusCode(400).body("message", containsString("reserved"));
        given().delete("/v1/namespaces/nowhere").then().statusCode(404);
        given().queryParam("ns", "nowhere").get("/v1/containers").then().statusCode(404)
                .body("message", containsString("no such namespace"));

        // a container takes its namespace's addresses; its namespace cannot go while it is there
        String web = create(Map.of("image", "ctr-test", "cmd", List.of("sleep", "1000"), "ns", "blue", "name", "Web"));
        given().get("/v1/containers/" + web).then().body("ip", equalTo("10.157.3.2")).body("ns", equalTo("blue"));
        given().delete("/v1/namespaces/blue").then().statusCode(409).body("message", containsString("1 container"));
        given().queryParam("ns", "blue").queryParam("all", "true").get("/v1/containers").then().body("id",
                equalTo(List.of(web)));
        given().queryParam("all", "true").get("/v1/containers").then().body("", hasSize(0)); // default's only

        // names: while it runs, in its own namespace only
        assertTrue(names.zones.apply("blue").addresses().isEmpty());
        given().post("/v1/containers/" + web + "/start").then().statusCode(204);
        assertEquals("10.157.3.2", names.zones.apply("blue").addresses().get("web").getHostAddress());
        assertEquals("10.157.3.2", names.zones.apply("blue").addresses().get("web.blue.karakuri.container")
                .getHostAddress());
        assertEquals("10.157.3.2", names.zones.apply("blue").addresses().get(web).getHostAddress());
        assertTrue(names.zones.apply("green").addresses().isEmpty());
        assertTrue(names.zones.apply("default").addresses().isEmpty());
        given().queryParam("time", "1").post("/v1/containers/" + web + "/stop").then().statusCode(204);
        assertTrue(names.zones.apply("blue").addresses().isEmpty());

        // modules (system-mod) are found from every namespace by their full name
        String mod = create(Map.of("image", "ctr-test", "cmd", List.of("sleep", "1000"), "ns", "system-mod",
                "name", "dns"));
        given().post("/v1/containers/" + mod + "/start").then().statusCode(204);
        assertTrue(names.served.containsKey("system-mod"));
        assertEquals("10.157.1.2", names.zones.apply("green").addresses().get("dns.system-mod.karakuri.container")
                .getHostAddress());
        assertEquals(null, names.zones.apply("green").addresses().get("dns"));

        // removal frees the namespace, whose number is then taken again
        given().delete("/v1/containers/" + web).then().statusCode(204);
        given().delete("/v1/namespaces/blue").then().statusCode(204);
        assertTrue(!network.bridges.contains("karakuri3") && network.bridges.contains("karakuri4"));
        assertTrue(!names.served.containsKey("blue"));
        given().contentType(ContentType.JSON).body(Map.of("name", "red")).post("/v1/namespaces").then().statusCode(201)
                .body("bridge", equalTo("karakuri3"));
    }

    @Test
    void startStopAndStates() {
        String id = create(Map.of("image", "ctr-test", "cmd", List.of("sleep", "1000")));
        given().post("/v1/containers/" + id + "/start").then().statusCode(204);
        assertTrue(runtime.running(id));
        assertTrue(network.connected.contains(id));
        assertEquals(1, MountInfo.mountsAt(containers.engine().directory(id).resolve("rootfs").toString()));
        given().get("/v1/containers").then().body("status", equalTo(List.of("running")));
        given().post("/v1/containers/" + id + "/start").then().statusCode(409).body("message", containsString("already running"));
        given().delete("/v1/containers/" + id).then().statusCode(409).body("message", containsString("--force"));
        given().queryParam("time", "1").post("/v1/containers/" + id + "/stop").then().statusCode(204);
        given().get("/v1/containers/" + id).then().body("status", equalTo("exited")).body("exitCode", equalTo(143));
        assertTrue(network.connected.isEmpty());
        assertEquals(0, MountInfo.mountsAt(containers.engine().directory(id).resolve("rootfs").toString()));
        given().post("/v1/containers/" + id + "/kill").then().statusCode(409).body("message", containsString("not running"));
        given().post("/v1/containers/" + id + "/restart").then().statusCode(204);
        given().get("/v1/containers/" + id).then().body("status", equalTo("running"));
        given().queryParam("signal", "BOGUS").post("/v1/containers/" + id + "/kill").then().statusCode(400);
        given().queryParam("signal", "KILL").post("/v1/containers/" + id + "/kill").then().statusCode(204);
        containers.engine().poll();
        given().get("/v1/containers/" + id).then().body("status", equalTo("exited")).body("exitCode", equalTo(137));
    }

    @Test
    void failedStartLeavesTheContainerStopped() {
        String id = create(Map.of("image", "ctr-test", "cmd", List.of("nothing-here")));
        runtime.failStart = id;
        try {
            given().post("/v1/containers/" + id + "/start").then().statusCode(400)
                    .body("message", containsString("not found"));
        } finally {
            runtime.failStart = null;
        }
        given().get("/v1/containers/" + id).then().body("status", equalTo("exited"));
        assertEquals(0, runtime.count());
        assertTrue(network.connected.isEmpty());
        assertEquals(0, MountInfo.mountsAt(containers.engine().directory(id).resolve("rootfs").toString()));
    }

    @Test
    void restartPolicyAndAutoRemove() throws InterruptedException {
        String id = create(Map.of("image", "ctr-test", "cmd", List.of("x"), "restart", "on-failure:2"));
        given().post("/v1/containers/" + id + "/start").then().statusCode(204);
        for (int round = 1; round <= 2; round++) {
            runtime.finish(id, 1);
            containers.engine().poll();
            given().get("/v1/containers/" + id).then().body("status", equalTo("restarting"))
                    .body("restartCount", equalTo(round));
            waitFor(() -> runtime.running(id));
        }
        runtime.finish(id, 1);
        containers.engine().poll();
        given().get("/v1/containers/" + id).then().body("status", equalTo("exited")).body("exitCode", equalTo(1));

        String gone = create(Map.of("image", "ctr-test", "cmd", List.of("x"), "autoRemove", true));
        given().post("/v1/containers/" + gone + "/start").then().statusCode(204);
        runtime.finish(gone, 0);
        containers.engine().poll();
        given().get("/v1/containers/" + gone).then().statusCode(404);
        given().queryParam("all", "true").get("/v1/containers").then().body("id", not(hasItem(gone)));
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean());
    }
}
