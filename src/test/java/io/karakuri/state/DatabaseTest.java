package io.karakuri.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {
    @TempDir
    Path dir;

    private static final List<Database.Migration> V2 = List.of(
            Database.Migration.sql(1, "things", "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"),
            Database.Migration.sql(2, "parts of things", """
                    CREATE TABLE parts (thing INTEGER NOT NULL REFERENCES things(id), part TEXT NOT NULL)"""));

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void opensInWalModeWithForeignKeysAndABusyTimeout() throws Exception {
        try (Database db = Database.open(dir.resolve("sub/karakuri.db"))) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(dir.resolve("sub/karakuri.db"))));
            db.run(c -> {
                assertEquals("wal", one(c, "PRAGMA journal_mode"));
                assertEquals("1", one(c, "PRAGMA foreign_keys"));
                assertEquals(String.valueOf(Database.BUSY_TIMEOUT_MS), one(c, "PRAGMA busy_timeout"));
            });
        }
    }

    @Test
    void migrationsRunInOrderOnceAndARefusedNewerSchema() throws Exception {
        Path file = dir.resolve("karakuri.db");
        try (Database db = Database.open(file)) {
            assertEquals(0, db.schemaVersion("test"));
            assertEquals(1, db.migrate("test", V2.subList(0, 1)));
            assertEquals(1, db.schemaVersion("test"));
            assertEquals(1, db.migrate("test", V2));
            assertEquals(0, db.migrate("test", V2));
            assertEquals(2, db.schemaVersion("test"));
            assertEquals(0, db.schemaVersion("other"));
        }
        try (Database db = Database.open(file)) {
            assertEquals(0, db.migrate("test", V2));
            var e = assertThrows(SQLException.class, () -> db.migrate("test", V2.subList(0, 1)));
            assertTrue(e.getMessage().contains("are at schema version 2, newer than this karakuri knows (1)"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> db.migrate("x", List.of(V2.get(1))));
        }
    }

    @Test
    void aFailedMigrationLeavesNoTraceAndIsRetried() throws Exception {
        try (Database db = Database.open(dir.resolve("karakuri.db"))) {
            List<Database.Migration> bad = List.of(Database.Migration.sql(1, "half", "CREATE TABLE a (x)",
                    "CREATE TABLE a (x)"));
            assertThrows(SQLException.class, () -> db.migrate("t", bad));
            assertEquals(0, db.schemaVersion("t"));
            db.run(c -> assertEquals(null, one(c, "SELECT name FROM sqlite_master WHERE name = 'a'")));
            assertEquals(1, db.migrate("t", List.of(Database.Migration.sql(1, "whole", "CREATE TABLE a (x)"))));
        }
    }

    @Test
    void aTransactionThatThrowsLeavesNothingAndNestedOnesJoin() throws Exception {
        try (Database db = Database.open(dir.resolve("karakuri.db"))) {
            db.migrate("test", V2);
            assertThrows(IllegalStateException.class, () -> db.run(c -> {
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO things (id, name) VALUES (1, 'a')");
                    db.run(inner -> inner.createStatement().executeUpdate("INSERT INTO parts VALUES (1, 'p')"));
                }
                throw new IllegalStateException("changed my mind");
            }));
            db.run(c -> {
                assertEquals("0", one(c, "SELECT count(*) FROM things"));
                assertEquals("0", one(c, "SELECT count(*) FROM parts"));
            });
            // a foreign key violation fails the statement and, thrown on, rolls the whole back
            assertThrows(SQLException.class, () -> db.run(c -> {
                c.createStatement().executeUpdate("INSERT INTO things (id, name) VALUES (1, 'a')");
                c.createStatement().executeUpdate("INSERT INTO parts VALUES (99, 'orphan')");
            }));
            int n = db.transaction(c -> {
                c.createStatement().executeUpdate("INSERT INTO things (id, name) VALUES (1, 'a')");
                return Integer.parseInt(one(c, "SELECT count(*) FROM things"));
            });
            assertEquals(1, n);
        }
    }
    @Test
    void transactionsFromManyThreadsAreSerialized() throws Exception {
        try (Database db = Database.open(dir.resolve("karakuri.db"))) {
            db.migrate("test", List.of(Database.Migration.sql(1, "counter",
                    "CREATE TABLE counter (n INTEGER NOT NULL)", "INSERT INTO counter VALUES (0)")));
            Thread[] threads = new Thread[4];
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            for (int t = 0; t < threads.length; t++) {
                threads[t] = Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < 10; i++) {
                            db.run(c -> {
                                int n = Integer.parseInt(one(c, "SELECT n FROM counter"));
                                c.createStatement().executeUpdate("UPDATE counter SET n = " + (n + 1));
                            });
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(null, failure.get());
            db.run(c -> assertEquals("40", one(c, "SELECT n FROM counter")));
        }
    }
}
