package io.karakuri.image.store;

/**
 * A refused image operation, with a message for the user and a kind the API maps to a status
 * (not found 404, ambiguous 400, conflict and in use 409, invalid content 400).
 */
public final class ImageException extends RuntimeException {
    public enum Kind { NOT_FOUND, AMBIGUOUS, CONFLICT, IN_USE, INVALID }

    private final Kind kind;

    public ImageException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ImageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
