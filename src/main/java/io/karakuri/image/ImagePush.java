package io.karakuri.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.Manifest;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageName;
import io.karakuri.image.store.ImageStore;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * `push`: the layers and the config, each skipped when the registry has it (HEAD), mounted from another
 * repository of the same registry the image is known in, or else uploaded; then the manifest, byte for
 * byte as stored, so the image keeps its digest.
 */
final class ImagePush {
    private static final int MAX_MANIFEST = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ImageStore images;

    ImagePush(ImageStore images) {
        this.images = images;
    }

    void push(RegistryClient registry, Image image, Reference target, Consumer<Progress> progress) throws IOException {
        byte[] manifest = images.content().read(image.digest(), MAX_MANIFEST);
        Manifest parsed = JSON.readValue(manifest, Manifest.class); // the descriptors exactly as the manifest has them
        String mountFrom = mountSource(image, target);
        for (Descriptor layer : parsed.layers()) {
            pushBlob(registry, target, layer, mountFrom, progress);
        }
        pushBlob(registry, target, parsed.config(), mountFrom, progress);
        Digest pushed = registry.pushManifest(target, image.mediaType(), manifest);
        progress.accept(Progress.of(target.familiar(), "Pushed " + pushed));
    }

    /**
     * Another repository of the target's registry this image is known under (pulled from there, or pushed):
     * its blobs are there already, so the registry can mount them instead of taking them again. null if none.
     */
    static String mountSource(Image image, Reference target) {
        for (ImageName name : image.names()) {
            Reference known = Reference.parse(name.repository());
            if (known.domain().equals(target.domain()) && !known.repository().equals(target.repository())) {
                return known.repository();
            }
        }
        return null;
    }

    private void pushBlob(RegistryClient registry, Reference target, Descriptor blob, String mountFrom,
            Consumer<Progress> progress) throws IOException {
        String id = blob.parsedDigest().shortHex();
        progress.accept(new Progress(id, "Pushing", 0, blob.size()));
        RegistryClient.BlobPush result = registry.pushBlob(target, blob,
                () -> images.content().open(blob.parsedDigest()), mountFrom);
        progress.accept(Progress.of(id, switch (result) {
            case EXISTS -> "Layer already exists";
            case MOUNTED -> "Mounted";
            case UPLOADED -> "Pushed";
        }));
    }
}
