package io.karakuri.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The options of `create` and `run` checked here, before hitoha is asked: a mistake in a port, a command, a
 * restart policy or a size is one clear line, not a container half made. The checked values become the
 * create request of docs/containers.md.
 */
final class ContainerOptions {
    /** A value that cannot be right: printed as it is, one line. */
    static final class BadValue extends RuntimeException {
        BadValue(String message) {
            super(message);
        }
    }

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern SIZE = Pattern.compile("(\\d+(\\.\\d+)?)\\s*([bkmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern RESTART = Pattern.compile("no|on-boot|always|on-failure(:[1-9]\\d{0,5})?");
    private static final Pattern ENV_NAME = Pattern.compile("[^=\\s]+");

    private ContainerOptions() {
    }

    /**
     * The --port lists (each "a,b", the option repeatable): [bind-address:]host:container[:proto] or
     * [bind-address:]host:container/proto, proto tcp or udp; as given, in order.
     */
    static List<String> ports(List<String> options) {
        List<String> ports = new ArrayList<>();
        for (String item : items(options, "--port")) {
            ports.add(port(item));
        }
        return ports;
    }

    private static String port(String spec) {
        String bad = "bad --port \"" + spec + "\": expected [ADDRESS:]HOST_PORT:CONTAINER_PORT[:tcp|udp]";
        List<String> parts = new ArrayList<>(List.of(spec.split(":", -1)));
        String last = parts.getLast();
        int slash = last.indexOf('/');
        String proto = null;
        if (slash >= 0) {
            proto = last.substring(slash + 1);
            parts.set(parts.size() - 1, last.substring(0, slash));
        } else if (parts.size() >= 3 && !last.isEmpty() && !Character.isDigit(last.charAt(0))) {
            proto = parts.removeLast();
        }
        if (proto != null && !proto.equals("tcp") && !proto.equals("udp")) {
            throw new BadValue("bad --port \"" + spec + "\": the protocol is tcp or udp, not \"" + proto + "\"");
        }
        if (parts.size() == 3) {
            if (!IPV4.matcher(parts.getFirst()).matches()) {
                throw new BadValue("bad --port \"" + spec + "\": \"" + parts.getFirst() + "\" is not an IPv4 address");
            }
            parts.removeFirst();
        }
        if (parts.size() != 2) {
            throw new BadValue(bad);
        }
        for (String p : parts) {
            if (!p.matches("\\d{1,5}") || Integer.parseInt(p) < 1 || Integer.parseInt(p) > 65535) {
                throw new BadValue("bad --port \"" + spec + "\": \"" + p + "\" is not a port (1 to 65535)");
            }
        }
        return spec;
    }

    /** The --mount lists: host:container[:ro|rw], the host's path made absolute (hitoha has another directory). */
    static List<String> mounts(List<String> options, Path cwd) {
        List<String> mounts = new ArrayList<>();
        for (String item : items(options, "--mount")) {
            String[] parts = item.split(":", -1);
            if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()
                    || (parts.length == 3 && !parts[2].equals("ro") && !parts[2].equals("rw"))) {
                throw new BadValue("bad --mount \"" + item + "\": expected HOST_PATH:CONTAINER_PATH[:ro|rw]");
            }
            if (!parts[1].startsWith("/")) {
                throw new BadValue("bad --mount \"" + item + "\": the container's path must be absolute");
            }
            String host = cwd.resolve(parts[0]).normalize().toString();
            mounts.add(host + ":" + parts[1] + (parts.length == 3 ? ":" + parts[2] : ""));
        }
        return mounts;
    }

    /** The original's --cmd a,b,c: the arguments of the command, none of them empty. */
    static List<String> cmd(String option) {
        if (option.isEmpty()) {
            throw new BadValue("bad --cmd \"\": expected the command and its arguments, comma-separated (--cmd sh,-c,ls)");
        }
        List<String> cmd = List.of(option.split(",", -1));
        if (cmd.contains("")) {
            throw new BadValue("bad --cmd \"" + option + "\": an empty argument (two commas, or one at an end); "
                    + "for arguments with commas give the command after the image: run IMAGE sh -c 'a,b'");
        }
        return cmd;
    }

    static String restart(String policy) {
        if (policy != null && !RESTART.matcher(policy).matches()) {
            throw new BadValue("bad --restart \"" + policy + "\": expected no, on-boot, always or on-failure[:N]");
        }
        return policy;
    }

    /** A size: digits with a unit b, k, m, g or t (1024M, 512m, 1g, 1.5GiB); as given. */
    static String memory(String size) {
        if (size != null) {
            var m = SIZE.matcher(size.strip());
            if (!m.matches() || Double.parseDouble(m.group(1)) <= 0 || (m.group(4) != null && m.group(3).isEmpty())) {
                throw new BadValue("bad --memory \"" + size + "\": expected a size such as 512M, 1G or 1024m");
            }
        }
        return size;
    }

    static String cpus(String cpus) {
        if (cpus != null && (!cpus.matches("\\d+(\\.\\d+)?|\\.\\d+") || Double.parseDouble(cpus) <= 0)) {
            throw new BadValue("bad --cpus \"" + cpus + "\": expected a number of CPUs above 0, such as 0.8 or 2");
        }
        return cpus;
    }

    static Long pids(String pids) {
        if (pids == null) {
            return null;
        }
        if (!pids.matches("-1|[1-9]\\d{0,9}")) {
            throw new BadValue("bad --pids \"" + pids + "\": expected a number of processes above 0 (or -1: no limit)");
        }
        return Long.parseLong(pids);
    }

    /** --env K=V, or K alone for this process's own value of K (left out when it has none). */
    static List<String> env(List<String> options, Map<String, String> environment) {
        List<String> env = new ArrayList<>();
        for (String e : options) {
            int eq = e.indexOf('=');
            String name = eq < 0 ? e : e.substring(0, eq);
            if (!ENV_NAME.matcher(name).matches()) {
                throw new BadValue("bad --env \"" + e + "\": expected NAME=VALUE");
            }
            if (eq >= 0) {
                env.add(e);
            } else if (environment.get(name) != null) {
                env.add(name + "=" + environment.get(name));
            }
        }
        return env;
    }

    /** The request body of POST /v1/containers; nulls are left out when written. */
    static Map<String, Object> createRequest(Args args, String image, List<String> command, Path cwd,
            Map<String, String> environment) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("image", image);
        body.put("name", args.value("name", null));
        body.put("cmd", command);
        List<String> env = env(args.values("env"), environment);
        body.put("env", env.isEmpty() ? null : env);
        List<String> ports = ports(args.values("port"));
        body.put("ports", ports.isEmpty() ? null : ports);
        List<String> mounts = mounts(args.values("mount"), cwd);
        body.put("mounts", mounts.isEmpty() ? null : mounts);
        body.put("ns", args.value("ns", null));
        body.put("registry", args.value("registry", null));
        body.put("restart", restart(args.value("restart", null)));
        body.put("memory", memory(args.value("memory", null)));
        body.put("cpus", cpus(args.value("cpus", null)));
        body.put("pids", pids(args.value("pids", null)));
        body.put("workdir", args.value("workdir", null));
        body.put("user", args.value("user", null));
        return body;
    }

    private static List<String> items(List<String> options, String option) {
        List<String> items = new ArrayList<>();
        for (String o : options) {
            for (String item : o.split(",", -1)) {
                if (item.isBlank()) {
                    throw new BadValue("bad " + option + " \"" + o + "\": an empty item in the comma list");
                }
                items.add(item.strip());
            }
        }
        return items;
    }
}
