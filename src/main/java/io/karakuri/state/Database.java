package io.karakuri.state;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;

/**
 * hitoha's state: one SQLite database (WAL, foreign keys on, a busy timeout) that every part of the
 * daemon keeps its records in, so that a change touching several records is one transaction.
 *
 * <p>Each part of the daemon (images now; containers, names, networks later) owns its tables and brings
 * its own ordered list of {@link Migration}s under a component name; {@link #migrate} applies those not
 * yet applied, each in its own transaction together with its row in {@code schema_migrations}. A database
 * written by a newer karakuri (a version this code does not know) is refused rather than guessed at.
 *
 * <p>One connection, used by one thread at a time: {@link #transaction} takes a lock for the whole unit
 * of work. The daemon's writes are few and small, and this keeps SQLite's own locking out of the way
 * (no SQLITE_BUSY between our own threads); the busy timeout covers another process (a second daemon,
 * the sqlite3 shell) holding the file. Keep blob and file I/O outside transactions.
 */
public final class Database implements AutoCloseable {
    public static final Path DEFAULT_PATH = Path.of("/var/lib/karakuri/karakuri.db");
    public static final int BUSY_TIMEOUT_MS = 5_000;

    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();

    private Database(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /** Opens (creating it and its directory if need be) the database file. */
    public static Database open(Path file) throws SQLException {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            if (!Files.exists(file)) {
                // root's alone: SQLite gives its -wal and -shm files the database file's mode
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (FileAlreadyExistsException raced) {
                    // another opener made it
                }
            }
        } catch (IOException e) {
            throw new SQLException("cannot create " + file + ": " + e.getMessage(), e);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // FULL: a committed transaction survives a power loss too; the daemon commits rarely
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        // take the write lock at BEGIN: no deadlock-prone read-to-write upgrade between processes
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = c.createStatement()) {
            s.executeUpdate("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        component   TEXT    NOT NULL,
                        version     INTEGER NOT NULL,
                        description TEXT    NOT NULL,
                        applied     TEXT    NOT NULL,
                        PRIMARY KEY (component, version))""");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return new Database(file, c);
    }

    public Path file() {
        return file;
    }

    /** A unit of work on the connection, run inside a transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /** The same, with no result. */
    @FunctionalInterface
    public interface VoidWork {
        void run(Connection connection) throws SQLException;
    }

    /**
     * Runs work in one transaction: committed when it returns, rolled back when it throws (anything),
     * the exception passed on. Called from inside another transaction on the same thread, it joins that
     * one: the outer call commits or rolls back the whole.
     */
    public <T> T transaction(Work<T> work) throws SQLException {
        lock.lock();
        try {
            if (lock.getHoldCount() > 1) {
                return work.run(connection);
            }
            connection.setAutoCommit(false);
            try {
                T result = work.run(connection);
                connection.commit();
                return result;
            } catch (Throwable t) {
                try {
                    connection.rollback();
                } catch (SQLException e) {
                    t.addSuppressed(e);
                }
                throw t;
            } finally {
                connection.setAutoCommit(true);
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@link #transaction(Work)} for work without a result. */
    public void run(VoidWork work) throws SQLException {
        transaction(c -> {
            work.run(c);
            return null;
        });
    }

    /** One step of a component's schema: version n runs after n-1. */
    public record Migration(int version, String description, VoidWork step) {
        /** A migration made of SQL statements, run in order. */
        public static Migration sql(int version, String description, String... statements) {
            List<String> list = List.of(statements);
            return new Migration(version, description, c -> {
                try (Statement s = c.createStatement()) {
                    for (String sql : list) {
                        s.executeUpdate(sql);
                    }
                }
            });
        }
    }

    /** The highest migration applied for component; 0 if none. */
    public int schemaVersion(String component) throws SQLException {
        return transaction(c -> version(c, component));
    }

    /**
     * Brings component's tables up to the last of migrations, which must be numbered 1, 2, 3, … in order.
     * Returns how many were applied now.
     */
    public int migrate(String component, List<Migration> migrations) throws SQLException {
        for (int i = 0; i < migrations.size(); i++) {
            if (migrations.get(i).version() != i + 1) {
                throw new IllegalArgumentException(component + " migrations must be numbered 1, 2, 3, … in order; "
                        + "position " + (i + 1) + " has version " + migrations.get(i).version());
            }
        }
        int applied = 0;
        for (Migration m : migrations) {
            boolean ran = transaction(c -> {
                int current = version(c, component);
                if (current >= m.version()) {
                    return false;
                }
                m.step().run(c);
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO schema_migrations (component, version, description, applied) VALUES (?, ?, ?, ?)")) {
                    ps.setString(1, component);
                    ps.setInt(2, m.version());
                    ps.setString(3, m.description());
                    ps.setString(4, Instant.now().toString());
                    ps.executeUpdate();
                }
                return true;
            });
            if (ran) {
                applied++;
            }
        }
        int current = schemaVersion(component);
        if (current > migrations.size()) {
            throw new SQLException("the " + component + " tables of " + file + " are at schema version " + current
                    + ", newer than this karakuri knows (" + migrations.size() + "): was it written by a newer version?");
        }
        return applied;
    }

    private static int version(Connection c, String component) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?")) {
            ps.setString(1, component);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void close() throws SQLException {
        lock.lock();
        try {
            connection.close();
        } finally {
            lock.unlock();
        }
    }
}
