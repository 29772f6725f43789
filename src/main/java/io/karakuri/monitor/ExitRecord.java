package io.karakuri.monitor;

import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The monitor's exit file: {"exitCode":137,"signal":9,"finishedAt":"2026-11-29T13:50:01.123456789Z"}.
 *
 * @param exitCode the shell's: the exit status, or 128 + the signal
 * @param signal the signal that killed the process, 0 when it exited
 * @param finishedAt RFC 3339 with nanoseconds, UTC
 */
public record ExitRecord(int exitCode, int signal, String finishedAt) {

    public static ExitRecord parse(String text) {
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (JsonException e) {
            throw new IllegalArgumentException("not an exit record: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> map) || !(map.get("exitCode") instanceof Number code)) {
            throw new IllegalArgumentException("not an exit record: " + text.strip());
        }
        int signal = map.get("signal") instanceof Number n ? n.intValue() : 0;
        String at = map.get("finishedAt") instanceof String s ? s : null;
        return new ExitRecord(code.intValue(), signal, at);
    }

    /** The record in runDir/exit, or empty while the process runs (the file is written atomically). */
    public static Optional<ExitRecord> read(Path runDir) {
        try {
            return Optional.of(parse(Files.readString(runDir.resolve(Monitored.EXIT_FILE))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + runDir.resolve(Monitored.EXIT_FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Whether a signal ended the process. */
    public boolean signaled() {
        return signal != 0;
    }
}
