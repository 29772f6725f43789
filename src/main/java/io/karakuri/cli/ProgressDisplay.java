package io.karakuri.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pull's or push's progress, one line per layer as Docker shows it. On a terminal the lines are redrawn
 * in place as bytes arrive; elsewhere (a log, a pipe) only changes of status are printed, one line each,
 * without the byte counts.
 */
final class ProgressDisplay {
    private final PrintStream out;
    private final boolean terminal;
    private final Map<String, String> lines = new LinkedHashMap<>();
    private final Map<String, String> statuses = new LinkedHashMap<>();
    private int drawn;

    ProgressDisplay(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void update(String id, String status, long current, long total) {
        if (terminal) {
            lines.put(id, id + ": " + status + (total > 0 ? " " + bar(current, total) : ""));
            redraw();
        } else if (!status.equals(statuses.get(id)) && !status.equals("Downloading") && !status.equals("Pushing")) {
            out.println(id + ": " + status);
        }
        statuses.put(id, status);
    }

    private void redraw() {
        StringBuilder s = new StringBuilder();
        if (drawn > 0) {
            s.append("\033[").append(drawn).append('A'); // back to the first line
        }
        for (String line : lines.values()) {
            s.append('\r').append(line).append("\033[K\n");
        }
        drawn = lines.size();
        out.print(s);
        out.flush();
    }

    /** "[=====>      ]  12.3MB/45.6MB" */
    static String bar(long current, long total) {
        int width = 40;
        int done = (int) Math.min(width, current * width / Math.max(1, total));
        String arrow = done >= width ? "=".repeat(width) : "=".repeat(done) + ">" + " ".repeat(width - done - 1);
        return "[" + arrow + "] " + ImageCommands.humanSize(current) + "/" + ImageCommands.humanSize(total);
    }
}
