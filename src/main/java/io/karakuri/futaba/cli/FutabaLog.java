package io.karakuri.futaba.cli;

import io.karakuri.json.Json;
import io.karakuri.linux.IoErrors;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * futaba's messages: always to stderr, and with --log to a file as runc writes it (--log-format json:
 * one {"level","msg","time"} object a line, which containerd reads back on failure; text: logfmt).
 */
public final class FutabaLog {
    private final PrintStream stderr;
    private final Path file;
    private final boolean json;

    public FutabaLog(PrintStream stderr, Path file, boolean json) {
        this.stderr = stderr;
        this.file = file;
        this.json = json;
    }

    public void error(String message) {
        stderr.println("futaba: " + message);
        append("error", message);
    }

    public void debug(String message) {
        stderr.println("futaba: debug: " + message);
        append("debug", message);
    }

    public void warn(String message) {
        stderr.println("futaba: warning: " + message);
        append("warning", message);
    }

    private void append(String level, String message) {
        if (file == null) {
            return;
        }
        String time = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String line;
        if (json) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("level", level);
            entry.put("msg", message);
            entry.put("time", time);
            line = Json.write(entry);
        } else {
            line = "time=\"" + time + "\" level=" + level + " msg=" + Json.write(message);
        }
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            stderr.println("futaba: cannot write the log " + file + ": " + IoErrors.reason(e));
        }
    }
}
