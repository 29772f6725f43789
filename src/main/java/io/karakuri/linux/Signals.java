package io.karakuri.linux;

import java.util.Locale;

/** Linux signal names and numbers, accepted as runc accepts them: KILL, SIGKILL, 9, RTMIN+3. */
public final class Signals {
    public static final int SIGKILL = 9;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    };
    private static final int RTMIN = 34;
    private static final int RTMAX = 64;

    private Signals() {
    }

    /** The signal number for a name or number; IllegalArgumentException for anything else. */
    public static int parse(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            int n = s.length() > 3 ? -1 : Integer.parseInt(s);
            if (n >= 1 && n <= RTMAX) {
                return n;
            }
            throw new IllegalArgumentException("invalid signal number " + text);
        }
        if (s.startsWith("SIG")) {
            s = s.substring(3);
        }
        for (int i = 1; i < NAMES.length; i++) {
            if (NAMES[i].equals(s)) {
                return i;
            }
        }
        switch (s) {
            case "IOT" -> {
                return 6;
            }
            case "POLL" -> {
                return 29;
            }
            case "RTMIN" -> {
                return RTMIN;
            }
            case "RTMAX" -> {
                return RTMAX;
            }
            default -> {
            }
        }
        String offset = s.length() > 6 ? s.substring(6) : "";
        // digits only: Integer.parseInt takes a sign, and RTMAX--1 would be 65
        if (!offset.isEmpty() && offset.length() <= 2 && offset.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int n = Integer.parseInt(offset);
            if (s.startsWith("RTMIN+") && RTMIN + n <= RTMAX) {
                return RTMIN + n;
            }
            if (s.startsWith("RTMAX-") && RTMAX - n >= RTMIN) {
                return RTMAX - n;
            }
        }
        throw new IllegalArgumentException("unknown signal \"" + text + "\"");
    }

    /** "SIGKILL" for 9. */
    public static String name(int signal) {
        if (signal > 0 && signal < NAMES.length) {
            return "SIG" + NAMES[signal];
        }
        return signal >= RTMIN && signal <= RTMAX ? "SIGRTMIN+" + (signal - RTMIN) : "signal " + signal;
    }
}
