package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.spec.Spec;
import java.util.ArrayList;
import java.util.List;

/**
 * Device cgroup rules as runc applies them: deny every device, then a config's own rules, then the devices
 * every container may use. A config without rules thus gets only those.
 */
final class DeviceRules {
    private static final List<Spec.DeviceRule> ALWAYS_ALLOWED = List.of(
            new Spec.DeviceRule(true, "c", null, null, "m"),
            new Spec.DeviceRule(true, "b", null, null, "m"),
            new Spec.DeviceRule(true, "c", 1L, 3L, "rwm"), // null
            new Spec.DeviceRule(true, "c", 1L, 5L, "rwm"), // zero
            new Spec.DeviceRule(true, "c", 1L, 7L, "rwm"), // full
            new Spec.DeviceRule(true, "c", 1L, 8L, "rwm"), // random
            new Spec.DeviceRule(true, "c", 1L, 9L, "rwm"), // urandom
            new Spec.DeviceRule(true, "c", 5L, 0L, "rwm"), // tty
            new Spec.DeviceRule(true, "c", 5L, 1L, "rwm"), // console
            new Spec.DeviceRule(true, "c", 5L, 2L, "rwm"), // ptmx
            new Spec.DeviceRule(true, "c", 136L, null, "rwm"), // pts/*
            new Spec.DeviceRule(true, "c", 10L, 200L, "rwm")); // net/tun

    private DeviceRules() {
    }

    private static final Spec.DeviceRule DENY_ALL = new Spec.DeviceRule(false, "a", null, null, "rwm");

    static List<Spec.DeviceRule> withDefaults(List<Spec.DeviceRule> rules) {
        List<Spec.DeviceRule> all = new ArrayList<>();
        all.add(DENY_ALL);
        all.addAll(rules);
        all.addAll(ALWAYS_ALLOWED);
        return all;
    }

    /** "c 1:3 rwm", as devices.allow and devices.deny take it. */
    static String v1(Spec.DeviceRule rule) {
        if (rule.type().equals("a")) {
            return "a";
        }
        return rule.type() + " " + (rule.major() == null || rule.major() < 0 ? "*" : rule.major()) + ":"
                + (rule.minor() == null || rule.minor() < 0 ? "*" : rule.minor()) + " " + rule.access();
    }
}
