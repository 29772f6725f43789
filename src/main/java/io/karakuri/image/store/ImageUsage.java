package io.karakuri.image.store;

import io.karakuri.image.Digest;
import java.util.List;

/**
 * What the container side tells the image store: which containers use an image (so that removing it is
 * refused without force) and which unpacked layers a container's root file system stacks (so that garbage
 * collection never deletes a directory under a container, even after a forced removal).
 */
public interface ImageUsage {
    /** Nothing uses anything: until containers exist. */
    ImageUsage NONE = image -> List.of();

    /** Ids or names of the containers made from image; empty if none. */
    List<String> containersUsing(Image image);

    /** Whether a container's root file system uses the unpacked layer with this chain id. */
    default boolean layerInUse(Digest chainId) {
        return false;
    }
}
