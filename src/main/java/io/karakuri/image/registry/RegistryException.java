package io.karakuri.image.registry;

/**
 * A registry refused or failed a request. The message is a sentence for the user
 * ({@code registry 127.0.0.1:5000: manifest unknown: alpine:3.19}); {@link #status()} and {@link #code()}
 * are there for callers that act on the kind of failure (0 and null when no HTTP answer came).
 */
public class RegistryException extends RuntimeException {
    private final int status;
    private final String code;

    public RegistryException(String message) {
        this(message, 0, null, null);
    }

    public RegistryException(String message, int status, String code, Throwable cause) {
        super(message, cause, false, cause != null);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status the registry answered with, 0 if none. */
    public int status() {
        return status;
    }

    /** The distribution error code ({@code MANIFEST_UNKNOWN}, {@code UNAUTHORIZED}, …), or null. */
    public String code() {
        return code;
    }

    /** True for an answer saying the thing asked for does not exist (404, or a *_UNKNOWN code). */
    public boolean notFound() {
        return status == 404 || (code != null && code.endsWith("_UNKNOWN"));
    }
}
