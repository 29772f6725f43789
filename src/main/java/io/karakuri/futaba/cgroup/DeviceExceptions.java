package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a cgroup v1 devices controller holds once device rules are written to it in order (as futaba
 * does on v1): a default, allow or deny, and exceptions to it, each a device pattern with the access it
 * covers. So a later rule overrides an earlier one, as on v1. This is runc's devices emulator: an "a"
 * rule sets the default and drops every exception; a rule against the default adds its access to its
 * pattern's exception; a rule like the default takes its access out of that same pattern's exception.
 */
final class DeviceExceptions {
    /** Access bits, as the kernel's BPF_DEVCG_ACC_* (and v1's "m", "r", "w"). */
    static final int MKNOD = 1;
    static final int READ = 2;
    static final int WRITE = 4;
    static final int ALL = MKNOD | READ | WRITE;

    /** A device pattern: type 'c' or 'b', major and minor (-1: any). */
    record Device(char type, long major, long minor) {
        @Override
        public String toString() {
            return type + " " + (major < 0 ? "*" : major) + ":" + (minor < 0 ? "*" : minor);
        }
    }

    private boolean defaultAllow;
    private final Map<Device, Integer> exceptions = new LinkedHashMap<>();

    private DeviceExceptions() {
    }

    /** The rules applied in order to a cgroup that starts out denying every device (as runc's emulator). */
    static DeviceExceptions of(List<Spec.DeviceRule> rules) {
        DeviceExceptions state = new DeviceExceptions();
        rules.forEach(state::apply);
        return state;
    }

    boolean defaultAllow() {
        return defaultAllow;
    }

    /** The exceptions, in the order of the rules that made them, with their access bits. */
    Map<Device, Integer> exceptions() {
        return Collections.unmodifiableMap(exceptions);
    }

    private void apply(Spec.DeviceRule rule) {
        if (rule.type().equals("a")) {
            defaultAllow = rule.allow();
            exceptions.clear();
            return;
        }
        Device device = new Device(rule.type().charAt(0), wildcard(rule.major()), wildcard(rule.minor()));
        int access = access(rule.access());
        if (rule.allow() != defaultAllow) {
            exceptions.merge(device, access, (a, b) -> a | b);
        } else {
            refuseHoleInWildcard(device, access, rule.allow());
            int left = exceptions.getOrDefault(device, 0) & ~access;
            if (left == 0) {
                exceptions.remove(device);
            } else {
                exceptions.put(device, left);
            }
        }
    }

    /**
     * v1 takes access out of an exception of the very same pattern only: "deny c 1:3 w" leaves an "allow
     * c 1:* rw" whole, silently. runc refuses such a rule rather than pretend; so does futaba.
     */
    private void refuseHoleInWildcard(Device device, int access, boolean allow) {
        for (Device wider : List.of(new Device(device.type(), -1, device.minor()),
                new Device(device.type(), device.major(), -1), new Device(device.type(), -1, -1))) {
            int covered = exceptions.getOrDefault(wider, 0);
            if (!wider.equals(device) && (covered & access) != 0) {
                throw new FutabaException("linux.resources.devices: \"" + (allow ? "allow " : "deny ") + device
                        + " " + access(access) + "\" would cut a hole in the earlier \"" + (allow ? "deny " : "allow ")
                        + wider + " " + access(covered) + "\", which a devices cgroup cannot do");
            }
        }
    }

    private static long wildcard(Long number) {
        return number == null || number < 0 ? -1 : number;
    }

    private static int access(String rwm) {
        return (rwm.contains("m") ? MKNOD : 0) | (rwm.contains("r") ? READ : 0) | (rwm.contains("w") ? WRITE : 0);
    }

    private static String access(int bits) {
        return ((bits & READ) != 0 ? "r" : "") + ((bits & WRITE) != 0 ? "w" : "") + ((bits & MKNOD) != 0 ? "m" : "");
    }
}
