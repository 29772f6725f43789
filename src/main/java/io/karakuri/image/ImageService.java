package io.karakuri.image;

import io.karakuri.image.archive.ImageArchive;
import io.karakuri.image.archive.RootfsImport;
import io.karakuri.image.layer.LayerUnpacker;
import io.karakuri.image.layer.UnpackResult;
import io.karakuri.image.oci.Platform;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.store.ContentStore;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageException;
import io.karakuri.image.store.ImageName;
import io.karakuri.image.store.ImageStore;
import io.karakuri.state.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The image half of karakuri's engine: what `karakuri images`, `rmi`, `tag`, `save`, `load` and `import` do,
 * on the content store, the image records and the layer unpacker. hitoha serves it; it knows nothing of
 * HTTP. Every image it reports has its layers unpacked, ready to be stacked under a container.
 */
public final class ImageService implements AutoCloseable {
    private final Database db;
    private final ImageStore images;
    private final ImageArchive archive;
    private final LayerUnpacker unpacker = new LayerUnpacker();
    private final Map<Digest, Object> unpacking = new ConcurrentHashMap<>();
    private final Set<Digest> pendingLayers = ConcurrentHashMap.newKeySet();
    private final RegistryClient registry;

    private ImageService(Database db, ImageStore images, RegistryClient registry) {
        this.db = db;
        this.images = images;
        this.archive = new ImageArchive(images);
        this.registry = registry;
    }

    /** Opens the store under root without a registry client: everything but pull and push. */
    public static ImageService open(Path root) throws IOException, SQLException {
        return open(root, null);
    }

    /**
     * Opens the store under root (its database, blobs and layers) and sweeps what a crash left half made;
     * pull and push go through registry (the caller closes it).
     */
    public static ImageService open(Path root, RegistryClient registry) throws IOException, SQLException {
        Database db = Database.open(root.resolve("karakuri.db"));
        try {
            ImageStore images = new ImageStore(db, new ContentStore(root));
            images.collectGarbage();
            return new ImageService(db, images, registry);
        } catch (IOException | SQLException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The database the images are kept in, which the rest of hitoha's state shares. */
    public Database database() {
        return db;
    }

    public ImageStore store() {
        return images;
    }

    public List<ImageStore.Row> list() throws SQLException {
        return images.rows();
    }

    /** An image by name ("busybox", "repo:tag"), by id (12 or more hex digits, "sha256:" optional) or digest. */
    public Image find(String ref) throws SQLException {
        return lookup(ref).orElseThrow(() -> new ImageException(ImageException.Kind.NOT_FOUND, "no such image: " + ref));
    }

    private Optional<Image> lookup(String ref) throws SQLException {
        String hex = ref.startsWith("sha256:") ? ref.substring(7) : ref;
        if (ref.startsWith("sha256:") && hex.length() == 64) {
            return images.findByDigest(Digest.parse(ref));
        }
        if (hex.matches("[a-f0-9]{12,64}")) {
            Optional<Image> byId = images.findById(hex);
            if (byId.isPresent() || ref.startsWith("sha256:")) {
                return byId;
            }
        }
        Reference reference = Reference.parse(ref);
        if (reference.digest() != null) { // name@sha256:…: the digest decides, as with Docker
            return images.findByDigest(reference.digest());
        }
        return images.findByName(ImageName.parse(ref));
    }

    /** rmi: by name only that name goes unless it is the last; by id the image goes (refused while in use). */
    public ImageStore.Removal remove(String ref, boolean force) throws SQLException, IOException {
        Image image = find(ref);
        boolean byName = image.names().stream().anyMatch(n -> n.equals(nameOrNull(ref)));
        return byName ? images.remove(ImageName.parse(ref), force) : images.remove(image, force);
    }

    public Image tag(String source, String target) throws SQLException {
        Image image = find(source);
        images.tag(image, ImageName.parse(target));
        return find(target);
    }

    public void save(List<String> refs, ImageArchive.Format format, OutputStream out) throws SQLException, IOException {
        if (refs.isEmpty()) {
            throw new IllegalArgumentException("name at least one image to save");
        }
        List<ImageArchive.Selection> selections = new ArrayList<>();
        for (String ref : refs) {
            Image image = find(ref);
            ImageName named = nameOrNull(ref);
            List<ImageName> names = named != null && image.names().contains(named) ? List.of(named) : image.names();
            selections.add(new ImageArchive.Selection(image, names));
        }
        archive.save(selections, format, out);
    }

    /** load: the images of a docker save or OCI layout tar, unpacked. */
    public List<Image> load(InputStream in) throws SQLException, IOException {
        List<Image> loaded = new ArrayList<>();
        for (Image image : archive.load(in).images()) {
            loaded.add(unpack(image));
        }
        return loaded;
    }

    /** import: a one-layer image from a root file system tarball, named name (or dangling when null). */
    public Image importRootfs(InputStream in, String name, String comment) throws SQLException, IOException {
        List<ImageName> names = name == null ? List.of() : List.of(ImageName.parse(name));
        return unpack(RootfsImport.importRootfs(images, in, names, comment));
    }

    /**
     * pull: the image a reference names, for platform (null: the registry client's default, the host's),
     * stored and unpacked; progress hears of each layer.
     */
    public Image pull(String ref, Platform platform, Consumer<Progress> progress) throws IOException, SQLException {
        Reference reference = Reference.parse(ref);
        Image image = new ImagePull(images, unpacker, unpacking, pendingLayers)
                .pull(registry(), reference, platform, progress);
        return unpack(image); // a layer another pull was unpacking, and then gave up
    }

    /**
     * push: the image ref names, to its own registry or, with registry ("host:port"), to that registry under
     * the same repository path and tag.
     */
    public Reference push(String ref, String registry, Consumer<Progress> progress) throws IOException, SQLException {
        Image image = find(ref);
        Reference source = Reference.parse(ref);
        if (source.digest() != null || source.tag() == null) {
            throw new IllegalArgumentException("name the image to push by repository:tag, not " + ref);
        }
        String path = source.domain().equals(Reference.DOCKER_HUB) ? source.familiarName() : source.repository();
        Reference target = registry == null ? source : Reference.parse(registry + "/" + path + ":" + source.tag());
        new ImagePush(images).push(registry(), image, target, progress);
        return target;
    }

    private RegistryClient registry() {
        if (registry == null) {
            throw new IllegalStateException("this image service has no registry client");
        }
        return registry;
    }

    /**
     * Unpacks each layer not unpacked yet, bottom first, from its blob. One unpack per layer at a time: two
     * images sharing a layer wait for each other, and the second finds it done.
     */
    public Image unpack(Image image) throws SQLException, IOException {
        for (Image.Layer layer : image.layers()) {
            synchronized (unpacking.computeIfAbsent(layer.chainId(), k -> new Object())) {
                if (pendingLayers.contains(layer.chainId()) || isUnpacked(image.digest(), layer.chainId())) {
                    continue;
                }
                Long left = images.keptLayerSize(layer.chainId());
                if (left != null && Files.isDirectory(images.layerDirectory(layer.chainId()))) {
                    images.markUnpacked(layer.chainId(), left); // a failed pull unpacked it
                    continue;
                }
                images.discardUnmarkedLayerDirectory(layer.chainId());
                try (InputStream blob = images.content().open(layer.blob())) {
                    UnpackResult result = unpacker.unpack(blob, layer.mediaType(), layer.blob(), layer.diffId(),
                            images.layerDirectory(layer.chainId()));
                    images.markUnpacked(layer.chainId(), result.size());
                }
            }
        }
        return images.findByDigest(image.digest()).orElseThrow();
    }

    private boolean isUnpacked(Digest image, Digest chainId) throws SQLException {
        return images.findByDigest(image).orElseThrow().layers().stream()
                .anyMatch(l -> l.chainId().equals(chainId) && l.unpackedSize() != null);
    }

    private static ImageName nameOrNull(String text) {
        try {
            return ImageName.parse(text);
        } catch (IllegalArgumentException notAName) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new UncheckedIOException(new IOException("cannot close the state database: " + e.getMessage(), e));
        }
    }
}
