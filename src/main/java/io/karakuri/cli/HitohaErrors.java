package io.karakuri.cli;

import io.karakuri.json.Json;
import io.karakuri.json.JsonException;

/** The sentence of a refusal from hitoha: its {"message": ...}, or the status when it sent none. */
final class HitohaErrors {
    private HitohaErrors() {
    }

    static String message(HitohaClient.Response r) {
        try {
            Object doc = Json.parse(r.body());
            if (doc instanceof java.util.Map<?, ?> m && m.get("message") instanceof String text) {
                return text;
            }
        } catch (JsonException notJson) {
            // fall through
        }
        return "hitoha answered " + r.status() + (r.body().isBlank() ? "" : ": " + r.body().strip());
    }
}
