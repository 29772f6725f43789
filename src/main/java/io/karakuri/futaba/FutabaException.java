package io.karakuri.futaba;

/** An error a user of futaba caused or can act on: printed as one line, exit code 1. */
public class FutabaException extends RuntimeException {
    public FutabaException(String message) {
        super(message);
    }

    public FutabaException(String message, Throwable cause) {
        super(message, cause);
    }
}
