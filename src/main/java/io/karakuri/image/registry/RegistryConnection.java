package io.karakuri.image.registry;

import io.karakuri.state.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * The registry the daemon is connected to ({@code karakuri regctl connect}): one row of the state database,
 * under the migration component {@value #COMPONENT}. Disconnecting keeps the registry's name, marked
 * disconnected, as the original karakuri showed it ({@code Registry : HOST:PORT}, {@code Status : disconnected}).
 */
public final class RegistryConnection {
    public static final String COMPONENT = "registry";

    static final List<Database.Migration> MIGRATIONS = List.of(Database.Migration.sql(1, "the connected registry", """
            CREATE TABLE registry_connection (
                id        INTEGER PRIMARY KEY CHECK (id = 1),
                registry  TEXT    NOT NULL,
                connected INTEGER NOT NULL CHECK (connected IN (0, 1)),
                changed   TEXT    NOT NULL)"""));

    /** What is stored: the registry (null if none was ever connected) and whether it is connected. */
    public record State(String registry, boolean connected) {
        public static final State NONE = new State(null, false);

        /** The registry when connected, else null. */
        public String target() {
            return connected ? registry : null;
        }
    }

    private final Database db;

    /** The connection recorded in db (creating or migrating its table). */
    public RegistryConnection(Database db) throws SQLException {
        this.db = db;
        db.migrate(COMPONENT, MIGRATIONS);
    }

    public State get() throws SQLException {
        return db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT registry, connected FROM registry_connection WHERE id = 1");
                    ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new State(rs.getString(1), rs.getInt(2) == 1) : State.NONE;
            }
        });
    }

    /** Records registry as the connected one (replacing any other). */
    public State connect(String registry) throws SQLException {
        return save(new State(registry, true));
    }

    /** Marks the recorded registry disconnected; nothing to do if none is. */
    public State disconnect() throws SQLException {
        return db.transaction(c -> {
            State s = get();
            return s.registry() == null || !s.connected() ? s : save(new State(s.registry(), false));
        });
    }

    private State save(State s) throws SQLException {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO registry_connection (id, registry, connected, changed) VALUES (1, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET registry = excluded.registry, connected = excluded.connected,
                        changed = excluded.changed""")) {
                ps.setString(1, s.registry());
                ps.setInt(2, s.connected() ? 1 : 0);
                ps.setString(3, Instant.now().toString());
                ps.executeUpdate();
            }
        });
        return s;
    }
}
