package io.karakuri.hitoha.container;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.net.PortMapping;
import io.karakuri.net.Subnet;
import io.karakuri.state.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The container records in hitoha's database: one row per container, its published ports in their own
 * table (a host port taken twice is refused by the primary key). A container, its name, its address and its
 * ports are written in one transaction, so a crash never leaves half a container or a leaked address.
 */
public final class ContainerStore {
    public static final String COMPONENT = "containers";
    static final List<Database.Migration> MIGRATIONS = List.of(Database.Migration.sql(1, "containers and ports", """
            CREATE TABLE containers (
                id              TEXT    PRIMARY KEY,
                name            TEXT    NOT NULL UNIQUE,
                ns              TEXT    NOT NULL,
                image           TEXT    NOT NULL,
                image_digest    TEXT    NOT NULL,
                chain_ids       TEXT    NOT NULL,
                request         TEXT    NOT NULL,
                command         TEXT    NOT NULL,
                address         TEXT,
                restart_policy  TEXT    NOT NULL,
                restart_count   INTEGER NOT NULL DEFAULT 0,
                state           TEXT    NOT NULL,
                pid             INTEGER,
                monitor_pid     INTEGER,
                exit_code       INTEGER,
                created         TEXT    NOT NULL,
                started         TEXT,
                finished        TEXT,
                stopped_by_user INTEGER NOT NULL DEFAULT 0,
                UNIQUE (ns, address))""",
            """
            CREATE TABLE container_ports (
                container_id   TEXT    NOT NULL REFERENCES containers (id) ON DELETE CASCADE,
                host_ip        TEXT    NOT NULL,
                host_port      INTEGER NOT NULL,
                protocol       TEXT    NOT NULL,
                container_port INTEGER NOT NULL,
                PRIMARY KEY (host_port, protocol))""",
            "CREATE INDEX container_ports_by_container ON container_ports (container_id)",
            "CREATE INDEX containers_by_image ON containers (image_digest)"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COLUMNS = "id, name, ns, image, image_digest, chain_ids, request, command, address, "
            + "restart_policy, restart_count, state, pid, monitor_pid, exit_code, created, started, finished, "
            + "stopped_by_user";

    private final Database db;
    private volatile Runnable onChange = () -> { };

    public ContainerStore(Database db) throws SQLException {
        this.db = db;
        db.migrate(COMPONENT, MIGRATIONS);
    }

    /** What to run after each change of a record (the container names follow the states this way). */
    public void onChange(Runnable listener) {
        this.onChange = listener;
    }

    /** A running container's name and address in its namespace: what the name servers answer. */
    public record Address(String id, String name, String ns, String address) {
    }

    /** The running containers' names and addresses. */
    public List<Address> addresses() throws SQLException {
        return db.transaction(c -> {
            List<Address> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT id, name, ns, address FROM containers WHERE state = 'running' AND address IS NOT NULL");
                    ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new Address(r.getString(1), r.getString(2), r.getString(3), r.getString(4)));
                }
            }
            return out;
        });
    }

    public Database database() {
        return db;
    }

    /** Thrown when a name, address or port is taken. */
    public static final class ConflictException extends RuntimeException {
        ConflictException(String message) {
            super(message);
        }
    }

    /**
     * Adds record, giving it the lowest free address of its namespace's network: one transaction with its
     * name and ports, and with the check that the namespace exists (an ApiException 404 if not). Returns the
     * record as stored.
     */
    public ContainerRecord add(ContainerRecord record) throws SQLException {
        ContainerRecord added = db.transaction(c -> {
            Subnet subnet = NamespaceStore.subnet(c, record.ns());
            if (findByName(c, record.name()).isPresent()) {
                throw new ConflictException("the name \"" + record.name() + "\" is already in use by container "
                        + findByName(c, record.name()).get().id());
            }
            for (PortMapping p : record.ports()) {
                String owner = portOwner(c, p);
                if (owner != null) {
                    throw new ConflictException("port " + p.hostPort() + "/" + p.protocol()
                            + " is already published by container " + owner);
                }
            }
            String address = freeAddress(c, record.ns(), subnet);
            ContainerRecord stored = new ContainerRecord(record.id(), record.name(), record.ns(), record.image(),
                    record.imageDigest(), record.chainIds(), record.request(), record.command(), address,
                    record.restart(), 0, record.state(), null, null, null, record.created(), null, null, false,
                    record.ports());
            try (PreparedStatement s = c.prepareStatement("INSERT INTO containers (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                s.setString(1, stored.id());
                s.setString(2, stored.name());
                s.setString(3, stored.ns());
                s.setString(4, stored.image());
                s.setString(5, stored.imageDigest());
                s.setString(6, json(stored.chainIds()));
                s.setString(7, json(stored.request()));
                s.setString(8, json(stored.command()));
                s.setString(9, stored.address());
                s.setString(10, stored.restart().toString());
                s.setInt(11, 0);
                s.setString(12, stored.state());
                s.setNull(13, Types.INTEGER);
                s.setNull(14, Types.INTEGER);
                s.setNull(15, Types.INTEGER);
                s.setString(16, stored.created());
                s.setNull(17, Types.VARCHAR);
                s.setNull(18, Types.VARCHAR);
                s.setInt(19, 0);
                s.executeUpdate();
            }
            for (PortMapping p : record.ports()) {
                try (PreparedStatement s = c.prepareStatement("INSERT INTO container_ports (container_id, host_ip, "
                        + "host_port, protocol, container_port) VALUES (?, ?, ?, ?, ?)")) {
                    s.setString(1, record.id());
                    s.setString(2, p.hostIp() == null ? "" : p.hostIp());
                    s.setInt(3, p.hostPort());
                    s.setString(4, p.protocol());
                    s.setInt(5, p.containerPort());
                    s.executeUpdate();
                }
            }
            return stored;
        });
        onChange.run();
        return added;
    }

    private static String portOwner(Connection c, PortMapping p) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT container_id FROM container_ports WHERE host_port = ? AND protocol = ?")) {
            s.setInt(1, p.hostPort());
            s.setString(2, p.protocol());
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    private static String freeAddress(Connection c, String ns, Subnet subnet) throws SQLException {
        Set<String> used = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT address FROM containers WHERE ns = ?")) {
            s.setString(1, ns);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    if (r.getString(1) != null) {
                        used.add(r.getString(1));
                    }
                }
            }
        }
        try {
            String cidr = subnet.allocate(used);
            return cidr.substring(0, cidr.indexOf('/'));
        } catch (IllegalStateException e) {
            throw new ConflictException("namespace " + ns + ": " + e.getMessage());
        }
    }

    /** Records a new state; the other columns as record has them. */
    public void update(ContainerRecord record) throws SQLException {
        db.run(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE containers SET state = ?, pid = ?, monitor_pid = ?, "
                    + "exit_code = ?, started = ?, finished = ?, restart_count = ?, stopped_by_user = ? WHERE id = ?")) {
                s.setString(1, record.state());
                setInteger(s, 2, record.pid());
                setInteger(s, 3, record.monitorPid());
                setInteger(s, 4, record.exitCode());
                s.setString(5, record.started());
                s.setString(6, record.finished());
                s.setInt(7, record.restartCount());
                s.setInt(8, record.stoppedByUser() ? 1 : 0);
                s.setString(9, record.id());
                s.executeUpdate();
            }
        });
        onChange.run();
    }

    public void remove(String id) throws SQLException {
        db.run(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM containers WHERE id = ?")) {
                s.setString(1, id);
                s.executeUpdate();
            }
        });
        onChange.run();
    }

    public Optional<ContainerRecord> find(String id) throws SQLException {
        return db.transaction(c -> one(c, "SELECT " + COLUMNS + " FROM containers WHERE id = ?", id));
    }

    /**
     * The container ref names: an id, a name, or an id prefix naming one container. Empty if none; an
     * IllegalArgumentException if a prefix names several.
     */
    public Optional<ContainerRecord> resolve(String ref) throws SQLException {
        return db.transaction(c -> {
            Optional<ContainerRecord> exact = one(c, "SELECT " + COLUMNS + " FROM containers WHERE id = ?", ref);
            if (exact.isPresent()) {
                return exact;
            }
            Optional<ContainerRecord> named = findByName(c, ref);
            if (named.isPresent() || !ref.matches("[0-9a-f]{1,12}")) {
                return named;
            }
            List<ContainerRecord> matches = many(c, "SELECT " + COLUMNS + " FROM containers WHERE id LIKE ? ORDER BY id",
                    ref + "%");
            if (matches.size() > 1) {
                throw new IllegalArgumentException("\"" + ref + "\" is the start of " + matches.size()
                        + " container ids: give more digits");
            }
            return matches.stream().findFirst();
        });
    }

    public List<ContainerRecord> list() throws SQLException {
        return db.transaction(c -> many(c, "SELECT " + COLUMNS + " FROM containers ORDER BY created, id"));
    }

    /** The ids of the containers made from the image with this manifest digest. */
    public List<String> usingImage(String manifestDigest) throws SQLException {
        return db.transaction(c -> many(c, "SELECT " + COLUMNS + " FROM containers WHERE image_digest = ?",
                manifestDigest)).stream().map(ContainerRecord::id).toList();
    }

    private static Optional<ContainerRecord> findByName(Connection c, String name) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM containers WHERE name = ?", name);
    }

    private static Optional<ContainerRecord> one(Connection c, String sql, String arg) throws SQLException {
        return many(c, sql, arg).stream().findFirst();
    }

    private static List<ContainerRecord> many(Connection c, String sql, String... args) throws SQLException {
        List<ContainerRecord> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                s.setString(i + 1, args[i]);
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(read(c, r));
                }
            }
        }
        return out;
    }

    private static ContainerRecord read(Connection c, ResultSet r) throws SQLException {
        String id = r.getString("id");
        return new ContainerRecord(id, r.getString("name"), r.getString("ns"), r.getString("image"),
                r.getString("image_digest"), parse(r.getString("chain_ids"), new TypeReference<List<String>>() {}),
                parse(r.getString("request"), new TypeReference<CreateRequest>() {}),
                parse(r.getString("command"), new TypeReference<List<String>>() {}), r.getString("address"),
                RestartPolicy.parse(r.getString("restart_policy")), r.getInt("restart_count"), r.getString("state"),
                integer(r, "pid"), integer(r, "monitor_pid"), integer(r, "exit_code"), r.getString("created"),
                r.getString("started"), r.getString("finished"), r.getInt("stopped_by_user") != 0, ports(c, id));
    }

    private static List<PortMapping> ports(Connection c, String id) throws SQLException {
        List<PortMapping> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT host_ip, host_port, protocol, container_port "
                + "FROM container_ports WHERE container_id = ? ORDER BY host_port, protocol")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new PortMapping(r.getString(1).isEmpty() ? null : r.getString(1), r.getInt(2), r.getInt(4),
                            r.getString(3)));
                }
            }
        }
        return out;
    }

    private static Integer integer(ResultSet r, String column) throws SQLException {
        int v = r.getInt(column);
        return r.wasNull() ? null : v;
    }

    private static void setInteger(PreparedStatement s, int index, Integer value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.INTEGER);
        } else {
            s.setInt(index, value);
        }
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T parse(String text, TypeReference<T> type) throws SQLException {
        try {
            return JSON.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new SQLException("a container record is not readable: " + e.getOriginalMessage(), e);
        }
    }
}
