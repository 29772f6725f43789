package io.karakuri.image.archive;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.ImageConfig;
import io.karakuri.image.oci.Index;
import io.karakuri.image.oci.Manifest;
import io.karakuri.image.oci.Platform;
import io.karakuri.image.store.ContentStore;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageException;
import io.karakuri.image.store.ImageName;
import io.karakuri.image.store.ImageStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * {@code save} and {@code load}: images to and from a tar, in the OCI image layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/<alg>/<hex>}) and in {@code docker save}'s format ({@code manifest.json}
 * with Config, RepoTags and Layers, {@code repositories}); by default both in one tar sharing the blobs, as
 * Docker 25 writes it, so that docker, podman and containerd all load it.
 *
 * <p>Loading reads the tar once, streaming each blob into the content store as it passes: a
 * {@code blobs/<alg>/<hex>} entry must hash to its name, every other file is stored under the digest it
 * has; then the index (or, without one, manifest.json) says what the images are. Each image's layers are
 * checked against the diff ids of its config (plain and gzip layers; a zstd layer is checked when
 * unpacked), then the image is recorded. Entries with "..", absolute names or device files, and links
 * that are absolute or lead out of the archive, are refused: a load never writes outside the content
 * store, but an archive that tries is not one to trust. A link inside the archive is only another name
 * for an entry (classic docker archives link {@code <id>/layer.tar} to the layer).
 * Blobs a load stored that no image came to use are deleted again.
 */
public final class ImageArchive {
    /** What {@link #save} writes. */
    public enum Format {
        /** OCI image layout and docker save's manifest.json in one tar, sharing the blobs (Docker 25+). */
        OCI_AND_DOCKER,
        /** OCI image layout only. */
        OCI,
        /** docker save's classic layout: {@code <config hex>.json}, {@code <layer hex>/layer.tar}. */
        DOCKER
    }

    /** One image to save, with the names to record for it (none: saved by id). */
    public record Selection(Image image, List<ImageName> names) {
        public Selection {
            names = List.copyOf(names);
        }
    }

    /** What a load recorded. */
    public record Loaded(List<Image> images) {
    }

    public static final String CONTAINERD_NAME = "io.containerd.image.name";
    public static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

    private static final int MAX_JSON = 16 << 20;
    private static final Pattern BLOB = Pattern.compile("blobs/([a-z0-9]+)/([^/]+)");
    private static final Pattern LEGACY_CONFIG = Pattern.compile("([a-f0-9]{64})\\.json");

    private final ImageStore images;
    private final ContentStore content;
    private final ObjectMapper mapper = new ObjectMapper();

    public ImageArchive(ImageStore images) {
        this.images = images;
        this.content = images.content();
    }

    // ------------------------------------------------------------------------------------------------ save

    /** Writes the images to out as one tar (out is finished, not closed). */
    public void save(List<Selection> selections, Format format, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        Set<String> written = new LinkedHashSet<>();
        boolean oci = format != Format.DOCKER;
        boolean docker = format != Format.OCI;
        if (oci) {
            file(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        }
        List<Descriptor> indexEntries = new ArrayList<>();
        List<Map<String, Object>> dockerManifest = new ArrayList<>();
        Map<String, Map<String, String>> repositories = new LinkedHashMap<>();
        for (Selection s : selections) {
            Image image = s.image();
            List<Digest> blobs = new ArrayList<>();
            if (oci) {
                blobs.add(image.digest());
            }
            blobs.add(image.configDigest());
            image.layers().forEach(l -> blobs.add(l.blob()));
            String configPath = oci ? blobPath(image.configDigest()) : image.configDigest().hex() + ".json";
            List<String> layerPaths = new ArrayList<>();
            for (Image.Layer l : image.layers()) {
                layerPaths.add(oci ? blobPath(l.blob()) : l.blob().hex() + "/layer.tar");
            }
            for (Digest d : blobs) {
                String path = oci ? blobPath(d) : d.equals(image.configDigest()) ? configPath
                        : d.hex() + "/layer.tar";
                if (written.add(path)) {
                    int slash = path.lastIndexOf('/');
                    if (slash > 0) {
                        directories(tar, path.substring(0, slash + 1), written);
                    }
                    blob(tar, path, d);
                }
            }
            if (oci) {
                long manifestSize = content.size(image.digest());
                if (s.names().isEmpty()) {
                    indexEntries.add(new Descriptor(image.mediaType(), image.digest().toString(), manifestSize, null,
                            null, null, null));
                }
                for (ImageName name : s.names()) {
                    Map<String, String> annotations = new LinkedHashMap<>();
                    annotations.put(CONTAINERD_NAME, name.toString());
                    annotations.put(OCI_REF_NAME, name.tag());
                    indexEntries.add(new Descriptor(image.mediaType(), image.digest().toString(), manifestSize, null,
                            annotations, null, null));
                }
            }
            if (docker) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("Config", configPath);
                entry.put("RepoTags", s.names().stream().map(ImageName::familiar).toList()); // as docker save
                entry.put("Layers", layerPaths);
                dockerManifest.add(entry);
                if (!image.layers().isEmpty()) {
                    for (ImageName name : s.names()) {
                        repositories.computeIfAbsent(name.familiarRepository(), r -> new LinkedHashMap<>())
                                .put(name.tag(), image.layers().getLast().blob().hex());
                    }
                }
            }
        }
        if (oci) {
            file(tar, "index.json", mapper.writeValueAsBytes(new Index(2, MediaTypes.OCI_INDEX, indexEntries, null)));
        }
        if (docker) {
            file(tar, "manifest.json", mapper.writeValueAsBytes(dockerManifest));
            if (!repositories.isEmpty()) {
                file(tar, "repositories", mapper.writeValueAsBytes(repositories));
            }
        }
        tar.finish();
        tar.flush();
    }

    private static String blobPath(Digest d) {
        return "blobs/" + d.algorithm() + "/" + d.hex();
    }

    private static TarArchiveEntry entry(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setModTime(0); // reproducible: the same images give the same tar
        e.setUserId(0);
        e.setGroupId(0);
        e.setMode(name.endsWith("/") ? 0755 : 0644);
        return e;
    }

    private static void directories(TarArchiveOutputStream tar, String dir, Set<String> written) throws IOException {
        int slash = dir.indexOf('/');
        while (slash > 0) {
            String d = dir.substring(0, slash + 1);
            if (written.add(d)) {
                TarArchiveEntry e = entry(d);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            slash = dir.indexOf('/', slash + 1);
        }
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = entry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    private void blob(TarArchiveOutputStream tar, String name, Digest d) throws IOException {
        TarArchiveEntry e = entry(name);
        e.setSize(content.size(d));
        tar.putArchiveEntry(e);
        try (InputStream in = content.open(d)) {
            in.transferTo(tar);
        }
        tar.closeArchiveEntry();
    }

    // ------------------------------------------------------------------------------------------------ load

    /** Reads a tar (or a gzip-compressed tar) written by save, docker, podman or skopeo; in is not closed. */
    public Loaded load(InputStream in) throws IOException, SQLException {
        Set<Digest> stored = new LinkedHashSet<>();
        try {
            Map<String, Digest> files = new HashMap<>();
            Map<String, byte[]> json = new HashMap<>();
            read(in, files, json, stored);
            List<Image> loaded;
            if (json.containsKey("index.json")) {
                loaded = loadOci(json, files);
            } else if (json.containsKey("manifest.json")) {
                loaded = loadDocker(json, files, stored);
            } else {
                throw invalid("the archive has neither index.json nor manifest.json: not an image archive");
            }
            return new Loaded(loaded);
        } finally {
            // what this load stored and no image uses: all of it when the load failed
            images.discardUnused(stored);
        }
    }

    private void read(InputStream raw, Map<String, Digest> files, Map<String, byte[]> json, Set<Digest> stored)
            throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, 65536);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        BufferedInputStream plain = b0 == 0x1f && b1 == 0x8b
                ? new BufferedInputStream(new GZIPInputStream(buffered, 65536), 65536) : buffered;
        byte[] head = new byte[512];
        plain.mark(head.length);
        int n = plain.readNBytes(head, 0, head.length);
        plain.reset();
        if (n < head.length || !TarArchiveInputStream.matches(head, n)) {
            throw invalid("not an image archive: not a tar (plain or gzip)");
        }
        TarArchiveInputStream tar = new TarArchiveInputStream(plain);
        TarArchiveEntry e;
        int entries = 0;
        Map<String, String> links = new LinkedHashMap<>();
        long jsonBytes = 0; // held in memory: bounded
        while ((e = tar.getNextEntry()) != null) {
            entries++;
            String name = checkedName(e);
            if (e.isSymbolicLink() || e.isLink()) {
                links.put(name, linkTarget(e, name));
                continue;
            }
            if (e.isDirectory() || name.isEmpty()) {
                continue;
            }
            Matcher blob = BLOB.matcher(name);
            if (blob.matches()) {
                Digest expected;
                try {
                    expected = new Digest(blob.group(1), blob.group(2));
                } catch (IllegalArgumentException bad) {
                    throw invalid("archive entry \"" + e.getName() + "\" is not a blob: " + bad.getMessage());
                }
                ContentStore.Ingested in;
                try {
                    in = content.ingest(expected, e.getSize(), tar);
                } catch (ContentStore.BlobMismatchException mismatch) {
                    throw invalid("archive entry \"" + e.getName() + "\": " + mismatch.getMessage());
                }
                if (in.created()) {
                    stored.add(in.digest());
                }
                files.put(name, in.digest());
            } else if (name.equals("repositories") || name.equals("oci-layout") || name.endsWith(".json")) {
                jsonBytes += e.getSize();
                if (e.getSize() > MAX_JSON || jsonBytes > 4L * MAX_JSON) {
                    throw invalid("archive entry \"" + name + "\" has " + e.getSize()
                            + " bytes: too much for an archive's metadata");
                }
                json.put(name, tar.readAllBytes());
            } else {
                // a classic docker save layer (<id>/layer.tar) or a file we do not know: stored by its digest
                ContentStore.Ingested in = content.ingest(tar);
                if (in.created()) {
                    stored.add(in.digest());
                }
                files.put(name, in.digest());
            }
        }
        if (entries == 0) {
            throw invalid("the archive is empty, or not a tar");
        }
        for (String link : links.keySet()) {
            String target = link;
            for (int hops = 0; links.containsKey(target); hops++) {
                if (hops == 8) {
                    throw invalid("archive entry \"" + link + "\" is refused: a chain of more than 8 links");
                }
                target = links.get(target);
            }
            if (files.containsKey(target)) {
                files.put(link, files.get(target));
            } else if (json.containsKey(target)) {
                json.put(link, json.get(target));
            } else {
                throw invalid("archive entry \"" + link + "\" links to \"" + target
                        + "\", which the archive does not hold");
            }
        }
    }

    /**
     * Where a link entry points, as a path inside the archive. Nothing is ever extracted, so a link is only
     * another name for an entry (skopeo, podman and docker before 25 write {@code <id>/layer.tar} as a
     * symbolic link to {@code ../<hex>.tar}); one that is absolute or climbs out of the archive is refused.
     */
    private static String linkTarget(TarArchiveEntry e, String name) {
        String target = e.getLinkName();
        String quoted = "archive entry \"" + e.getName() + "\" is refused: it links to \"" + target + "\"";
        if (target == null || target.isEmpty() || target.indexOf('\0') >= 0) {
            throw invalid(quoted + ", no name");
        }
        if (target.startsWith("/")) {
            throw invalid(quoted + ", an absolute path");
        }
        // a symbolic link is relative to its directory; a hard link names an entry from the archive's top
        List<String> parts = new ArrayList<>();
        if (e.isSymbolicLink() && name.contains("/")) {
            parts.addAll(List.of(name.substring(0, name.lastIndexOf('/')).split("/")));
        }
        for (String part : target.split("/")) {
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw invalid(quoted + ", outside the archive");
                }
                parts.removeLast();
            } else if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    /** The entry's name, normalized ("./" and empty segments dropped); hostile entries refused. */
    static String checkedName(TarArchiveEntry e) {
        String name = e.getName();
        String quoted = "archive entry \"" + name + "\"";
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw invalid(quoted + " is refused: its name has a NUL or a backslash");
        }
        if (name.startsWith("/")) {
            throw invalid(quoted + " is refused: it is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw invalid(quoted + " is refused: it climbs out of the archive with \"..\"");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        if (e.isSymbolicLink() || e.isLink()) {
            return String.join("/", parts); // linkTarget checks where it points
        }
        byte type = e.getLinkFlag();
        boolean regular = type == TarArchiveEntry.LF_NORMAL || type == TarArchiveEntry.LF_OLDNORM
                || type == TarArchiveEntry.LF_CONTIG;
        // isFile() is true of anything but a directory, devices included: go by the type flag
        if (!regular && type != TarArchiveEntry.LF_DIR) {
            throw invalid(quoted + " is refused: it is a device, fifo or other special file");
        }
        return String.join("/", parts);
    }

    private static String normalize(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw invalid("path \"" + path + "\" in the archive's metadata climbs out with \"..\"");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    private List<Image> loadOci(Map<String, byte[]> json, Map<String, Digest> files)
            throws IOException, SQLException {
        Index index = parse(json.get("index.json"), Index.class, "index.json");
        Map<Digest, List<ImageName>> dockerNames = json.containsKey("manifest.json")
                ? dockerNamesByConfig(json.get("manifest.json"), files) : Map.of();
        Map<Digest, Image> loaded = new LinkedHashMap<>();
        for (Descriptor d : index.manifests()) {
            Digest manifestDigest = resolve(d, 0);
            Manifest manifest = readManifest(manifestDigest);
            Digest config = manifest.config().parsedDigest();
            // docker's RepoTags ("alpine:latest") over the annotation ("docker.io/library/alpine:latest")
            // Docker 25 writes beside them; the same name twice otherwise
            List<ImageName> names = new ArrayList<>(dockerNames.getOrDefault(config, List.of()));
            if (names.isEmpty() && d.annotations() != null) {
                String full = d.annotations().get(CONTAINERD_NAME);
                String ref = d.annotations().get(OCI_REF_NAME);
                if (full == null && ref != null && (ref.contains(":") || ref.contains("/"))) {
                    full = ref; // podman and skopeo write the whole name here
                }
                if (full != null && !full.contains("@")) {
                    names.add(name(full));
                }
            }
            verifyLayers(manifestDigest, manifest);
            loaded.put(manifestDigest, images.add(manifestDigest, names));
        }
        return refreshed(loaded);
    }

    /** The manifest a descriptor leads to: itself, or from an index the host's platform (else its only) one. */
    private Digest resolve(Descriptor d, int depth) throws IOException {
        Digest digest = digestOf(d);
        if (!content.has(digest)) {
            throw invalid("the archive's index names " + digest + ", which the archive does not hold");
        }
        if (MediaTypes.isManifest(d.mediaType())) {
            return digest;
        }
        if (!MediaTypes.isIndex(d.mediaType()) || depth > 4) {
            throw invalid("the archive's index names " + digest + " of media type " + d.mediaType()
                    + ", not an image manifest or index");
        }
        Index nested = parse(content.read(digest, MAX_JSON), Index.class, "index " + digest);
        Platform host = RootfsImport.hostPlatform();
        List<Descriptor> candidates = nested.manifests().stream()
                .filter(m -> m.platform() == null || !"unknown".equals(m.platform().os()))
                .filter(m -> content.has(digestOf(m)))
                .toList();
        for (Descriptor m : candidates) {
            if (m.platform() != null && host.os().equals(m.platform().os())
                    && host.architecture().equals(m.platform().architecture())) {
                return resolve(m, depth + 1);
            }
        }
        if (candidates.size() == 1) {
            return resolve(candidates.getFirst(), depth + 1);
        }
        throw invalid("index " + digest + " in the archive has no manifest for " + host + " among the blobs it holds");
    }

    private List<Image> loadDocker(Map<String, byte[]> json, Map<String, Digest> files, Set<Digest> stored)
            throws IOException, SQLException {
        List<DockerEntry> entries = parse(json.get("manifest.json"), new TypeReference<List<DockerEntry>>() { },
                "manifest.json");
        Map<Digest, Image> loaded = new LinkedHashMap<>();
        for (DockerEntry entry : entries) {
            if (entry.config() == null) {
                throw invalid("manifest.json has an entry without Config");
            }
            Digest config = configBlob(entry.config(), files, json, stored);
            List<Descriptor> layers = new ArrayList<>();
            for (String path : entry.layers()) {
                Digest layer = files.get(normalize(path));
                if (layer == null) {
                    throw invalid("layer \"" + path + "\" named in manifest.json is not in the archive");
                }
                layers.add(Descriptor.of(sniffLayerType(layer), layer, content.size(layer)));
            }
            Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST,
                    Descriptor.of(MediaTypes.OCI_CONFIG, config, content.size(config)), layers, null);
            ContentStore.Ingested m = content.write(mapper.writeValueAsBytes(manifest));
            if (m.created()) {
                stored.add(m.digest());
            }
            verifyLayers(m.digest(), manifest);
            List<ImageName> names = new ArrayList<>();
            for (String tag : entry.repoTags()) {
                names.add(name(tag));
            }
            loaded.put(m.digest(), images.add(m.digest(), names));
        }
        return refreshed(loaded);
    }

    private Map<Digest, List<ImageName>> dockerNamesByConfig(byte[] manifestJson, Map<String, Digest> files) {
        List<DockerEntry> entries = parse(manifestJson, new TypeReference<List<DockerEntry>>() { }, "manifest.json");
        Map<Digest, List<ImageName>> names = new HashMap<>();
        for (DockerEntry entry : entries) {
            Digest config = entry.config() == null ? null : files.get(normalize(entry.config()));
            if (config != null) {
                for (String tag : entry.repoTags()) {
                    List<ImageName> list = names.computeIfAbsent(config, c -> new ArrayList<>());
                    if (!list.contains(name(tag))) {
                        list.add(name(tag));
                    }
                }
            }
        }
        return names;
    }

    /** The config a manifest.json entry names: a blob, or a classic {@code <hex>.json} checked against its name. */
    private Digest configBlob(String path, Map<String, Digest> files, Map<String, byte[]> json, Set<Digest> stored)
            throws IOException {
        String name = normalize(path);
        Digest d = files.get(name);
        if (d != null) {
            return d;
        }
        byte[] bytes = json.get(name);
        if (bytes == null) {
            throw invalid("config \"" + path + "\" named in manifest.json is not in the archive");
        }
        Digest actual = Digest.sha256(bytes);
        Matcher legacy = LEGACY_CONFIG.matcher(name);
        if (legacy.matches() && !legacy.group(1).equals(actual.hex())) {
            throw invalid("config \"" + path + "\" hashes to " + actual + ", not what its name says");
        }
        ContentStore.Ingested in = content.write(bytes);
        if (in.created()) {
            stored.add(in.digest());
        }
        return in.digest();
    }

    /** Each layer must unpack to the diff id its config gives (checked here for plain and gzip tars). */
    private void verifyLayers(Digest manifestDigest, Manifest manifest) throws IOException {
        Digest configDigest = digestOf(manifest.config());
        if (!content.has(configDigest)) {
            throw invalid("image " + manifestDigest + ": its config " + configDigest + " is not in the archive");
        }
        ImageConfig config = parse(content.read(configDigest, MAX_JSON), ImageConfig.class, "config " + configDigest);
        List<String> diffIds = config.rootfs() == null ? List.of() : config.rootfs().diffIds();
        if (diffIds.size() != manifest.layers().size()) {
            throw invalid("image " + manifestDigest + " has " + manifest.layers().size() + " layers but its config "
                    + diffIds.size() + " diff ids");
        }
        for (int i = 0; i < diffIds.size(); i++) {
            Descriptor layer = manifest.layers().get(i);
            Digest blob = digestOf(layer);
            if (!content.has(blob)) {
                throw invalid("layer " + blob + " of image " + manifestDigest + " is not in the archive");
            }
            Digest actual;
            String type = layer.mediaType();
            if (MediaTypes.OCI_LAYER.equals(type) || DOCKER_LAYER_TAR.equals(type)) {
                actual = blob;
            } else if (MediaTypes.OCI_LAYER_GZIP.equals(type) || MediaTypes.DOCKER_LAYER_GZIP.equals(type)) {
                MessageDigest md = Digest.newSha256();
                try (InputStream in = new GZIPInputStream(content.open(blob), 65536)) {
                    byte[] buf = new byte[65536];
                    for (int n; (n = in.read(buf)) > 0; ) {
                        md.update(buf, 0, n);
                    }
                } catch (java.util.zip.ZipException bad) {
                    throw invalid("layer " + blob + " is not valid gzip: " + bad.getMessage());
                }
                actual = Digest.of("sha256", md);
            } else {
                continue; // zstd and others: the unpacker hashes what it unpacks
            }
            if (!actual.toString().equals(diffIds.get(i))) {
                throw invalid("layer " + i + " (" + blob + ") of image " + manifestDigest + " unpacks to " + actual
                        + ", but its config says " + diffIds.get(i));
            }
        }
    }

    private static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

    private String sniffLayerType(Digest blob) throws IOException {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = content.open(blob)) {
            n = in.readNBytes(head, 0, 4);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return MediaTypes.OCI_LAYER_GZIP;
        }
        if (n == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return MediaTypes.OCI_LAYER_ZSTD;
        }
        return MediaTypes.OCI_LAYER;
    }

    private Manifest readManifest(Digest digest) throws IOException {
        Manifest m = parse(content.read(digest, MAX_JSON), Manifest.class, "manifest " + digest);
        if (m.config() == null) {
            throw invalid("manifest " + digest + " has no config");
        }
        return m;
    }

    private List<Image> refreshed(Map<Digest, Image> loaded) throws SQLException {
        List<Image> out = new ArrayList<>();
        for (Digest d : loaded.keySet()) {
            out.add(images.findByDigest(d).orElseThrow());
        }
        return out;
    }

    private static ImageName name(String text) {
        try {
            return ImageName.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid("image name \"" + text + "\" in the archive: " + e.getMessage());
        }
    }

    private static Digest digestOf(Descriptor d) {
        try {
            return d.parsedDigest();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw invalid("a descriptor in the archive: " + e.getMessage());
        }
    }

    private <T> T parse(byte[] bytes, Class<T> type, String what) {
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw invalid(what + " is not valid: " + e.getMessage());
        }
    }

    private <T> T parse(byte[] bytes, TypeReference<T> type, String what) {
        try {
            return mapper.readValue(bytes, type);
        } catch (IOException e) {
            throw invalid(what + " is not valid: " + e.getMessage());
        }
    }

    static ImageException invalid(String message) {
        return new ImageException(ImageException.Kind.INVALID, message);
    }

    /** An entry of docker save's manifest.json. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DockerEntry(@JsonProperty("Config") String config, @JsonProperty("RepoTags") List<String> repoTags,
            @JsonProperty("Layers") List<String> layers) {
        DockerEntry {
            repoTags = repoTags == null ? List.of() : repoTags;
            layers = layers == null ? List.of() : layers;
        }
    }
}
