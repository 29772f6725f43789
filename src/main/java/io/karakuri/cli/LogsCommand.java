package io.karakuri.cli;

import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;

/**
 * `karakuri logs`: hitoha streams the container's log as NDJSON records {"stream","time","log"}; stdout
 * records go to standard output and stderr records to standard error, as the container wrote them (a record's
 * text carries its own newline, or none for a part of a line). --timestamps puts the record's time first.
 */
final class LogsCommand {
    private final HitohaClient hitoha;
    private final PrintStream out;
    private final PrintStream err;

    LogsCommand(HitohaClient hitoha, PrintStream out, PrintStream err) {
        this.hitoha = hitoha;
        this.out = out;
        this.err = err;
    }

    int logs(String ref, Args args) throws IOException, ContainerCommands.Failed {
        String tail = args.value("tail", null);
        if (tail != null && !tail.equals("all") && !tail.matches("\\d{1,9}")) {
            throw new ContainerOptions.BadValue("bad --tail \"" + tail + "\": expected a number of lines, or all");
        }
        boolean timestamps = args.flag("timestamps");
        StringBuilder query = new StringBuilder();
        if (args.flag("follow")) {
            query.append("&follow=true");
        }
        if (tail != null && !tail.equals("all")) {
            query.append("&tail=").append(tail);
        }
        if (timestamps) {
            query.append("&timestamps=true");
        }
        String path = "/v1/containers/" + ContainerCommands.path(ref) + "/logs"
                + (query.isEmpty() ? "" : "?" + query.substring(1));
        boolean[] lineStart = {true, true}; // per stream: whether the next text begins a line (for timestamps)
        HitohaClient.Response r = hitoha.send("GET", path, null, line -> {
            if (line.isBlank()) {
                return;
            }
            JsonObject record = JsonObject.root(Json.parse(line), "a log record");
            boolean stderr = "stderr".equals(record.string("stream", "stdout"));
            PrintStream to = stderr ? err : out;
            String text = record.string("log", "");
            int s = stderr ? 1 : 0;
            if (timestamps && lineStart[s]) {
                to.print(record.string("time", "") + " ");
            }
            lineStart[s] = text.endsWith("\n");
            to.print(text);
            to.flush();
        });
        ContainerCommands.ok(r);
        return 0;
    }
}
