package io.karakuri.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small command-line parser in the style runc users know (Go flags): --name value, --name=value,
 * -name value, -b value, and boolean flags (--force, --force=false). Options may come before or
 * after the positional arguments; "--" ends them.
 *
 * <p>Why not picocli: measured with the AOT cache on these machines, picocli adds about 60 ms to a
 * JVM start, more than runc's whole `runc run` (24 ms). This class adds nothing measurable.
 */
public final class Args {

    /**
     * One option. names: the long name first ("bundle"), then a short one ("b"), without dashes.
     * valueName: null for a boolean flag, else how help shows the value ("DIR").
     */
    public record Option(List<String> names, String valueName, String help) {
        public static Option flag(String help, String... names) {
            return new Option(List.of(names), null, help);
        }

        public static Option value(String valueName, String help, String... names) {
            return new Option(List.of(names), valueName, help);
        }

        String name() {
            return names.getFirst();
        }

        boolean takesValue() {
            return valueName != null;
        }
    }

    /** A command line that does not fit its command's options. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, List<String>> values;
    private final List<String> positionals;

    private Args(Map<String, List<String>> values, List<String> positionals) {
        this.values = values;
        this.positionals = positionals;
    }

    public static Args parse(List<Option> options, List<String> args) {
        return parse(options, args, Integer.MAX_VALUE);
    }

    /**
     * Parses args; after optionPositionals positional arguments, the rest is taken as it stands (the
     * command of `futaba exec ID COMMAND -x`, whose options are the command's own).
     */
    public static Args parse(List<Option> options, List<String> args, int optionPositionals) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                positionals.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (positionals.size() >= optionPositionals) {
                positionals.addAll(args.subList(i, args.size()));
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                positionals.add(arg);
                continue;
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            String inline = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                inline = body.substring(eq + 1);
                body = body.substring(0, eq);
            }
            Option option = find(options, body);
            if (option == null) {
                throw new UsageException("unknown option " + arg);
            }
            String value;
            if (option.takesValue()) {
                if (inline != null) {
                    value = inline;
                } else if (i + 1 < args.size()) {
                    value = args.get(++i);
                } else {
                    throw new UsageException("option --" + option.name() + " needs a value");
                }
            } else {
                value = inline == null ? "true" : inline;
                if (!value.equals("true") && !value.equals("false")) {
                    throw new UsageException("option --" + option.name() + " takes true or false, not \"" + value + "\"");
                }
            }
            values.computeIfAbsent(option.name(), k -> new ArrayList<>()).add(value);
        }
        return new Args(values, positionals);
    }

    private static Option find(List<Option> options, String name) {
        for (Option o : options) {
            if (o.names().contains(name)) {
                return o;
            }
        }
        return null;
    }

    public boolean flag(String name) {
        return "true".equals(value(name, null));
    }

    /** The option's value (the last, if given more than once), or fallback. */
    public String value(String name, String fallback) {
        List<String> all = values.get(name);
        return all == null ? fallback : all.getLast();
    }

    /** Every value of an option given more than once (--env A=1 --env B=2), in order. */
    public List<String> values(String name) {
        return values.getOrDefault(name, List.of());
    }

    public int intValue(String name, int fallback) {
        String v = value(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("option --" + name + " takes a number, not \"" + v + "\"");
        }
    }

    public List<String> positionals() {
        return positionals;
    }

    /** The option lines of a help text. */
    public static String describe(List<Option> options) {
        StringBuilder sb = new StringBuilder();
        List<String> heads = new ArrayList<>();
        int width = 0;
        for (Option o : options) {
            StringBuilder head = new StringBuilder("  ");
            for (int i = o.names().size() - 1; i >= 0; i--) {
                String n = o.names().get(i);
                head.append(n.length() == 1 ? "-" : "--").append(n).append(i > 0 ? ", " : "");
            }
            if (o.takesValue()) {
                head.append(' ').append(o.valueName());
            }
            heads.add(head.toString());
            width = Math.max(width, head.length());
        }
        for (int i = 0; i < options.size(); i++) {
            sb.append(heads.get(i)).append(" ".repeat(width - heads.get(i).length() + 2))
                    .append(options.get(i).help()).append('\n');
        }
        return sb.toString();
    }
}
