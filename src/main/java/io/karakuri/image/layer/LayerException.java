package io.karakuri.image.layer;

import java.io.IOException;

/**
 * A layer that could not be unpacked: a digest that does not match, a corrupt or truncated stream, or a
 * member that is refused, named in the message ({@code layer sha256:…: entry "../x": path leaves the
 * layer}). Nothing of the layer is left on disk when it is thrown.
 */
public final class LayerException extends IOException {
    public LayerException(String message, Throwable cause) {
        super(message, cause);
    }
}
