package io.karakuri;

/** The release, filled in by the build (a constant: reading a resource would open the jar at start-up). */
public final class Version {
    public static final String VERSION = "${project.version}";

    private Version() {
    }
}
