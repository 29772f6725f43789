package io.karakuri.json;

/** A JSON document that is not well formed, or that lacks what the reader needs. */
public class JsonException extends RuntimeException {
    public JsonException(String message) {
        super(message);
    }
}
