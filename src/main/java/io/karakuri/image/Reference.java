package io.karakuri.image;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image reference, parsed as Docker's distribution/reference does ({@code ParseNormalizedNamed}):
 * {@code alpine} is {@code docker.io/library/alpine:latest}, {@code user/app} is
 * {@code docker.io/user/app:latest}, {@code host:5000/a/b:tag}, {@code localhost/x},
 * {@code name@sha256:…} and {@code name:tag@sha256:…}.
 *
 * <p>The first path component is a registry domain when it contains a {@code .} or a {@code :}, is
 * {@code localhost}, or has an upper-case letter (which then fails as a domain name only if it is not one);
 * otherwise the reference is on Docker Hub. A reference with a digest and no tag keeps no tag; one with
 * neither gets {@code latest}.
 *
 * @param domain     the registry as written: {@code docker.io}, {@code host:5000}, {@code localhost}
 * @param repository the path inside it: {@code library/alpine}, {@code a/b}
 * @param tag        the tag, or null when only a digest names the image
 * @param digest     the digest, or null
 */
public record Reference(String domain, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    /** Where Docker Hub's registry API answers. */
    public static final String DOCKER_HUB_API = "registry-1.docker.io";
    public static final String DEFAULT_TAG = "latest";

    private static final int NAME_MAX = 255;
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*"
                    + "|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");

    public Reference {
        if (domain == null || repository == null) {
            throw new IllegalArgumentException("a reference needs a domain and a repository");
        }
        if (tag != null && !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("invalid tag \"" + tag + "\": [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} expected");
        }
    }

    /** Parses a reference as the docker CLI does; IllegalArgumentException naming the bad part. */
    public static Reference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("invalid reference \"\": repository name must have at least one component");
        }
        if (HEX64.matcher(text).matches()) {
            throw bad(text, "cannot specify 64-byte hexadecimal strings as a repository name");
        }
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String d = rest.substring(at + 1);
            try {
                digest = Digest.parse(d);
            } catch (IllegalArgumentException e) {
                throw bad(text, e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw bad(text, "invalid tag \"" + tag + "\": [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} expected");
            }
        }
        if (rest.isEmpty()) {
            throw bad(text, "repository name must have at least one component");
        }
        // Docker's splitDockerDomain
        String domain;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? rest : rest.substring(0, slash);
        if (slash < 0 || (first.indexOf('.') < 0 && first.indexOf(':') < 0 && !first.equals("localhost")
                && first.toLowerCase(Locale.ROOT).equals(first))) {
            domain = DOCKER_HUB;
            path = rest;
        } else {
            domain = first;
            path = rest.substring(slash + 1);
            if (!DOMAIN.matcher(domain).matches()) {
                throw bad(text, "invalid registry domain \"" + domain + "\"");
            }
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (!path.toLowerCase(Locale.ROOT).equals(path)) {
            throw bad(text, "repository name must be lowercase");
        }
        if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            path = "library/" + path;
        }
        for (String component : path.split("/", -1)) {
            if (component.isEmpty()) {
                throw bad(text, "empty path component in repository name \"" + path + "\"");
            }
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw bad(text, "invalid repository path component \"" + component
                        + "\": lowercase letters and digits, separated by '.', '_', '__' or '-'");
            }
        }
        if (domain.length() + 1 + path.length() > NAME_MAX) {
            throw bad(text, "repository name must not be more than " + NAME_MAX + " characters");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new Reference(domain, path, tag, digest);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("invalid reference \"" + text + "\": " + why);
    }

    /** The host (and port) the registry API is reached at: Docker Hub's is registry-1.docker.io. */
    public String registryHost() {
        return domain.equals(DOCKER_HUB) ? DOCKER_HUB_API : domain;
    }

    /** domain/repository: {@code docker.io/library/alpine}. */
    public String name() {
        return domain + "/" + repository;
    }

    /** The name as Docker shows it: {@code alpine}, {@code user/app}, {@code host:5000/a/b}. */
    public String familiarName() {
        if (!domain.equals(DOCKER_HUB)) {
            return name();
        }
        return repository.startsWith("library/") && repository.indexOf('/', 8) < 0 ? repository.substring(8) : repository;
    }

    /** As Docker shows it: {@code alpine:latest}, {@code host:5000/a/b:tag}, {@code alpine@sha256:…}. */
    public String familiar() {
        return familiarName() + suffix();
    }

    /** What names the manifest in the API's {@code /manifests/<reference>}: the digest if any, else the tag. */
    public String identifier() {
        return digest != null ? digest.toString() : tag;
    }

    public Reference withTag(String newTag) {
        return new Reference(domain, repository, newTag, digest);
    }

    public Reference withDigest(Digest newDigest) {
        return new Reference(domain, repository, tag, newDigest);
    }

    /** The same repository with neither tag nor digest (toString gives just the name). */
    public Reference repositoryOnly() {
        return new Reference(domain, repository, null, null);
    }

    private String suffix() {
        return (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    /** The canonical form: {@code docker.io/library/alpine:latest}. */
    @Override
    public String toString() {
        return name() + suffix();
    }
}
