package io.karakuri.hitoha;

/**
 * A request hitoha refuses, with the HTTP status that says why and a sentence for the user. The CLI prints
 * the sentence as it is, so it names the thing asked for ("no such image: alpine:3.19").
 */
public class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    public int status() {
        return status;
    }
}
