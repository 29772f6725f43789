package io.karakuri.hitoha.container;

import java.time.Duration;

/**
 * {@code --restart}: no, on-boot (start when hitoha starts), always, on-failure[:N]. Restarts back off as
 * Docker's do: 100 ms doubling to a minute, reset once a run has lasted 10 s.
 */
public record RestartPolicy(Kind kind, int maxRetries) {
    public enum Kind { NO, ON_BOOT, ALWAYS, ON_FAILURE }

    public static final RestartPolicy NO = new RestartPolicy(Kind.NO, 0);
    static final Duration FIRST_DELAY = Duration.ofMillis(100);
    static final Duration MAX_DELAY = Duration.ofMinutes(1);
    static final Duration STABLE_RUN = Duration.ofSeconds(10);

    public static RestartPolicy parse(String text) {
        if (text == null || text.isEmpty() || text.equals("no")) {
            return NO;
        }
        switch (text) {
            case "on-boot" -> {
                return new RestartPolicy(Kind.ON_BOOT, 0);
            }
            case "always", "unless-stopped" -> {
                return new RestartPolicy(Kind.ALWAYS, 0);
            }
            case "on-failure" -> {
                return new RestartPolicy(Kind.ON_FAILURE, 0);
            }
            default -> {
                if (text.startsWith("on-failure:")) {
                    String n = text.substring("on-failure:".length());
                    try {
                        int retries = Integer.parseInt(n);
                        if (retries >= 0) {
                            return new RestartPolicy(Kind.ON_FAILURE, retries);
                        }
                    } catch (NumberFormatException e) {
                        // below
                    }
                    throw new IllegalArgumentException("--restart on-failure:N: N must be a whole number 0 or more, not \""
                            + n + "\"");
                }
                throw new IllegalArgumentException("--restart \"" + text
                        + "\": use no, on-boot, always or on-failure[:N]");
            }
        }
    }

    /** Whether a container that ended with exitCode (not stopped by the user) after restarts restarts is run again. */
    public boolean restartsAfter(int exitCode, int restarts) {
        return switch (kind) {
            case ALWAYS -> true;
            case ON_FAILURE -> exitCode != 0 && (maxRetries == 0 || restarts < maxRetries);
            case NO, ON_BOOT -> false;
        };
    }

    /** Whether hitoha starts the container when it starts (unless the user stopped it). */
    public boolean startsWithDaemon() {
        return kind == Kind.ON_BOOT || kind == Kind.ALWAYS;
    }

    /** The wait before restart number restarts + 1. */
    public static Duration delay(int restarts) {
        long ms = FIRST_DELAY.toMillis() << Math.min(restarts, 20);
        return Duration.ofMillis(Math.min(ms, MAX_DELAY.toMillis()));
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NO -> "no";
            case ON_BOOT -> "on-boot";
            case ALWAYS -> "always";
            case ON_FAILURE -> maxRetries == 0 ? "on-failure" : "on-failure:" + maxRetries;
        };
    }
}
