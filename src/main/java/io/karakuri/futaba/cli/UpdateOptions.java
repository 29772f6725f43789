package io.karakuri.futaba.cli;

import io.karakuri.cli.Args;
import io.karakuri.cli.Args.Option;
import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.futaba.spec.SpecReader;
import io.karakuri.json.JsonException;
import io.karakuri.linux.IoErrors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `futaba update`'s options, runc's: a linux.resources object from a file or the standard input
 * (--resources), or the limits one by one. An option left out leaves its limit as it is.
 */
final class UpdateOptions {
    static final List<Option> OPTIONS = List.of(
            Option.value("FILE", "the resources to set, a runtime-spec linux.resources object in JSON; - reads the "
                    + "standard input", "resources", "r"),
            Option.value("N", "block I/O weight, 10 to 1000", "blkio-weight"),
            Option.value("US", "CPU CFS period in microseconds", "cpu-period"),
            Option.value("US", "CPU CFS quota in microseconds per period (-1: none)", "cpu-quota"),
            Option.value("US", "CPU CFS burst in microseconds", "cpu-burst"),
            Option.value("N", "CPU shares (relative weight)", "cpu-share", "cpu-shares"),
            Option.value("US", "CPU real-time period in microseconds", "cpu-rt-period"),
            Option.value("US", "CPU real-time runtime in microseconds per period", "cpu-rt-runtime"),
            Option.value("CPUS", "the CPUs to use, such as 0-2,4", "cpuset-cpus"),
            Option.value("NODES", "the memory nodes to use", "cpuset-mems"),
            Option.value("0|1", "1: SCHED_IDLE for the cgroup", "cpu-idle"),
            Option.value("BYTES", "memory limit, such as 512m (-1: none)", "memory"),
            Option.value("BYTES", "memory reservation (soft limit)", "memory-reservation"),
            Option.value("BYTES", "memory plus swap limit (-1: no swap limit)", "memory-swap"),
            Option.value("N", "the most processes the container may have (-1: no limit)", "pids-limit"),
            Option.value("BYTES", "obsolete: kernel memory limits are ignored (with a warning), as by runc",
                    "kernel-memory"),
            Option.value("BYTES", "obsolete: ignored (with a warning), as by runc", "kernel-memory-tcp"),
            Option.value("SCHEMA", "Intel RDT L3 cache schema (not supported: refused)", "l3-cache-schema"),
            Option.value("SCHEMA", "Intel RDT memory bandwidth schema (not supported: refused)", "mem-bw-schema"),
            Option.flag("print this help", "help", "h"));

    /** New limits and where they come from (the file, or "update" for options), which starts their errors. */
    record Update(Spec.Resources resources, String source) {}

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?");

    private UpdateOptions() {
    }

    static Update read(Args args, InputStream stdin) {
        for (String rdt : List.of("l3-cache-schema", "mem-bw-schema")) {
            if (args.value(rdt, null) != null) {
                throw new FutabaException("update: --" + rdt + ": futaba does not support Intel RDT");
            }
        }
        String file = args.value("resources", null);
        if (file == null) {
            return new Update(fromOptions(args), "update");
        }
        boolean others = OPTIONS.stream().map(o -> o.names().getFirst())
                .anyMatch(name -> !name.equals("resources") && !name.equals("help") && args.value(name, null) != null);
        if (others) {
            throw new FutabaException("update: give the resources either in --resources or as options, not both");
        }
        String source = file.equals("-") ? "the standard input" : file;
        try {
            String json = file.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
                    : Files.readString(Path.of(file));
            return new Update(SpecReader.readResources(json), source);
        } catch (IOException e) {
            throw new FutabaException("update: cannot read " + source + ": " + IoErrors.reason(e), e);
        } catch (JsonException e) {
            throw new FutabaException(source + ": " + e.getMessage(), e);
        }
    }

    private static Spec.Resources fromOptions(Args args) {
        Spec.Memory memory = new Spec.Memory(bytes(args, "memory"), bytes(args, "memory-reservation"),
                bytes(args, "memory-swap"), bytes(args, "kernel-memory"), bytes(args, "kernel-memory-tcp"), null, null,
                null, null);
        Spec.Cpu cpu = new Spec.Cpu(number(args, "cpu-share", 0), number(args, "cpu-quota", Long.MIN_VALUE),
                number(args, "cpu-burst", 0), number(args, "cpu-period", 0),
                number(args, "cpu-rt-runtime", Long.MIN_VALUE), number(args, "cpu-rt-period", 0),
                args.value("cpuset-cpus", null), args.value("cpuset-mems", null), number(args, "cpu-idle", 0));
        Long pids = number(args, "pids-limit", Long.MIN_VALUE);
        Long weight = number(args, "blkio-weight", 0);
        Spec.BlockIo blockIo = weight == null ? null
                : new Spec.BlockIo(weight, null, List.of(), List.of(), List.of(), List.of(), List.of());
        return new Spec.Resources(memory, cpu, pids == null ? null : new Spec.Pids(pids), List.of(), blockIo, List.of(),
                null, Map.of(), Map.of());
    }

    /** An option's whole number, at least min; null when it is not given. */
    private static Long number(Args args, String option, long min) {
        String text = args.value(option, null);
        if (text == null) {
            return null;
        }
        try {
            long n = Long.parseLong(text);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException notANumber) {
            // the error below
        }
        throw new FutabaException("update: --" + option + " takes a" + (min == 0 ? " non-negative" : "")
                + " whole number, not \"" + text + "\"");
    }

    /**
     * An option's size in bytes as runc reads it (docker's RAMInBytes): 1048576, 512k, 64m, 1.5g, 2GiB, the
     * units being powers of 1024; -1 for no limit. Null when it is not given.
     */
    static Long bytes(Args args, String option) {
        String text = args.value(option, null);
        if (text == null) {
            return null;
        }
        if (text.equals("-1")) {
            return -1L;
        }
        Matcher m = SIZE.matcher(text);
        if (!m.matches()) {
            throw new FutabaException("update: --" + option + " takes a size such as 512m or 1g, not \"" + text + "\"");
        }
        int power = m.group(2) == null ? 0 : "kmgtp".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
        return (long) (Double.parseDouble(m.group(1)) * Math.pow(1024, power));
    }
}
