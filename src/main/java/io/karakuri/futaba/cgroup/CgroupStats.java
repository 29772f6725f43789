package io.karakuri.futaba.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cgroup's figures in runc's shape (`runc events --stats`): cpu, memory and pids. A file the kernel
 * does not have leaves its figure out (or 0), as runc does.
 */
final class CgroupStats {
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    private CgroupStats() {
    }

    static Map<String, Object> v1(Path cpuacct, Path cpu, Path memory, Path pids) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total", number(cpuacct, "cpuacct.usage"));
        List<Object> percpu = new ArrayList<>();
        for (String v : text(cpuacct, "cpuacct.usage_percpu").split("\\s+")) {
            if (!v.isEmpty()) {
                percpu.add(Long.parseLong(v));
            }
        }
        usage.put("percpu", percpu);
        Map<String, Long> ticks = keyed(cpuacct, "cpuacct.stat");
        usage.put("kernel", ticks.getOrDefault("system", 0L) * NANOS_PER_TICK);
        usage.put("user", ticks.getOrDefault("user", 0L) * NANOS_PER_TICK);
        Map<String, Long> throttle = keyed(cpu, "cpu.stat");
        Map<String, Object> cpuStats = cpu(usage, throttle.getOrDefault("nr_periods", 0L),
                throttle.getOrDefault("nr_throttled", 0L), throttle.getOrDefault("throttled_time", 0L));

        Map<String, Object> mem = new LinkedHashMap<>();
        Map<String, Long> raw = keyed(memory, "memory.stat");
        mem.put("cache", raw.getOrDefault("cache", 0L));
        mem.put("usage", memoryEntry(number(memory, "memory.usage_in_bytes"), number(memory, "memory.max_usage_in_bytes"),
                number(memory, "memory.limit_in_bytes"), number(memory, "memory.failcnt")));
        if (memory != null && Files.exists(memory.resolve("memory.memsw.usage_in_bytes"))) {
            mem.put("swap", memoryEntry(number(memory, "memory.memsw.usage_in_bytes"),
                    number(memory, "memory.memsw.max_usage_in_bytes"), number(memory, "memory.memsw.limit_in_bytes"),
                    number(memory, "memory.memsw.failcnt")));
        }
        mem.put("raw", raw);
        return stats(cpuStats, mem, pids(pids));
    }

    static Map<String, Object> v2(Path dir) {
        Map<String, Long> cpuStat = keyed(dir, "cpu.stat");
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total", cpuStat.getOrDefault("usage_usec", 0L) * 1000);
        usage.put("percpu", List.of());
        usage.put("kernel", cpuStat.getOrDefault("system_usec", 0L) * 1000);
        usage.put("user", cpuStat.getOrDefault("user_usec", 0L) * 1000);
        Map<String, Object> cpuStats = cpu(usage, cpuStat.getOrDefault("nr_periods", 0L),
                cpuStat.getOrDefault("nr_throttled", 0L), cpuStat.getOrDefault("throttled_usec", 0L) * 1000);

        Map<String, Object> mem = new LinkedHashMap<>();
        Map<String, Long> raw = keyed(dir, "memory.stat");
        mem.put("cache", raw.getOrDefault("file", 0L));
        Map<String, Long> events = keyed(dir, "memory.events");
        mem.put("usage", memoryEntry(number(dir, "memory.current"), number(dir, "memory.peak"),
                number(dir, "memory.max"), events.getOrDefault("max", 0L)));
        if (Files.exists(dir.resolve("memory.swap.current"))) {
            mem.put("swap", memoryEntry(number(dir, "memory.swap.current"), number(dir, "memory.swap.peak"),
                    number(dir, "memory.swap.max"), 0));
        }
        mem.put("raw", raw);
        return stats(cpuStats, mem, pids(dir));
    }

    private static Map<String, Object> cpu(Map<String, Object> usage, long periods, long throttled, long time) {
        Map<String, Object> throttling = new LinkedHashMap<>();
        throttling.put("periods", periods);
        throttling.put("throttledPeriods", throttled);
        throttling.put("throttledTime", time);
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("usage", usage);
        cpu.put("throttling", throttling);
        return cpu;
    }

    private static Map<String, Object> pids(Path dir) {
        Map<String, Object> pids = new LinkedHashMap<>();
        pids.put("current", number(dir, "pids.current"));
        pids.put("limit", number(dir, "pids.max"));
        return pids;
    }

    private static Map<String, Object> stats(Map<String, Object> cpu, Map<String, Object> memory, Map<String, Object> pids) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("cpu", cpu);
        s.put("memory", memory);
        s.put("pids", pids);
        return s;
    }

    private static Map<String, Object> memoryEntry(long usage, long max, long limit, long failcnt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("limit", limit);
        m.put("usage", usage);
        m.put("max", max);
        m.put("failcnt", failcnt);
        return m;
    }

    /** A file of one number; 0 when it is missing, or says "max" (no limit), as runc reports pids.max. */
    private static long number(Path dir, String file) {
        String v = text(dir, file).strip();
        try {
            return v.isEmpty() || v.equals("max") ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A file of "key value" lines. */
    private static Map<String, Long> keyed(Path dir, String file) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : text(dir, file).split("\n")) {
            String[] kv = line.strip().split("\\s+");
            if (kv.length == 2) {
                try {
                    out.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException ignored) {
                    // not a number: not a figure
                }
            }
        }
        return out;
    }

    private static String text(Path dir, String file) {
        if (dir == null) {
            return "";
        }
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException missing) {
            return "";
        }
    }
}
