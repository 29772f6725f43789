package io.karakuri.futaba.spec;

import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Reads a config.json document into a {@link Spec}, naming the member at fault in every error. */
public final class SpecReader {
    private SpecReader() {
    }

    public static Spec read(String json) {
        JsonObject doc = JsonObject.root(Json.parse(json), "config.json");
        List<String> unsupported = new ArrayList<>();
        for (String member : List.of("vm", "hyperv", "windows", "solaris", "zos")) {
            if (doc.has(member)) {
                unsupported.add(member);
            }
        }
        return new Spec(
                doc.string("ociVersion", ""),
                process(doc.object("process"), unsupported),
                root(doc.object("root")),
                doc.string("hostname", null),
                doc.string("domainname", null),
                doc.objects("mounts", (o, i) -> new Spec.Mount(
                        o.requiredString("destination"),
                        o.string("type", ""),
                        o.string("source", ""),
                        o.strings("options"))),
                linux(doc.object("linux"), unsupported),
                doc.stringMap("annotations"),
                hooks(doc.object("hooks")),
                List.copyOf(unsupported));
    }

    /** config.json's hooks member (or state.json's copy of it); null: none. */
    public static Spec.Hooks hooks(JsonObject h) {
        if (h == null) {
            return Spec.Hooks.NONE;
        }
        Function<String, List<Spec.Hook>> list = name -> h.objects(name, (o, i) -> new Spec.Hook(
                o.requiredString("path"), o.strings("args"), o.strings("env"),
                o.integer("timeout") == null ? null : o.integer("timeout").intValue()));
        return new Spec.Hooks(list.apply("prestart"), list.apply("createRuntime"), list.apply("createContainer"),
                list.apply("startContainer"), list.apply("poststart"), list.apply("poststop"));
    }

    /** The hooks as config.json writes them, for state.json. */
    public static Map<String, Object> hooksJson(Spec.Hooks hooks) {
        Map<String, Object> out = new LinkedHashMap<>();
        hooks.byName().forEach((name, list) -> {
            if (!list.isEmpty()) {
                out.put(name, list.stream().map(hook -> {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("path", hook.path());
                    o.put("args", hook.args());
                    o.put("env", hook.env());
                    if (hook.timeout() != null) {
                        o.put("timeout", hook.timeout());
                    }
                    return o;
                }).toList());
            }
        });
        return out;
    }

    /**
     * A process.json, as `futaba exec --process` takes it: the members futaba does not implement yet are
     * added to unsupported.
     */
    public static Spec.Process readProcess(String json, List<String> unsupported) {
        return process(JsonObject.root(Json.parse(json), "process.json"), unsupported);
    }

    private static Spec.Process process(JsonObject p, List<String> unsupported) {
        if (p == null) {
            return null;
        }
        for (String member : List.of("selinuxLabel", "ioPriority", "scheduler",
                "execCPUAffinity")) {
            if (p.has(member)) {
                unsupported.add("process." + member);
            }
        }
        JsonObject u = p.object("user");
        Spec.User user = u == null
                ? new Spec.User(0, 0, List.of())
                : new Spec.User(u.integer("uid", 0), u.integer("gid", 0), u.integers("additionalGids"),
                        u.has("umask") ? u.integer("umask", 0) : null);
        if (u != null && u.has("username")) {
            unsupported.add("process.user.username");
        }
        JsonObject c = p.object("capabilities");
        Spec.Capabilities caps = c == null ? null : new Spec.Capabilities(
                nullable(c, "bounding"), nullable(c, "effective"), nullable(c, "permitted"),
                nullable(c, "inheritable"), nullable(c, "ambient"));
        JsonObject size = p.object("consoleSize");
        return new Spec.Process(
                p.bool("terminal", false),
                size == null ? null : new Spec.ConsoleSize(size.integer("height", 0), size.integer("width", 0)),
                user,
                p.strings("args"),
                p.strings("env"),
                p.string("cwd", ""),
                caps,
                p.objects("rlimits", (o, i) -> new Spec.Rlimit(
                        o.requiredString("type"), o.integer("soft", 0), o.integer("hard", 0))),
                p.bool("noNewPrivileges", false),
                p.integer("oomScoreAdj"),
                p.string("apparmorProfile", null));
    }

    private static List<String> nullable(JsonObject o, String name) {
        return o.has(name) ? o.strings(name) : null;
    }

    private static Spec.Root root(JsonObject r) {
        return r == null ? null : new Spec.Root(r.string("path", ""), r.bool("readonly", false));
    }

    private static Spec.Linux linux(JsonObject l, List<String> unsupported) {
        if (l == null) {
            return new Spec.Linux(List.of(), Spec.Resources.NONE, null, List.of(), List.of(), null, Map.of(), List.of(),
                    List.of(), List.of(), null);
        }
        for (String member : List.of("timeOffsets",
                "intelRdt", "personality", "memoryPolicy", "netDevices")) {
            if (l.has(member) && !empty(l, member)) {
                unsupported.add("linux." + member);
            }
        }
        return new Spec.Linux(
                l.objects("namespaces", (o, i) -> new Spec.Namespace(o.requiredString("type"), o.string("path", null))),
                resources(l.object("resources")),
                l.string("cgroupsPath", null),
                l.strings("maskedPaths"),
                l.strings("readonlyPaths"),
                l.string("rootfsPropagation", null),
                l.stringMap("sysctl"),
                l.objects("devices", (o, i) -> new Spec.Device(o.requiredString("path"), o.requiredString("type"),
                        o.integer("major", 0), o.integer("minor", 0), o.integer("fileMode"), o.integer("uid", 0),
                        o.integer("gid", 0))),
                l.objects("uidMappings", SpecReader::idMapping),
                l.objects("gidMappings", SpecReader::idMapping),
                seccomp(l.object("seccomp"), unsupported));
    }

    private static Spec.Seccomp seccomp(JsonObject s, List<String> unsupported) {
        if (s == null) {
            return null;
        }
        if (s.has("listenerPath") || s.has("listenerMetadata")) {
            unsupported.add("linux.seccomp.listenerPath");
        }
        return new Spec.Seccomp(
                s.string("defaultAction", ""),
                s.integer("defaultErrnoRet"),
                s.strings("architectures"),
                s.strings("flags"),
                s.objects("syscalls", (r, i) -> new Spec.SyscallRule(
                        r.strings("names"),
                        r.requiredString("action"),
                        r.integer("errnoRet"),
                        r.objects("args", (a, j) -> new Spec.SyscallArg(
                                (int) a.integer("index", -1), a.integer("value", 0), a.integer("valueTwo", 0),
                                a.requiredString("op"))))));
    }

    private static Spec.IdMapping idMapping(JsonObject o, int index) {
        return new Spec.IdMapping(o.integer("containerID", -1), o.integer("hostID", -1), o.integer("size", 0));
    }

    /** An empty array (uidMappings: []) or an empty object (sysctl: {}): it asks for nothing. */
    private static boolean empty(JsonObject o, String name) {
        try {
            return o.objects(name, (x, i) -> x).isEmpty();
        } catch (JsonException notAnArray) {
            try {
                return o.stringMap(name).isEmpty();
            } catch (JsonException notAStringMap) {
                return false;
            }
        }
    }

    /** A linux.resources object on its own, as `futaba update --resources` takes it. */
    public static Spec.Resources readResources(String json) {
        return resources(JsonObject.root(Json.parse(json), "resources"));
    }

    private static Spec.Resources resources(JsonObject r) {
        if (r == null) {
            return Spec.Resources.NONE;
        }
        JsonObject m = r.object("memory");
        Spec.Memory memory = m == null ? null : new Spec.Memory(m.integer("limit"), m.integer("reservation"),
                m.integer("swap"), m.integer("kernel"), m.integer("kernelTCP"), m.integer("swappiness"),
                optionalBool(m, "disableOOMKiller"), optionalBool(m, "useHierarchy"),
                optionalBool(m, "checkBeforeUpdate"));
        JsonObject c = r.object("cpu");
        Spec.Cpu cpu = c == null ? null : new Spec.Cpu(c.integer("shares"), c.integer("quota"), c.integer("burst"),
                c.integer("period"), c.integer("realtimeRuntime"), c.integer("realtimePeriod"),
                c.string("cpus", null), c.string("mems", null), c.integer("idle"));
        JsonObject p = r.object("pids");
        Spec.Pids pids = p == null ? null : new Spec.Pids(p.integer("limit", 0));
        List<Spec.DeviceRule> devices = r.objects("devices", (o, i) -> new Spec.DeviceRule(
                o.bool("allow", false), o.string("type", "a"), o.integer("major"), o.integer("minor"),
                o.string("access", "rwm")));
        JsonObject b = r.object("blockIO");
        Spec.BlockIo blockIo = b == null ? null : new Spec.BlockIo(b.integer("weight"), b.integer("leafWeight"),
                b.objects("weightDevice", (o, i) -> new Spec.WeightDevice(o.integer("major", -1),
                        o.integer("minor", -1), o.integer("weight"), o.integer("leafWeight"))),
                throttleDevices(b, "throttleReadBpsDevice"), throttleDevices(b, "throttleWriteBpsDevice"),
                throttleDevices(b, "throttleReadIOPSDevice"), throttleDevices(b, "throttleWriteIOPSDevice"));
        List<Spec.HugepageLimit> hugepages = r.objects("hugepageLimits", (o, i) -> new Spec.HugepageLimit(
                o.requiredString("pageSize"), o.integer("limit", 0)));
        JsonObject n = r.object("network");
        Spec.Network network = n == null ? null : new Spec.Network(n.integer("classID"),
                n.objects("priorities", (o, i) -> new Spec.InterfacePriority(o.requiredString("name"),
                        o.integer("priority", 0))));
        Map<String, Spec.Rdma> rdma = r.objectMap("rdma", (o, device) -> new Spec.Rdma(o.integer("hcaHandles"),
                o.integer("hcaObjects")));
        return new Spec.Resources(memory, cpu, pids, devices, blockIo, hugepages, network, rdma,
                r.stringMap("unified"));
    }

    private static List<Spec.ThrottleDevice> throttleDevices(JsonObject blockIo, String name) {
        return blockIo.objects(name, (o, i) -> new Spec.ThrottleDevice(o.integer("major", -1), o.integer("minor", -1),
                o.integer("rate", 0)));
    }

    /** A boolean member, or null when absent. */
    private static Boolean optionalBool(JsonObject o, String name) {
        return o.has(name) ? o.bool(name, false) : null;
    }
}
