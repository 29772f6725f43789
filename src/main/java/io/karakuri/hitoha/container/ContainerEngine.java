package io.karakuri.hitoha.container;

import io.karakuri.hitoha.ApiException;
import io.karakuri.image.ImageService;
import io.karakuri.image.layer.Trees;
import io.karakuri.image.oci.ImageConfig;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageUsage;
import io.karakuri.json.Json;
import io.karakuri.image.Digest;
import io.karakuri.linux.Signals;
import io.karakuri.net.PortMapping;
import io.karakuri.net.PublishedPort;
import io.karakuri.net.Subnet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The container lifecycle: create, start, stop, kill, restart, remove, and what happens when a process
 * ends (its exit recorded, its resources released, its restart policy applied). One lock per container
 * orders the operations on it; the state store holds the truth that outlives hitoha.
 *
 * <p>A container's resources, made at start and released when its process has ended: the overlay root
 * file system, the network namespace with its veth, futaba's container with the monitor. What outlives a
 * stop: its directory (config.json, upper layer, log), its record, its address and its ports.
 */
public final class ContainerEngine {
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration EXIT_WAIT = Duration.ofSeconds(10);

    private final ImageService images;
    private final ContainerStore store;
    private final NamespaceStore namespaces;
    private final ContainerRuntime runtime;
    private final NetworkWiring network;
    private final NameService names;
    private final ContainerNames zones;
    private final Path containersDir;
    private final Path netnsDir;
    private final Consumer<String> log;
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, Instant> restartsDue = new ConcurrentHashMap<>();
    private final Map<String, Path> execs = new ConcurrentHashMap<>();
    private final Object networkLock = new Object();

    public ContainerEngine(ImageService images, ContainerStore store, NamespaceStore namespaces,
            ContainerRuntime runtime, NetworkWiring network, NameService names, Path root, Path netnsDir,
            Consumer<String> log) throws IOException, SQLException {
        this.images = images;
        this.store = store;
        this.namespaces = namespaces;
        this.runtime = runtime;
        this.network = network;
        this.names = names;
        this.zones = new ContainerNames();
        this.containersDir = root.resolve("containers");
        this.netnsDir = netnsDir;
        this.log = log;
        Files.createDirectories(containersDir);
        store.onChange(() -> {
            try {
                zones.update(store.addresses());
            } catch (SQLException e) {
                log.accept("container names: " + e.getMessage());
            }
        });
        zones.update(store.addresses());
        images.store().setUsage(new ImageUsage() {
            @Override
            public List<String> containersUsing(Image image) {
                try {
                    return store.usingImage(image.digest().toString());
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public boolean layerInUse(Digest chainId) {
                try {
                    return store.list().stream().anyMatch(c -> c.chainIds().contains(chainId.toString()));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
    }

    /** The network of namespace ns; a 404 when there is no such namespace. */
    private Subnet subnet(String ns) throws SQLException {
        return namespaces.find(ns).map(NamespaceStore.Namespace::subnet).orElseThrow(() -> NamespaceStore.unknown(ns));
    }

    // ---- create

    /** Checks request, records the container and writes its bundle; nothing runs yet. */
    public ContainerRecord create(CreateRequest request) throws SQLException, IOException {
        if (request == null || request.image() == null || request.image().isBlank()) {
            throw ApiException.badRequest("give the image to make the container from (--image)");
        }
        String ns = request.ns() == null || request.ns().isEmpty() ? NamespaceStore.DEFAULT : request.ns();
        subnet(ns); // before a pull: an unknown namespace is a mistake to say at once
        // with a registry the image is REGISTRY/IMAGE, as `karakuri pull --registry` names it
        String imageRef = request.registry() == null || request.registry().isBlank() ? request.image()
                : request.registry() + "/" + request.image();
        Image image = images.unpack(images.find(imageRef));
        ImageConfig.Config config = images.store().config(image).config();
        List<String> command;
        RestartPolicy restart;
        List<PortMapping> ports = new ArrayList<>();
        try {
            command = ContainerSpec.command(config, request.cmd());
            restart = RestartPolicy.parse(request.restart());
            Limits.of(request.memory(), request.cpus(), request.pids(), hostCpus());
            for (String m : request.mounts()) {
                ContainerSpec.BindMount b = ContainerSpec.BindMount.parse(m);
                if (!Files.exists(Path.of(b.source()))) {
                    throw new IllegalArgumentException("--mount " + m + ": " + b.source() + " does not exist on the host");
                }
            }
            for (String p : request.ports()) {
                ports.add(PortMapping.parse(p));
            }
            ContainerSpec.environment(config, probe(request));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (request.removedAtExit() && restart.kind() != RestartPolicy.Kind.NO) {
            throw ApiException.badRequest("--rm and --restart " + restart + " do not go together");
        }
        for (PortMapping p : ports) {
            try {
                network.checkFree(p);
            } catch (IllegalStateException e) {
                throw ApiException.conflict(e.getMessage());
            }
        }
        String id = newId();
        String name = request.name() == null || request.name().isEmpty() ? Names.generate(id) : request.name();
        if (!NAME.matcher(name).matches()) {
            throw ApiException.badRequest("--name \"" + name + "\": a name is letters, digits, _ . - and starts with "
                    + "a letter or digit");
        }
        String imageName = imageRef; // as ls shows it: what the user named, as docker ps does
        ContainerRecord record = new ContainerRecord(id, name, ns, imageName, image.digest().toString(),
                image.chainIds().stream().map(Digest::toString).toList(), request, command, null, restart, 0,
                "created", null, null, null, Instant.now().toString(), null, null, false, ports);
        try {
            record = store.add(record);
        } catch (ContainerStore.ConflictException e) {
            throw ApiException.conflict(e.getMessage());
        }
        try {
            writeBundle(record, image, config);
            applyNetwork(); // the bridge too: made with the first container, not before
        } catch (IOException | RuntimeException e) {
            store.remove(id);
            removeDirectory(id);
            throw e;
        }
        log.accept("created container " + id + " (" + name + ") from " + imageName);
        return record;
    }

    /** A record to check the environment of a request with, before the container has an id. */
    private static ContainerRecord probe(CreateRequest request) {
        return new ContainerRecord("0", "0", NamespaceStore.DEFAULT, "", "", List.of(), request, List.of("x"), null,
                RestartPolicy.NO, 0, "created", null, null, null, "", null, null, false, List.of());
    }

    private void writeBundle(ContainerRecord c, Image image, ImageConfig.Config config) throws IOException, SQLException {
        Path dir = directory(c.id());
        Files.createDirectories(dir);
        List<Path> layers = layerDirectories(c);
        ProcessUser user;
        List<ContainerSpec.BindMount> binds;
        Limits limits;
        try {
            String userSpec = c.request().user() != null ? c.request().user() : config == null ? null : config.user();
            user = ProcessUser.resolve(userSpec, LayeredFiles.read(layers, "/etc/passwd").orElse(null),
                    LayeredFiles.read(layers, "/etc/group").orElse(null));
            binds = c.request().mounts().stream().map(ContainerSpec.BindMount::parse).toList();
            limits = Limits.of(c.request().memory(), c.request().cpus(), c.request().pids(), hostCpus());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        Map<String, Object> spec = ContainerSpec.build(c, config, user, binds, limits, dir, netnsPath(c.id()));
        Files.writeString(dir.resolve("config.json"), Json.writePretty(spec) + "\n");
        Files.writeString(dir.resolve("hostname"), c.id() + "\n");
        Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + (c.address() == null ? "" : c.address() + "\t" + c.id() + " " + c.name() + "\n"));
    }

    private List<Path> layerDirectories(ContainerRecord c) {
        return c.chainIds().stream().map(d -> images.store().layerDirectory(Digest.parse(d))).toList();
    }

    private Path netnsPath(String id) {
        return netnsDir.resolve(id);
    }

    static int hostCpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    private String newId() throws SQLException {
        while (true) {
            String id = HexFormat.of().formatHex(randomBytes());
            if (!id.matches("\\d+") && store.find(id).isEmpty()) { // all digits could be taken for a number
                return id;
            }
        }
    }

    // ---- lookups

    public ContainerRecord get(String ref) throws SQLException {
        ContainerRecord c;
        try {
            c = store.resolve(ref).orElseThrow(() -> ApiException.notFound("no such container: " + ref));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (ended(c)) {
            recordExit(c);
            c = shown(store.find(c.id()).orElseThrow(() -> ApiException.notFound("no such container: " + ref)));
        }
        return c;
    }

    public List<ContainerRecord> list() throws SQLException {
        List<ContainerRecord> all = store.list();
        boolean changed = false;
        for (ContainerRecord c : all) {
            if (ended(c)) {
                recordExit(c);
                changed = true;
            }
        }
        return changed ? store.list().stream().map(this::shown).toList() : all;
    }

    /**
     * c, or when it is still recorded as running though its exit is written (the watch or a stop holds it and
     * is recording the exit now), c as it is about to be: exited with its code.
     */
    private ContainerRecord shown(ContainerRecord c) {
        Optional<ContainerRuntime.Exit> exit = c.state().equals("running") ? runtime.exit(c.id()) : Optional.empty();
        return exit.map(e -> c.withState("exited", null, null, e.exitCode(), c.started(), e.finishedAt())).orElse(c);
    }

    /** Whether c is recorded as running but its process has ended: its monitor wrote the exit, or is gone. */
    private boolean ended(ContainerRecord c) {
        return c.state().equals("running") && (runtime.exit(c.id()).isPresent() || !runtime.monitorAlive(c.id()));
    }

    /**
     * Records the exit of a container whose process has ended now rather than at the next watch, so that what
     * the API shows after `run` has returned is the exit (unless another request holds the container).
     */
    private void recordExit(ContainerRecord c) throws SQLException {
        try {
            lockedIfFree(c.id(), () -> {
                ContainerRecord now = store.find(c.id()).orElse(null);
                if (now != null && ended(now)) {
                    exitedLocked(now);
                }
                return null;
            });
        } catch (IOException e) {
            log.accept("container " + c.id() + ": " + e.getMessage());
        }
    }

    /** Whether the container runs, or will again (restarting): what logs --follow follows. */
    public boolean isActive(String id) {
        try {
            return store.find(id).map(c -> c.state().equals("running") || c.state().equals("restarting")
                    || (c.state().equals("created") && c.monitorPid() != null)).orElse(false);
        } catch (SQLException e) {
            return false;
        }
    }

    public Path directory(String id) {
        return containersDir.resolve(id);
    }

    public Path logFile(String id) {
        return directory(id).resolve("ctr.log");
    }

    /** The container's config.json as written. */
    public String spec(ContainerRecord c) throws IOException {
        return Files.readString(directory(c.id()).resolve("config.json"));
    }

    // ---- start

    /**
     * Gets a container ready to start: root file system, network, monitor and futaba's container, whose
     * process waits. Done by start, or before it by an attach (so that run misses no output).
     */
    public ContainerRecord prepare(String ref) throws SQLException, IOException {
        ContainerRecord c = get(ref);
        return locked(c.id(), () -> prepareLocked(present(c.id())));
    }

    private ContainerRecord prepareLocked(ContainerRecord c) throws SQLException, IOException {
        if (c.state().equals("running")) {
            throw ApiException.conflict("container " + c.id() + " is already running");
        }
        if (c.monitorPid() != null && runtime.exists(c.id()) && runtime.exit(c.id()).isEmpty()) {
            return c; // prepared already
        }
        release(c);
        Path dir = directory(c.id());
        try {
            RootFilesystem.mount(dir, layerDirectories(c));
            Subnet subnet = subnet(c.ns());
            // at each start: the host's search domains may have changed
            Files.writeString(dir.resolve("resolv.conf"), HostResolvers.resolvConf(subnet.gateway()));
            network.connect(c.id(), subnet, c.address());
            ContainerRuntime.Created created = runtime.create(c.id(), dir, c.request().keepsStdin()
                    || c.request().hasTerminal(), logFile(c.id()));
            ContainerRecord prepared = c.withState("created", created.pid(), created.monitorPid(), c.exitCode(),
                    c.started(), c.finished());
            store.update(prepared);
            return prepared;
        } catch (IOException | RuntimeException e) {
            release(c);
            throw e;
        }
    }

    public ContainerRecord start(String ref) throws SQLException, IOException {
        ContainerRecord c = get(ref);
        restartsDue.remove(c.id());
        return locked(c.id(), () -> startLocked(present(c.id()), false));
    }

    private ContainerRecord startLocked(ContainerRecord c, boolean byPolicy) throws SQLException, IOException {
        ContainerRecord prepared = prepareLocked(c);
        try {
            runtime.start(c.id());
        } catch (RuntimeException e) {
            release(prepared);
            store.update(prepared.withState("exited", null, null, prepared.exitCode(), prepared.started(),
                    prepared.finished()));
            throw e;
        }
        ContainerRecord running = prepared.withState("running", prepared.pid(), prepared.monitorPid(), null,
                Instant.now().toString(), null).withRestarts(byPolicy ? c.restartCount() : 0, false);
        store.update(running);
        log.accept("started container " + c.id());
        return running;
    }

    // ---- stop, kill, restart, remove

    /** SIGTERM (or the image's stop signal), then after timeout SIGKILL; waits for the exit. */
    public ContainerRecord stop(String ref, Duration timeout) throws SQLException, IOException {
        ContainerRecord c = get(ref);
        restartsDue.remove(c.id());
        return locked(c.id(), () -> stopLocked(present(c.id()), timeout));
    }

    private ContainerRecord stopLocked(ContainerRecord c, Duration timeout) throws SQLException, IOException {
        return stopLocked(c, timeout, true);
    }

    /** removeAtExit false: a restart's stop, after which the container is started again, --rm or not. */
    private ContainerRecord stopLocked(ContainerRecord c, Duration timeout, boolean removeAtExit)
            throws SQLException, IOException {
        ContainerRecord byUser = c.withRestarts(c.restartCount(), true);
        store.update(byUser);
        if (c.monitorPid() == null) {
            ContainerRecord stopped = c.state().equals("restarting") ? byUser.withState("exited", null, null,
                    c.exitCode(), c.started(), c.finished()) : byUser;
            store.update(stopped);
            return stopped;
        }
        if (runtime.exit(c.id()).isEmpty() && runtime.exists(c.id())) {
            runtime.kill(c.id(), Signals.parse("TERM"));
            if (!awaitExit(c.id(), timeout)) {
                runtime.kill(c.id(), Signals.SIGKILL);
                awaitExit(c.id(), EXIT_WAIT);
            }
        }
        return exitedLocked(byUser, removeAtExit);
    }

    /** The container as stored now (under its lock): removed meanwhile, by --rm or another request, it is a 404. */
    private ContainerRecord present(String id) throws SQLException {
        return store.find(id).orElseThrow(() -> ApiException.notFound("no such container: " + id));
    }

    private boolean awaitExit(String id, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (runtime.exit(id).isEmpty() && runtime.monitorAlive(id)) {
            if (System.nanoTime() > end) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    public void kill(String ref, String signal) throws SQLException, IOException {
        ContainerRecord c = get(ref);
        int number;
        try {
            number = Signals.parse(signal == null || signal.isEmpty() ? "KILL" : signal);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        locked(c.id(), () -> {
            ContainerRecord now = present(c.id());
            if (!now.state().equals("running") || !runtime.kill(c.id(), number)) {
                throw ApiException.conflict("container " + c.id() + " is not running");
            }
            store.update(now.withRestarts(now.restartCount(), true));
            return null;
        });
    }

    public ContainerRecord restart(String ref, Duration timeout) throws SQLException, IOException {
        ContainerRecord c = get(ref);
        restartsDue.remove(c.id());
        return locked(c.id(), () -> {
            ContainerRecord stopped = stopLocked(present(c.id()), timeout, false);
            return startLocked(stopped, false);
        });
    }

    public void remove(String ref, boolean force) throws SQLException, IOException {
        ContainerRecord c = get(ref);
        restartsDue.remove(c.id());
        locked(c.id(), () -> {
            ContainerRecord now = present(c.id());
            if (now.state().equals("running") && runtime.exit(c.id()).isEmpty()) {
                if (!force) {
                    throw ApiException.conflict("container " + c.id() + " is running: stop it first, or rm --force");
                }
                stopLocked(now, Duration.ZERO);
                if (store.find(c.id()).isEmpty()) {
                    return null; // --rm: removed at its exit
                }
            }
            removeLocked(present(c.id()));
            return null;
        });
        locks.remove(c.id());
    }

    private void removeLocked(ContainerRecord c) throws SQLException, IOException {
        release(c);
        store.remove(c.id());
        runtime.forget(c.id());
        removeDirectory(c.id());
        if (!c.ports().isEmpty() || namespaces.find(c.ns()).filter(n -> n.reserved() && n.containers() == 0).isPresent()) {
            applyNetwork(); // its ports go; with the last container of a reserved namespace, its bridge
        }
        log.accept("removed container " + c.id());
    }

    private void removeDirectory(String id) throws IOException {
        Path dir = directory(id);
        RootFilesystem.unmount(dir);
        Trees.removeAll(dir);
    }

    // ---- exits

    /**
     * Records the exit of a container whose process has ended, releases what its run held, and then
     * applies --rm or its restart policy.
     */
    private ContainerRecord exitedLocked(ContainerRecord c) throws SQLException, IOException {
        return exitedLocked(c, true);
    }

    private ContainerRecord exitedLocked(ContainerRecord c, boolean removeAtExit) throws SQLException, IOException {
        Optional<ContainerRuntime.Exit> exit = runtime.exit(c.id());
        Integer code = exit.map(ContainerRuntime.Exit::exitCode).orElse(c.state().equals("running") ? 255 : c.exitCode());
        String finished = exit.map(ContainerRuntime.Exit::finishedAt).orElse(Instant.now().toString());
        release(c);
        ContainerRecord exited = c.withState("exited", null, null, code, c.started(), finished);
        store.update(exited);
        log.accept("container " + c.id() + " exited with " + code);
        if (c.request().removedAtExit() && removeAtExit) {
            removeLocked(exited);
            return exited;
        }
        if (!c.stoppedByUser() && code != null && c.restart().restartsAfter(code, c.restartCount())) {
            boolean stable = c.started() != null
                    && Duration.between(Instant.parse(c.started()), Instant.parse(finished)).compareTo(RestartPolicy.STABLE_RUN) >= 0;
            int restarts = stable ? 0 : c.restartCount();
            ContainerRecord restarting = exited.withState("restarting", null, null, code, c.started(), finished)
                    .withRestarts(restarts + 1, false);
            store.update(restarting);
            restartsDue.put(c.id(), Instant.now().plus(RestartPolicy.delay(restarts)));
            return restarting;
        }
        return exited;
    }

    /** Releases what a run held: futaba's container and monitor, the network namespace, the overlay mount. */
    private void release(ContainerRecord c) {
        try {
            if (runtime.exists(c.id())) {
                runtime.delete(c.id());
            }
        } catch (RuntimeException e) {
            log.accept("container " + c.id() + ": " + e.getMessage());
        }
        try {
            network.disconnect(c.id());
        } catch (RuntimeException e) {
            log.accept("container " + c.id() + ": " + e.getMessage());
        }
        RootFilesystem.unmount(directory(c.id()));
    }

    /**
     * What the scheduler runs: records the exits of containers whose process ended, and starts the restarts
     * that are due.
     */
    public void poll() {
        try {
            for (ContainerRecord c : store.list()) {
                if (ended(c)) {
                    recordExit(c);
                }
            }
            for (Map.Entry<String, Instant> due : List.copyOf(restartsDue.entrySet())) {
                if (due.getValue().isBefore(Instant.now()) && restartsDue.remove(due.getKey(), due.getValue())) {
                    restartByPolicy(due.getKey());
                }
            }
        } catch (SQLException | IOException | RuntimeException e) {
            log.accept("container watch: " + e.getMessage());
        }
    }

    private void restartByPolicy(String id) throws SQLException, IOException {
        locked(id, () -> {
            ContainerRecord c = store.find(id).orElse(null);
            if (c != null && c.state().equals("restarting")) {
                try {
                    startLocked(c, true);
                } catch (RuntimeException e) {
                    log.accept("container " + id + ": restart failed: " + e.getMessage());
                    store.update(c.withState("exited", null, null, c.exitCode(), c.started(), c.finished()));
                }
            }
            return null;
        });
    }

    /**
     * At hitoha's start: the network rules again, the state of every container from its monitor (those that
     * ran on while hitoha was away keep running; those that ended get their exit), and the containers whose
     * policy starts them with the daemon.
     */
    public void recover() throws SQLException, IOException {
        if (!store.list().isEmpty() || namespaces.list().stream().anyMatch(n -> !n.reserved())) {
            try {
                applyNetwork();
            } catch (RuntimeException e) { // the API still serves; starts will say what is wrong
                log.accept("cannot set up the containers' network: " + e.getMessage());
            }
        }
        for (ContainerRecord c : store.list()) {
            locked(c.id(), () -> {
                ContainerRecord now = present(c.id());
                boolean alive = now.monitorPid() != null && runtime.monitorAlive(now.id());
                if (now.state().equals("running") && !alive) {
                    now = exitedLocked(now);
                } else if (now.state().equals("created") && now.monitorPid() != null && !alive) {
                    release(now);
                    now = now.withState("created", null, null, null, null, null);
                    store.update(now);
                } else if (now.state().equals("restarting")) {
                    restartsDue.put(now.id(), Instant.now());
                }
                if (!now.stoppedByUser() && now.restart().startsWithDaemon()
                        && (now.state().equals("exited") || now.state().equals("created"))
                        && now.started() != null) {
                    startLocked(now, true);
                }
                return null;
            });
        }
    }

    // ---- network

    /**
     * The rules from the records as they are now. Reading and applying are one step: two creates applying
     * at once could otherwise apply the older reading last and lose the other's ports.
     */
    private void applyNetwork() throws SQLException {
        synchronized (networkLock) {
            List<PublishedPort> ports = new ArrayList<>();
            for (ContainerRecord c : store.list()) {
                for (PortMapping p : c.ports()) {
                    ports.add(new PublishedPort(p, c.address()));
                }
            }
            // a reserved namespace has its bridge while it has containers, one made by createns all along;
            // when none is left, neither is karakuri's table
            Map<String, Subnet> active = new LinkedHashMap<>();
            List<Subnet> unused = new ArrayList<>();
            for (NamespaceStore.Namespace n : namespaces.list()) {
                if (!n.reserved() || n.containers() > 0) {
                    active.put(n.name(), n.subnet());
                } else {
                    unused.add(n.subnet());
                }
            }
            network.apply(List.copyOf(active.values()), ports);
            names.serve(active, zones::zone);
            unused.forEach(network::removeBridge);
        }
    }

    // ---- namespaces

    public List<NamespaceStore.Namespace> namespaces() throws SQLException {
        return namespaces.list();
    }

    /** Makes namespace name: its record, then its bridge, rules and name server. */
    public NamespaceStore.Namespace createNamespace(String name) throws SQLException {
        NamespaceStore.Namespace ns = namespaces.create(name);
        try {
            applyNetwork();
        } catch (RuntimeException e) {
            namespaces.remove(name);
            applyNetwork();
            throw e;
        }
        log.accept("created namespace " + name + " (" + ns.subnet().bridge() + ", " + ns.subnet().cidr() + ")");
        return ns;
    }

    /** Removes namespace name (refused while it has containers): its record, then its rules and bridge. */
    public void removeNamespace(String name) throws SQLException {
        NamespaceStore.Namespace ns = namespaces.remove(name);
        synchronized (networkLock) {
            applyNetwork();
            network.removeBridge(ns.subnet());
        }
        log.accept("removed namespace " + name);
    }

    // ---- exec, attach

    /** The attach socket of a container, prepared (for run) if it is created but not running. */
    public Path attachSocket(String ref) throws SQLException, IOException {
        ContainerRecord c = get(ref);
        if (!c.state().equals("running")) {
            c = prepare(c.id());
        }
        return runtime.attachSocket(c.id());
    }

    /** Starts request's process in the running container: the id to attach to it with (once). */
    public String exec(String ref, ExecRequest request) throws SQLException {
        ContainerRecord c = get(ref);
        if (request == null || request.cmd() == null || request.cmd().isEmpty()) {
            throw ApiException.badRequest("give the command to run (--cmd)");
        }
        if (!c.state().equals("running") || runtime.exit(c.id()).isPresent()) {
            throw ApiException.conflict("container " + c.id() + " is not running");
        }
        ProcessUser user = null;
        if (request.user() != null && !request.user().isEmpty()) {
            Path etc = directory(c.id()).resolve("rootfs/etc");
            try {
                user = ProcessUser.resolve(request.user(), readIfThere(etc.resolve("passwd")),
                        readIfThere(etc.resolve("group")));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
        }
        if (request.workdir() != null && !request.workdir().startsWith("/")) {
            throw ApiException.badRequest("--workdir " + request.workdir() + ": give an absolute path");
        }
        try {
            Path socket = runtime.exec(c.id(), request.cmd(), request.env() == null ? List.of() : request.env(),
                    user, request.workdir(), Boolean.TRUE.equals(request.tty()), Boolean.TRUE.equals(request.stdin()));
            String id = HexFormat.of().formatHex(randomBytes());
            execs.put(id, socket);
            return id;
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** The attach socket of an exec started by {@link #exec}: given out once. */
    public Path execSocket(String id) {
        Path socket = execs.remove(id);
        if (socket == null) {
            throw ApiException.notFound("no such exec: " + id);
        }
        return socket;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String readIfThere(Path file) {
        try {
            return Files.size(file) <= 1 << 20 ? Files.readString(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The body of an exec request. */
    public record ExecRequest(List<String> cmd, Boolean tty, Boolean stdin, List<String> env, String user,
            String workdir) {
    }

    // ---- locking

    private interface Locked<T> {
        T run() throws SQLException, IOException;
    }

    /** Runs work unless another thread holds the container (a stop waiting for the exit): the next poll will. */
    private void lockedIfFree(String id, Locked<?> work) throws SQLException, IOException {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        if (lock.tryLock()) {
            try {
                work.run();
            } finally {
                lock.unlock();
            }
        }
    }

    private <T> T locked(String id, Locked<T> work) throws SQLException, IOException {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        lock.lock();
        try {
            return work.run();
        } finally {
            lock.unlock();
        }
    }
}
