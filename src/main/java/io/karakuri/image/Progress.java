package io.karakuri.image;

/**
 * One step of a pull or push, as the CLI shows it per layer: id is the blob's 12 hex digits (or the
 * reference for the image as a whole), status a few words ("Downloading", "Pull complete"), current and
 * total bytes (0 when not a transfer).
 */
public record Progress(String id, String status, long current, long total) {
    public static Progress of(String id, String status) {
        return new Progress(id, status, 0, 0);
    }
}
