package io.karakuri.hitoha.container;

import java.util.Locale;

/**
 * A container's cgroup limits from {@code --memory}, {@code --cpus}, {@code --pids}. The original karakuri's
 * defaults: memory 1024M, CPU 80 % (here: of the whole host, so a container never takes the last 20 %).
 * 0 means no limit.
 *
 * @param memory bytes, 0 for none
 * @param cpuQuota microseconds per {@link #CPU_PERIOD}, 0 for none
 * @param pids the most tasks, 0 for none
 */
public record Limits(long memory, long cpuQuota, long pids) {
    public static final long CPU_PERIOD = 100_000;
    static final long DEFAULT_MEMORY = 1024L << 20;
    static final double DEFAULT_CPU_SHARE = 0.8;

    static Limits of(String memory, String cpus, String pids, int hostCpus) {
        long mem = memory == null ? DEFAULT_MEMORY : memorySize(memory);
        long quota;
        if (cpus == null) {
            quota = Math.round(DEFAULT_CPU_SHARE * hostCpus * CPU_PERIOD);
        } else {
            double c;
            try {
                c = Double.parseDouble(cpus);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--cpus \"" + cpus + "\": give a number of CPUs, such as 0.5 or 2");
            }
            if (!(c >= 0) || c > hostCpus) {
                throw new IllegalArgumentException("--cpus " + cpus + ": give a number from 0 (no limit) to " + hostCpus
                        + " (the CPUs of this host)");
            }
            quota = Math.round(c * CPU_PERIOD);
            if (c > 0 && quota < 1000) {
                throw new IllegalArgumentException("--cpus " + cpus + ": the least is 0.01");
            }
        }
        long p = 0;
        if (pids != null) {
            try {
                p = Long.parseLong(pids);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 0) {
                throw new IllegalArgumentException("--pids \"" + pids + "\": give a whole number, 0 for no limit");
            }
        }
        return new Limits(mem, quota, p);
    }

    /** "512m", "1024M", "1g", "65536k", "1048576" (bytes); suffixes b, k, m, g, t in either case. */
    static long memorySize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'b' -> unit = 1;
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> unit = 0;
            }
            if (unit != 0) {
                t = t.substring(0, t.length() - 1);
            } else {
                unit = 1;
            }
        }
        try {
            long n = Long.parseLong(t);
            if (n >= 0 && n <= Long.MAX_VALUE / unit) {
                long bytes = n * unit;
                if (bytes != 0 && bytes < 6L << 20) {
                    throw new IllegalArgumentException("--memory " + text + ": the least is 6m");
                }
                return bytes;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("--memory \"" + text + "\": give a size such as 512m or 2g (0 for no limit)");
    }
}
