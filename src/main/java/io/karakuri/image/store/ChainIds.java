package io.karakuri.image.store;

import io.karakuri.image.Digest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Chain ids (OCI image spec, config.md "Layer ChainID"): the identity of a layer together with every
 * layer under it, which is what an unpacked layer directory holds and so what it is keyed by.
 * {@code ChainID(L0) = DiffID(L0)}, {@code ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))}.
 */
public final class ChainIds {
    private ChainIds() {
    }

    /** The chain id of a layer with diff id diffId on top of the chain parent (null: the bottom layer). */
    public static Digest of(Digest parent, Digest diffId) {
        if (parent == null) {
            return diffId;
        }
        return Digest.sha256((parent + " " + diffId).getBytes(StandardCharsets.US_ASCII));
    }

    /** The chain id of each layer of an image, bottom first, from its config's diff ids. */
    public static List<Digest> of(List<Digest> diffIds) {
        List<Digest> chain = new ArrayList<>(diffIds.size());
        Digest parent = null;
        for (Digest diffId : diffIds) {
            parent = of(parent, diffId);
            chain.add(parent);
        }
        return List.copyOf(chain);
    }
}
