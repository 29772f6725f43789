package io.karakuri.image.store;

import io.karakuri.image.Reference;
import java.util.regex.Pattern;

/**
 * A name an image is stored under: repository and tag, as the image store keeps them. Checked only as
 * far as the store needs (a tag as Docker allows it; a repository without spaces, '@' or a tag of its
 * own); normalizing "alpine" to "docker.io/library/alpine" is the reference parser's business, done
 * before a name gets here.
 */
public record ImageName(String repository, String tag) {
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9._/:-]{1,255}");

    public ImageName {
        if (repository == null || !REPOSITORY.matcher(repository).matches() || repository.startsWith("/")
                || repository.endsWith("/") || repository.contains("//")
                || repository.lastIndexOf(':') > repository.lastIndexOf('/')) {
            throw new IllegalArgumentException("invalid repository name \"" + repository + "\"");
        }
        if (tag == null || !TAG.matcher(tag).matches()) {
            throw new IllegalArgumentException("invalid tag \"" + tag + "\": letters, digits, '_', '.' and '-', "
                    + "at most 128, not starting with '.' or '-'");
        }
    }

    /**
     * A name as a user or an archive writes it, normalized as Docker does ("busybox" is
     * docker.io/library/busybox:latest), so that a pulled, loaded or imported image has one name.
     */
    public static ImageName parse(String text) {
        Reference r = Reference.parse(text);
        if (r.digest() != null) {
            throw new IllegalArgumentException("invalid image name \"" + text + "\": a name with a digest cannot be "
                    + "given to an image (use repository:tag)");
        }
        return new ImageName(r.name(), r.tag() == null ? Reference.DEFAULT_TAG : r.tag());
    }

    /** As Docker shows it: busybox:latest, host:5000/app:1. */
    public String familiar() {
        return familiarRepository() + ":" + tag;
    }

    /** The repository as Docker shows it: busybox, user/app, host:5000/app. */
    public String familiarRepository() {
        return Reference.parse(repository).familiarName();
    }

    @Override
    public String toString() {
        return repository + ":" + tag;
    }
}
