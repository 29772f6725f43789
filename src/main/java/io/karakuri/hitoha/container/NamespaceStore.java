package io.karakuri.hitoha.container;

import io.karakuri.hitoha.ApiException;
import io.karakuri.net.Subnet;
import io.karakuri.state.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The namespaces in hitoha's database: a name and the number of its network (bridge karakuri{n},
 * 10.157.{n}.0/24). The three reserved ones are there from the start; a new one takes the lowest free number,
 * so a number freed by a removal is reused, and the UNIQUE number never lets two namespaces share one.
 * Creating a container checks its namespace in the container's own transaction ({@link #subnet(Connection,
 * String)}), and removing a namespace counts its containers in the removal's, so neither can slip past the
 * other. Refusals are {@link ApiException}s with the status that says why.
 */
public final class NamespaceStore {
    public static final String COMPONENT = "namespaces";
    public static final String SYSTEM = "system";
    public static final String SYSTEM_MOD = "system-mod";
    public static final String DEFAULT = "default";
    /** Not a namespace: `ls --ns all` means every namespace. */
    static final String ALL = "all";
    private static final Set<String> RESERVED = Set.of(SYSTEM, SYSTEM_MOD, DEFAULT);
    /** A DNS label, as the namespace is one in container names (web.NS.karakuri.container). */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final int FIRST_FREE = 3;
    private static final int LAST = 254;

    static final List<Database.Migration> MIGRATIONS = List.of(Database.Migration.sql(1, "namespaces", """
            CREATE TABLE namespaces (
                name     TEXT    PRIMARY KEY,
                number   INTEGER NOT NULL UNIQUE CHECK (number BETWEEN 0 AND 254),
                created  TEXT    NOT NULL)""",
            "INSERT INTO namespaces (name, number, created) VALUES ('system', 0, '')",
            "INSERT INTO namespaces (name, number, created) VALUES ('system-mod', 1, '')",
            "INSERT INTO namespaces (name, number, created) VALUES ('default', 2, '')"));

    /** A namespace with its network, and how many containers (in any state) belong to it. */
    public record Namespace(String name, int number, String created, int containers) {
        public Subnet subnet() {
            return Subnet.ofNamespace(number);
        }

        public boolean reserved() {
            return RESERVED.contains(name);
        }
    }

    private final Database db;

    public NamespaceStore(Database db) throws SQLException {
        this.db = db;
        db.migrate(COMPONENT, MIGRATIONS);
    }

    public List<Namespace> list() throws SQLException {
        return db.transaction(c -> select(c, null));
    }

    public Optional<Namespace> find(String name) throws SQLException {
        return db.transaction(c -> select(c, name).stream().findFirst());
    }

    /** Makes namespace name with the lowest free network number. */
    public Namespace create(String name) throws SQLException {
        checkName(name);
        return db.transaction(c -> {
            if (!select(c, name).isEmpty()) {
                throw new ApiException(409, "namespace \"" + name + "\" exists already");
            }
            Set<Integer> taken = new HashSet<>();
            try (PreparedStatement s = c.prepareStatement("SELECT number FROM namespaces");
                    ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    taken.add(r.getInt(1));
                }
            }
            int number = FIRST_FREE;
            while (taken.contains(number)) {
                number++;
            }
            if (number > LAST) {
                throw new ApiException(409, "no free network left for namespace \"" + name + "\": all of "
                        + "10.157.0.0/16 is taken; remove a namespace first (karakuri rmns --name N)");
            }
            String created = Instant.now().toString();
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO namespaces (name, number, created) VALUES (?, ?, ?)")) {
                s.setString(1, name);
                s.setInt(2, number);
                s.setString(3, created);
                s.executeUpdate();
            }
            return new Namespace(name, number, created, 0);
        });
    }

    /** Removes namespace name, refused while a container belongs to it. Returns what it was. */
    public Namespace remove(String name) throws SQLException {
        if (RESERVED.contains(name)) {
            throw new ApiException(400, "namespace \"" + name + "\" is reserved: it cannot be removed");
        }
        return db.transaction(c -> {
            Namespace ns = select(c, name).stream().findFirst()
                    .orElseThrow(() -> new ApiException(404, "no such namespace: " + name));
            if (ns.containers() > 0) {
                throw new ApiException(409, "namespace \"" + name + "\" still has " + ns.containers()
                        + (ns.containers() == 1 ? " container" : " containers")
                        + ": remove them first (karakuri ls --ns " + name + " --all)");
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM namespaces WHERE name = ?")) {
                s.setString(1, name);
                s.executeUpdate();
            }
            return ns;
        });
    }

    /** The network of namespace name, read in transaction c: a 404 refusal when there is none. */
    static Subnet subnet(Connection c, String name) throws SQLException {
        return select(c, name).stream().findFirst().map(Namespace::subnet)
                .orElseThrow(() -> unknown(name));
    }

    static ApiException unknown(String name) {
        return new ApiException(404, "no such namespace: " + name + " (make it with karakuri createns --name "
                + name + ")");
    }

    static void checkName(String name) {
        if (name == null || name.isEmpty()) {
            throw new ApiException(400, "give the namespace's name (--name)");
        }
        if (name.equals(ALL)) {
            throw new ApiException(400, "\"all\" cannot name a namespace: ls --ns all means every namespace");
        }
        if (!NAME.matcher(name).matches()) {
            throw new ApiException(400, "namespace name \"" + name + "\": a name is 1 to 63 lower-case letters, "
                    + "digits and hyphens, starting and ending with a letter or digit (it is part of container "
                    + "host names)");
        }
    }

    private static List<Namespace> select(Connection c, String name) throws SQLException {
        String sql = "SELECT n.name, n.number, n.created, (SELECT COUNT(*) FROM containers WHERE ns = n.name) "
                + "FROM namespaces n" + (name == null ? "" : " WHERE n.name = ?") + " ORDER BY n.number";
        List<Namespace> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            if (name != null) {
                s.setString(1, name);
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new Namespace(r.getString(1), r.getInt(2), r.getString(3), r.getInt(4)));
                }
            }
        }
        return out;
    }
}
