package io.karakuri.image.store;

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
     * "repository:tag" as archives write it (RepoTags, ref.name annotations); a missing tag is "latest".
     * A port in the registry host ("localhost:5000/app") is not taken for a tag.
     */
    public static ImageName parse(String text) {
        int slash = text.lastIndexOf('/');
        int colon = text.lastIndexOf(':');
        if (colon > slash) {
            return new ImageName(text.substring(0, colon), text.substring(colon + 1));
        }
        return new ImageName(text, "latest");
    }

    @Override
    public String toString() {
        return repository + ":" + tag;
    }
}
