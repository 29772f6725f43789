package io.karakuri.image.registry;

import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.Index;
import io.karakuri.image.oci.Platform;
import java.util.Locale;
import java.util.stream.Collectors;

/** The host's platform, the {@code os:arch[:variant]} option, and choosing a manifest from an index. */
public final class Platforms {
    private Platforms() {
    }

    /** The platform this JVM runs on, as OCI names it: linux/amd64, linux/arm64/v8, … */
    public static Platform host() {
        String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "amd64").toLowerCase(Locale.ROOT);
        return normalize(Platform.of(os.startsWith("linux") ? "linux" : os, arch, null));
    }

    /** Parses {@code os:arch[:variant]} (the --os option) or {@code os/arch[/variant]}. */
    public static Platform parse(String text) {
        String[] parts = text.split("[:/]", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isBlank() || parts[1].isBlank()
                || (parts.length == 3 && parts[2].isBlank())) {
            throw new IllegalArgumentException("invalid platform \"" + text + "\": os:arch[:variant] expected, as linux:amd64 or linux:arm:v7");
        }
        return normalize(Platform.of(parts[0].toLowerCase(Locale.ROOT), parts[1].toLowerCase(Locale.ROOT),
                parts.length == 3 ? parts[2].toLowerCase(Locale.ROOT) : null));
    }

    /** The names Go uses (amd64, arm64, 386), the variant arm64 has by default (v8) as containerd does. */
    public static Platform normalize(Platform p) {
        String arch = switch (p.architecture() == null ? "" : p.architecture()) {
            case "x86_64", "x86-64" -> "amd64";
            case "aarch64" -> "arm64";
            case "i386", "i686", "x86" -> "386";
            case "armhf" -> "arm";
            default -> p.architecture();
        };
        String variant = p.variant() == null || p.variant().isEmpty() ? null : p.variant();
        if (arch != null && arch.equals("arm64") && variant == null) {
            variant = "v8";
        }
        if ("armhf".equals(p.architecture()) && variant == null) {
            variant = "v7";
        }
        return new Platform(arch, p.os(), variant, p.osVersion(), p.osFeatures());
    }

    /** Whether an index entry's platform serves the wanted one; a wanted platform without variant takes any. */
    public static boolean matches(Platform wanted, Platform entry) {
        if (entry == null) {
            return false;
        }
        Platform w = normalize(wanted);
        Platform e = normalize(entry);
        if (!w.os().equals(e.os()) || !w.architecture().equals(e.architecture())) {
            return false;
        }
        return w.variant() == null || w.variant().equals(e.variant());
    }

    /** The index's manifest for the platform; a clear error listing what the index has when none fits. */
    public static Descriptor select(Index index, Platform wanted, String what) {
        for (Descriptor d : index.manifests()) {
            if (matches(wanted, d.platform())) {
                return d;
            }
        }
        String available = index.manifests().stream()
                .map(d -> d.platform() == null ? "unknown" : d.platform().toString())
                .distinct().collect(Collectors.joining(", "));
        throw new RegistryException(what + " has no image for " + wanted + " (it has: "
                + (available.isEmpty() ? "none" : available) + ")");
    }
}
