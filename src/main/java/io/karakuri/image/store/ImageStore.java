package io.karakuri.image.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.layer.Trees;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.ImageConfig;
import io.karakuri.image.oci.Manifest;
import io.karakuri.image.oci.Platform;
import io.karakuri.state.Database;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Image records: which images are stored, under which names, and which layers they stack; kept in the
 * state {@link Database}, the bytes in the {@link ContentStore}.
 *
 * <p>An image is added from content already in the content store ({@link #add}: the manifest and the config
 * are read from there, every blob they name must be present), so the record can never say more than the
 * store holds. A name (repository + tag) points at one image; tagging an image with a name another image
 * has moves the name, leaving the other image dangling as Docker does.
 *
 * <p>Layers are keyed by chain id; an image's layers are its rows in {@code image_layers}, so a layer's
 * reference count is derived, never kept. Removal deletes the records in one transaction, then collects
 * garbage: blobs no image names any more and layers no image stacks (and no container uses, per
 * {@link ImageUsage}), their unpacked directories with them. All deletion of content goes through
 * {@link #collect}, under the same lock as {@link #add}'s check that its blobs are present.
 *
 * <p>Unpacking is not done here: layers are recorded with no path; whoever unpacks a layer into
 * {@link #layerDirectory} reports it with {@link #markUnpacked}.
 */
public final class ImageStore {
    public static final String COMPONENT = "images";
    private static final int MAX_JSON = 4 << 20;
    private static final Pattern HEX_PREFIX = Pattern.compile("[a-f0-9]{1,64}");

    static final List<Database.Migration> MIGRATIONS = List.of(Database.Migration.sql(1, "images, names and layers",
            """
            CREATE TABLE images (
                manifest_digest TEXT    PRIMARY KEY,
                media_type      TEXT    NOT NULL,
                config_digest   TEXT    NOT NULL,
                os              TEXT    NOT NULL,
                architecture    TEXT    NOT NULL,
                variant         TEXT,
                size            INTEGER NOT NULL,
                created         TEXT,
                added           TEXT    NOT NULL)""",
            "CREATE INDEX images_by_config ON images (config_digest)",
            """
            CREATE TABLE image_names (
                repository      TEXT NOT NULL,
                tag             TEXT NOT NULL,
                manifest_digest TEXT NOT NULL REFERENCES images (manifest_digest) ON DELETE CASCADE,
                PRIMARY KEY (repository, tag))""",
            "CREATE INDEX image_names_by_image ON image_names (manifest_digest)",
            """
            CREATE TABLE layers (
                chain_id      TEXT    PRIMARY KEY,
                diff_id       TEXT    NOT NULL,
                blob_digest   TEXT    NOT NULL,
                media_type    TEXT    NOT NULL,
                size          INTEGER NOT NULL,
                unpacked_size INTEGER,
                path          TEXT)""",
            """
            CREATE TABLE image_layers (
                manifest_digest TEXT    NOT NULL REFERENCES images (manifest_digest) ON DELETE CASCADE,
                position        INTEGER NOT NULL,
                chain_id        TEXT    NOT NULL REFERENCES layers (chain_id),
                blob_digest     TEXT    NOT NULL,
                media_type      TEXT    NOT NULL,
                size            INTEGER NOT NULL,
                PRIMARY KEY (manifest_digest, position))""",
            "CREATE INDEX image_layers_by_chain ON image_layers (chain_id)",
            "CREATE INDEX image_layers_by_blob ON image_layers (blob_digest)"),
            Database.Migration.sql(2, "content kept for the next pull", """
            CREATE TABLE kept (
                item  TEXT    PRIMARY KEY,
                until INTEGER NOT NULL,
                size  INTEGER)"""));

    /** How long complete content of a pull that failed is kept for the next pull to reuse. */
    static final Duration KEEP = Duration.ofHours(24);

    private final Database db;
    private final ContentStore content;
    private final Path layers;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ReentrantLock contentLock = new ReentrantLock();
    private volatile ImageUsage usage = ImageUsage.NONE;

    /** Opens the image records in db (creating or migrating their tables) over content. */
    public ImageStore(Database db, ContentStore content) throws SQLException, IOException {
        this.db = db;
        this.content = content;
        this.layers = content.root().resolve("layers");
        Files.createDirectories(layers.resolve("sha256"));
        db.migrate(COMPONENT, MIGRATIONS);
    }

    public ContentStore content() {
        return content;
    }

    /** Tells the store which containers use what; until then nothing is in use. */
    public void setUsage(ImageUsage usage) {
        this.usage = usage;
    }

    /** Where the layer with this chain id is (or is to be) unpacked. */
    public Path layerDirectory(Digest chainId) {
        return layers.resolve(chainId.algorithm()).resolve(chainId.hex());
    }

    // ---------------------------------------------------------------------------------------------- adding

    /**
     * Records the image whose manifest is stored under manifestDigest, with names (moved here from any image
     * that had them). Reads the manifest and config from the content store; refuses (INVALID) what is not a
     * single-platform image manifest, a config whose diff ids do not match the layers, and a missing or
     * short blob. Adding a stored image again only adds the names. One transaction.
     */
    public Image add(Digest manifestDigest, List<ImageName> names) throws IOException, SQLException {
        byte[] manifestBytes = content.read(manifestDigest, MAX_JSON);
        Manifest manifest = parse(manifestBytes, Manifest.class, "manifest " + manifestDigest);
        String mediaType = manifest.mediaType();
        if (mediaType == null && manifest.config() != null) {
            mediaType = MediaTypes.DOCKER_CONFIG.equals(manifest.config().mediaType())
                    ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
        }
        if (!MediaTypes.isManifest(mediaType) || manifest.config() == null) {
            throw invalid("blob " + manifestDigest + " is not an image manifest (media type " + mediaType
                    + "); an index must be resolved to one platform's manifest first");
        }
        Descriptor configDescriptor = manifest.config();
        Digest configDigest = digestOf(configDescriptor, "config");
        requireBlob(configDescriptor, configDigest);
        ImageConfig config = parse(content.read(configDigest, MAX_JSON), ImageConfig.class, "config " + configDigest);
        List<Digest> diffIds = new ArrayList<>();
        if (config.rootfs() != null) {
            for (String d : config.rootfs().diffIds()) {
                try {
                    diffIds.add(Digest.parse(d));
                } catch (IllegalArgumentException e) {
                    throw invalid("config " + configDigest + ": " + e.getMessage());
                }
            }
        }
        if (diffIds.size() != manifest.layers().size()) {
            throw invalid("manifest " + manifestDigest + " has " + manifest.layers().size() + " layers but its config "
                    + diffIds.size() + " diff ids");
        }
        List<Digest> chainIds = ChainIds.of(diffIds);
        List<Digest> blobs = new ArrayList<>();
        long size = configDescriptor.size();
        for (Descriptor layer : manifest.layers()) {
            Digest blob = digestOf(layer, "layer");
            blobs.add(blob);
            size += layer.size();
        }
        Platform platform = Platform.of(nonNull(config.os(), "linux"), nonNull(config.architecture(), "unknown"),
                config.variant());
        String finalMediaType = mediaType;
        long finalSize = size;
        contentLock.lock();
        try {
            // checked under the lock collection takes, so no removal deletes them between check and commit
            requireBlob(Descriptor.of(mediaType, manifestDigest, manifestBytes.length), manifestDigest);
            for (int i = 0; i < blobs.size(); i++) {
                requireBlob(manifest.layers().get(i), blobs.get(i));
            }
            db.run(c -> {
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO images (manifest_digest, media_type, config_digest, os, architecture, variant,
                                            size, created, added)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
                    ps.setString(1, manifestDigest.toString());
                    ps.setString(2, finalMediaType);
                    ps.setString(3, configDigest.toString());
                    ps.setString(4, platform.os());
                    ps.setString(5, platform.architecture());
                    ps.setString(6, platform.variant());
                    ps.setLong(7, finalSize);
                    ps.setString(8, config.created());
                    ps.setString(9, Instant.now().toString());
                    if (ps.executeUpdate() == 1) {
                        insertLayers(c, manifestDigest, manifest.layers(), blobs, diffIds, chainIds);
                    }
                }
                for (ImageName name : names) {
                    setName(c, name, manifestDigest);
                }
                // an image uses them now: from here on they go as the image's content, not by the clock
                try (PreparedStatement unkeep = c.prepareStatement("DELETE FROM kept WHERE item = ?")) {
                    for (String item : keptItems(manifestDigest, configDigest, blobs, chainIds)) {
                        unkeep.setString(1, item);
                        unkeep.executeUpdate();
                    }
                }
            });
        } finally {
            contentLock.unlock();
        }
        return findByDigest(manifestDigest).orElseThrow();
    }

    private static void insertLayers(Connection c, Digest manifestDigest, List<Descriptor> descriptors, List<Digest> blobs,
            List<Digest> diffIds, List<Digest> chainIds) throws SQLException {
        try (PreparedStatement layer = c.prepareStatement("""
                INSERT INTO layers (chain_id, diff_id, blob_digest, media_type, size) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING""");
                PreparedStatement use = c.prepareStatement("""
                        INSERT INTO image_layers (manifest_digest, position, chain_id, blob_digest, media_type, size)
                        VALUES (?, ?, ?, ?, ?, ?)""")) {
            for (int i = 0; i < blobs.size(); i++) {
                Descriptor d = descriptors.get(i);
                layer.setString(1, chainIds.get(i).toString());
                layer.setString(2, diffIds.get(i).toString());
                layer.setString(3, blobs.get(i).toString());
                layer.setString(4, d.mediaType());
                layer.setLong(5, d.size());
                layer.executeUpdate();
                use.setString(1, manifestDigest.toString());
                use.setInt(2, i);
                use.setString(3, chainIds.get(i).toString());
                use.setString(4, blobs.get(i).toString());
                use.setString(5, d.mediaType());
                use.setLong(6, d.size());
                use.executeUpdate();
            }
        }
    }

    private void requireBlob(Descriptor d, Digest digest) throws IOException {
        if (!content.has(digest)) {
            throw invalid("blob " + digest + " (" + d.mediaType() + ") is not in the content store");
        }
        long size = content.size(digest);
        if (size != d.size()) {
            throw invalid("blob " + digest + " is stored with " + size + " bytes, its descriptor says " + d.size());
        }
    }

    private static Digest digestOf(Descriptor d, String what) {
        try {
            return d.parsedDigest();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid(what + " descriptor: " + e.getMessage());
        }
    }

    /** The image's config (entrypoint, cmd, env, user, working directory). */
    public ImageConfig config(Image image) throws IOException {
        return parse(content.read(image.configDigest(), MAX_JSON), ImageConfig.class, "config " + image.configDigest());
    }

    private <T> T parse(byte[] bytes, Class<T> type, String what) {
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw invalid(what + " is not valid JSON: " + e.getMessage());
        }
    }

    private static String nonNull(String s, String otherwise) {
        return s == null || s.isEmpty() ? otherwise : s;
    }

    private static ImageException invalid(String message) {
        return new ImageException(ImageException.Kind.INVALID, message);
    }

    // ---------------------------------------------------------------------------------------------- finding

    /** Every image, newest first (by the config's created, then when added). */
    public List<Image> list() throws SQLException {
        return db.transaction(c -> {
            List<Image> all = new ArrayList<>();
            for (String digest : strings(c, "SELECT manifest_digest FROM images ORDER BY created DESC, added DESC")) {
                all.add(load(c, digest));
            }
            return all;
        });
    }

    /** A line of {@code images}: one per name, and one with null repository and tag for a dangling image. */
    public record Row(String repository, String tag, String id, long size, Long unpackedSize, String created,
            Image image) {
    }

    /** The rows of {@code images}: REPOSITORY, TAG, ID (12 hex of the config digest), SIZE, CREATED. */
    public List<Row> rows() throws SQLException {
        List<Row> rows = new ArrayList<>();
        for (Image image : list()) {
            if (image.names().isEmpty()) {
                rows.add(new Row(null, null, image.shortId(), image.size(), image.unpackedSize(), image.created(), image));
            }
            for (ImageName name : image.names()) {
                rows.add(new Row(name.repository(), name.tag(), image.shortId(), image.size(), image.unpackedSize(),
                        image.created(), image));
            }
        }
        return rows;
    }

    public Optional<Image> findByName(ImageName name) throws SQLException {
        return db.transaction(c -> {
            List<String> found = strings(c, "SELECT manifest_digest FROM image_names WHERE repository = ? AND tag = ?",
                    name.repository(), name.tag());
            return found.isEmpty() ? Optional.empty() : Optional.of(load(c, found.getFirst()));
        });
    }

    /** The image whose manifest digest is digest, or else the one whose config digest (id) is. */
    public Optional<Image> findByDigest(Digest digest) throws SQLException {
        return db.transaction(c -> {
            List<String> found = strings(c, "SELECT manifest_digest FROM images WHERE manifest_digest = ?", digest.toString());
            if (found.isEmpty()) {
                found = strings(c, "SELECT manifest_digest FROM images WHERE config_digest = ?", digest.toString());
            }
            if (found.size() > 1) {
                throw ambiguous(digest.toString(), found);
            }
            return found.isEmpty() ? Optional.empty() : Optional.of(load(c, found.getFirst()));
        });
    }

    /**
     * The image whose id (config digest) starts with prefix ("sha256:" optional): empty if none, AMBIGUOUS
     * if more than one image matches (two manifests may share a config: then the digest tells them apart).
     */
    public Optional<Image> findById(String prefix) throws SQLException {
        String hex = prefix.startsWith("sha256:") ? prefix.substring(7) : prefix;
        if (!HEX_PREFIX.matcher(hex).matches()) {
            return Optional.empty();
        }
        return db.transaction(c -> {
            // hex is [a-f0-9]+: nothing LIKE would read as a wildcard
            List<String> found = strings(c, "SELECT manifest_digest FROM images WHERE config_digest LIKE ?",
                    "sha256:" + hex + "%");
            if (found.size() > 1) {
                throw ambiguous(prefix, found);
            }
            return found.isEmpty() ? Optional.empty() : Optional.of(load(c, found.getFirst()));
        });
    }

    private ImageException ambiguous(String what, List<String> manifests) throws SQLException {
        return new ImageException(ImageException.Kind.AMBIGUOUS, "\"" + what + "\" matches " + manifests.size()
                + " images (manifests " + String.join(", ", manifests) + "): give more of the id, or a digest");
    }

    // ---------------------------------------------------------------------------------------------- naming

    /** Gives image the name, moving it from whichever image had it. */
    public void tag(Image image, ImageName name) throws SQLException {
        db.run(c -> {
            if (strings(c, "SELECT manifest_digest FROM images WHERE manifest_digest = ?", image.digest().toString()).isEmpty()) {
                throw new ImageException(ImageException.Kind.NOT_FOUND, "image " + image.digest() + " is not stored");
            }
            setName(c, name, image.digest());
        });
    }

    /** Removes a name, leaving its image (dangling if that was its last name); false if no image had it. */
    public boolean untag(ImageName name) throws SQLException {
        return db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM image_names WHERE repository = ? AND tag = ?")) {
                ps.setString(1, name.repository());
                ps.setString(2, name.tag());
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static void setName(Connection c, ImageName name, Digest manifestDigest) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO image_names (repository, tag, manifest_digest) VALUES (?, ?, ?)
                ON CONFLICT (repository, tag) DO UPDATE SET manifest_digest = excluded.manifest_digest""")) {
            ps.setString(1, name.repository());
            ps.setString(2, name.tag());
            ps.setString(3, manifestDigest.toString());
            ps.executeUpdate();
        }
    }

    // ---------------------------------------------------------------------------------------------- removing

    /** What a removal did, as {@code rmi} prints it: the names taken away, the images deleted. */
    public record Removal(List<ImageName> untagged, List<Digest> deleted) {
    }

    /**
     * {@code rmi NAME}: if the image has other names, only this one is taken away; otherwise the image is
     * removed as by {@link #remove(Image, boolean)}.
     */
    public Removal remove(ImageName name, boolean force) throws SQLException, IOException {
        Image image = findByName(name).orElseThrow(() -> new ImageException(ImageException.Kind.NOT_FOUND,
                "no such image: " + name));
        if (image.names().size() > 1) {
            untag(name);
            return new Removal(List.of(name), List.of());
        }
        return remove(image, force);
    }

    /**
     * {@code rmi ID}: removes the image with all its names, refusing (CONFLICT) an image with several names
     * and (IN_USE) one that containers use, unless forced; then deletes the blobs and layers nothing else
     * uses. The layer directories a container stacks stay, even when forced.
     */
    public Removal remove(Image image, boolean force) throws SQLException, IOException {
        Image current = findByDigest(image.digest()).orElseThrow(() -> new ImageException(ImageException.Kind.NOT_FOUND,
                "no such image: " + image.digest()));
        if (!force && current.names().size() > 1) {
            throw new ImageException(ImageException.Kind.CONFLICT, "image " + current.shortId() + " has "
                    + current.names().size() + " names (" + joinNames(current.names())
                    + "): remove them one by one, or force");
        }
        if (!force) {
            List<String> users = usage.containersUsing(current);
            if (!users.isEmpty()) {
                throw new ImageException(ImageException.Kind.IN_USE, "image " + current.shortId()
                        + " is used by container" + (users.size() > 1 ? "s " : " ") + String.join(", ", users)
                        + ": remove " + (users.size() > 1 ? "them" : "it") + " first, or force");
            }
        }
        Set<Digest> blobs = new LinkedHashSet<>();
        blobs.add(current.digest());
        blobs.add(current.configDigest());
        current.layers().forEach(l -> blobs.add(l.blob()));
        contentLock.lock();
        try {
            db.run(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM images WHERE manifest_digest = ?")) {
                    ps.setString(1, current.digest().toString());
                    ps.executeUpdate(); // names and image_layers go with it (ON DELETE CASCADE)
                }
            });
            collect(blobs, current.chainIds());
        } finally {
            contentLock.unlock();
        }
        return new Removal(current.names(), List.of(current.digest()));
    }

    private static String joinNames(List<ImageName> names) {
        return String.join(", ", names.stream().map(ImageName::familiar).toList()); // as the user names them
    }

    /** What a garbage collection deleted. */
    public record Collected(List<Digest> blobs, long bytes, List<Digest> layers) {
    }

    /**
     * Deletes every blob no image names and every layer (record and directory) no image stacks and no
     * container uses, layer directories with no record, and partial downloads a day old. Only while nothing
     * is being pulled, loaded or imported (their blobs are stored before their image is recorded): hitoha
     * runs it at start.
     */
    public Collected collectGarbage() throws SQLException, IOException {
        contentLock.lock();
        try {
            Set<Digest> chains = new LinkedHashSet<>();
            for (String s : db.transaction(c -> strings(c, "SELECT chain_id FROM layers"))) {
                chains.add(Digest.parse(s));
            }
            for (String algorithm : List.of("sha256")) {
                try (DirectoryStream<Path> dirs = Files.newDirectoryStream(layers.resolve(algorithm))) {
                    for (Path p : dirs) {
                        if (p.getFileName().toString().startsWith(".")
                                && p.getFileName().toString().contains(".unpack-")) {
                            Trees.removeAll(p); // an unpack a crash cut short (LayerUnpacker's temporary directory)
                            continue;
                        }
                        try {
                            chains.add(new Digest(algorithm, p.getFileName().toString()));
                        } catch (IllegalArgumentException notALayer) {
                            // not ours
                        }
                    }
                }
            }
            content.removePartials(ContentStore.PARTIAL_KEEP); // downloads that broke a day ago or more
            return collect(new LinkedHashSet<>(content.list()), chains);
        } finally {
            contentLock.unlock();
        }
    }

    /**
     * Deletes those of blobs that no image names: for a pull, load or import that stored blobs and then
     * failed, or stored some no image came to use.
     */
    public List<Digest> discardUnused(Iterable<Digest> blobs) throws SQLException, IOException {
        Set<Digest> set = new LinkedHashSet<>();
        blobs.forEach(set::add);
        contentLock.lock();
        try {
            return collect(set, List.of()).blobs();
        } finally {
            contentLock.unlock();
        }
    }

    /** The one place content is deleted: each candidate that nothing references any more. Under contentLock. */
    private Collected collect(Set<Digest> blobs, Iterable<Digest> chains) throws SQLException, IOException {
        List<Digest> deletedBlobs = new ArrayList<>();
        long bytes = 0;
        Set<String> kept = new LinkedHashSet<>(db.transaction(c -> {
            try (PreparedStatement expired = c.prepareStatement("DELETE FROM kept WHERE until <= ?")) {
                expired.setLong(1, Instant.now().getEpochSecond());
                expired.executeUpdate();
            }
            return strings(c, "SELECT item FROM kept");
        }));
        for (Digest blob : blobs) {
            if (kept.contains(blob.toString())) {
                continue;
            }
            boolean used = db.transaction(c -> !strings(c, """
                    SELECT 1 FROM images WHERE manifest_digest = ?1 OR config_digest = ?1
                    UNION ALL SELECT 1 FROM image_layers WHERE blob_digest = ?1 LIMIT 1""", blob.toString()).isEmpty());
            if (!used) {
                long size;
                try {
                    size = content.size(blob);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (content.delete(blob)) {
                    deletedBlobs.add(blob);
                    bytes += size;
                }
            }
        }
        List<Digest> deletedLayers = new ArrayList<>();
        for (Digest chain : chains) {
            if (usage.layerInUse(chain) || kept.contains(LAYER + chain)) {
                continue;
            }
            boolean deleted = db.transaction(c -> {
                if (!strings(c, "SELECT 1 FROM image_layers WHERE chain_id = ? LIMIT 1", chain.toString()).isEmpty()) {
                    return false;
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM layers WHERE chain_id = ?")) {
                    ps.setString(1, chain.toString());
                    ps.executeUpdate();
                }
                return true;
            });
            if (deleted) {
                // the record goes first: a crash here leaves a directory without one, which the next
                // collectGarbage removes
                Trees.removeAll(layerDirectory(chain));
                deletedLayers.add(chain);
            }
        }
        return new Collected(deletedBlobs, bytes, deletedLayers);
    }

    // ---------------------------------------------------------------------------------------------- layers

    private static final String LAYER = "layer ";

    /**
     * Keeps a complete blob that no image names yet from garbage collection for {@link #KEEP}: a pull stores
     * its blobs as they arrive, and if it fails, the next pull of the image takes them from here.
     */
    public void keep(Digest blob) throws SQLException {
        keepItem(blob.toString(), null);
    }

    /** The same for a layer a pull unpacked in {@link #layerDirectory}, with its unpacked size. */
    public void keepLayer(Digest chainId, long unpackedSize) throws SQLException {
        keepItem(LAYER + chainId, unpackedSize);
    }

    /** The unpacked size of a layer directory an earlier pull left for reuse, or null. */
    public Long keptLayerSize(Digest chainId) throws SQLException {
        return db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT size FROM kept WHERE item = ? AND until > ?")) {
                ps.setString(1, LAYER + chainId);
                ps.setLong(2, Instant.now().getEpochSecond());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : null;
                }
            }
        });
    }

    private void keepItem(String item, Long size) throws SQLException {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO kept (item, until, size) VALUES (?, ?, ?) ON CONFLICT (item) DO UPDATE SET "
                            + "until = excluded.until, size = excluded.size")) {
                ps.setString(1, item);
                ps.setLong(2, Instant.now().plus(KEEP).getEpochSecond());
                if (size == null) {
                    ps.setNull(3, java.sql.Types.INTEGER);
                } else {
                    ps.setLong(3, size);
                }
                ps.executeUpdate();
            }
        });
    }

    private static List<String> keptItems(Digest manifest, Digest config, List<Digest> blobs, List<Digest> chainIds) {
        List<String> items = new ArrayList<>(List.of(manifest.toString(), config.toString()));
        blobs.forEach(b -> items.add(b.toString()));
        chainIds.forEach(ch -> items.add(LAYER + ch));
        return items;
    }

    /** Whether the layer with this chain id is recorded as unpacked (in {@link #layerDirectory}). */
    public boolean isLayerUnpacked(Digest chainId) throws SQLException {
        return !db.transaction(c -> strings(c, "SELECT 1 FROM layers WHERE chain_id = ? AND path IS NOT NULL",
                chainId.toString())).isEmpty();
    }

    /**
     * Deletes the directory of a layer that is recorded but not marked unpacked: what a crash between the
     * unpacker's rename and {@link #markUnpacked} left. A marked layer's directory is never touched here.
     */
    public void discardUnmarkedLayerDirectory(Digest chainId) throws SQLException, IOException {
        contentLock.lock();
        try {
            if (!isLayerUnpacked(chainId)) {
                Trees.removeAll(layerDirectory(chainId));
            }
        } finally {
            contentLock.unlock();
        }
    }

    /** The unpacker's report: the layer with this chain id is unpacked in {@link #layerDirectory}. */
    public void markUnpacked(Digest chainId, long unpackedSize) throws SQLException {
        db.run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE layers SET path = ?, unpacked_size = ? WHERE chain_id = ?")) {
                ps.setString(1, "layers/" + chainId.algorithm() + "/" + chainId.hex());
                ps.setLong(2, unpackedSize);
                ps.setString(3, chainId.toString());
                if (ps.executeUpdate() != 1) {
                    throw new ImageException(ImageException.Kind.NOT_FOUND, "no layer " + chainId + " is recorded");
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- reading rows

    private Image load(Connection c, String manifestDigest) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT media_type, config_digest, os, architecture, variant, size, created, added
                FROM images WHERE manifest_digest = ?""")) {
            ps.setString(1, manifestDigest);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ImageException(ImageException.Kind.NOT_FOUND, "no such image: " + manifestDigest);
                }
                List<ImageName> names = new ArrayList<>();
                try (PreparedStatement n = c.prepareStatement(
                        "SELECT repository, tag FROM image_names WHERE manifest_digest = ? ORDER BY repository, tag")) {
                    n.setString(1, manifestDigest);
                    try (ResultSet nr = n.executeQuery()) {
                        while (nr.next()) {
                            names.add(new ImageName(nr.getString(1), nr.getString(2)));
                        }
                    }
                }
                List<Image.Layer> layerList = new ArrayList<>();
                boolean allUnpacked = true;
                long unpacked = 0;
                try (PreparedStatement l = c.prepareStatement("""
                        SELECT il.chain_id, l.diff_id, il.blob_digest, il.media_type, il.size, l.unpacked_size, l.path,
                               (SELECT count(DISTINCT x.manifest_digest) FROM image_layers x WHERE x.chain_id = il.chain_id)
                        FROM image_layers il JOIN layers l ON l.chain_id = il.chain_id
                        WHERE il.manifest_digest = ? ORDER BY il.position""")) {
                    l.setString(1, manifestDigest);
                    try (ResultSet lr = l.executeQuery()) {
                        while (lr.next()) {
                            long u = lr.getLong(6);
                            Long unpackedSize = lr.wasNull() ? null : u;
                            if (unpackedSize == null) {
                                allUnpacked = false;
                            } else {
                                unpacked += unpackedSize;
                            }
                            layerList.add(new Image.Layer(Digest.parse(lr.getString(1)), Digest.parse(lr.getString(2)),
                                    Digest.parse(lr.getString(3)), lr.getString(4), lr.getLong(5), unpackedSize,
                                    lr.getString(7), lr.getInt(8)));
                        }
                    }
                }
                return new Image(Digest.parse(manifestDigest), rs.getString(1), Digest.parse(rs.getString(2)),
                        Platform.of(rs.getString(3), rs.getString(4), rs.getString(5)), rs.getLong(6),
                        allUnpacked ? unpacked : null, rs.getString(7), Instant.parse(rs.getString(8)), names, layerList);
            }
        }
    }

    private static List<String> strings(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
