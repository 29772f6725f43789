package io.karakuri.image.store;

import io.karakuri.image.Digest;
import io.karakuri.image.oci.Platform;
import java.time.Instant;
import java.util.List;

/**
 * A stored image: one platform's manifest and what it points at.
 *
 * @param digest the manifest's digest: what the image is keyed by, and what a pull by digest names
 * @param mediaType the manifest's media type (OCI or Docker schema 2)
 * @param configDigest the config's digest: the image id, as Docker shows it
 * @param size the content size: config plus layer blobs as stored (compressed), what a pull transfers
 * @param unpackedSize the sum of the layers' unpacked sizes, null while any layer is not unpacked
 * @param created the config's "created" as written there (RFC 3339), null if it has none
 * @param added when this store got the image
 * @param names its names, sorted; empty for a dangling image
 * @param layers bottom first
 */
public record Image(Digest digest, String mediaType, Digest configDigest, Platform platform, long size,
        Long unpackedSize, String created, Instant added, List<ImageName> names, List<Layer> layers) {

    public Image {
        names = List.copyOf(names);
        layers = List.copyOf(layers);
    }

    /** The image id: the config digest, as Docker has it. */
    public Digest id() {
        return configDigest;
    }

    /** The 12 hex digits Docker shows. */
    public String shortId() {
        return configDigest.shortHex();
    }

    /** The chain ids of the layers, bottom first: what a container's root file system stacks. */
    public List<Digest> chainIds() {
        return layers.stream().map(Layer::chainId).toList();
    }

    /**
     * One layer of an image.
     *
     * @param chainId the layer with all under it: its key in the store and its directory's name
     * @param diffId the digest of the uncompressed tar, from the config
     * @param blob this image's blob of the layer (another image may carry the same layer compressed otherwise)
     * @param mediaType the blob's media type
     * @param size the blob's size
     * @param unpackedSize what the unpacker reported, null while not unpacked
     * @param path the unpacked directory, relative to the store root ({@code layers/sha256/<hex>}); null while
     *     not unpacked
     * @param references how many stored images use this layer
     */
    public record Layer(Digest chainId, Digest diffId, Digest blob, String mediaType, long size, Long unpackedSize,
            String path, int references) {
    }
}
