package io.karakuri.image.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.ImageConfig;
import io.karakuri.image.oci.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Small real images for tests: layers are one-file tars, gzip-compressed when asked. */
public final class TestImages {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestImages() {
    }

    /** A tar holding one file, name, with content text. */
    public static byte[] tar(String name, String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            byte[] data = text.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(data.length);
            e.setModTime(0);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    public static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /**
     * Stores an OCI image whose layers are the given tars (gzip-compressed if compress), with a config
     * created at created; returns the manifest digest.
     */
    public static Digest store(ContentStore content, String created, boolean compress, byte[]... layerTars)
            throws IOException {
        List<String> diffIds = new ArrayList<>();
        List<Descriptor> layers = new ArrayList<>();
        for (byte[] tar : layerTars) {
            diffIds.add(Digest.sha256(tar).toString());
            byte[] blob = compress ? gzip(tar) : tar;
            Digest d = content.write(blob).digest();
            layers.add(Descriptor.of(compress ? MediaTypes.OCI_LAYER_GZIP : MediaTypes.OCI_LAYER, d, blob.length));
        }
        ImageConfig config = new ImageConfig(created, null, "amd64", "linux", null,
                new ImageConfig.Config(null, null, List.of("PATH=/bin"), null, List.of("sh"), null, null, null, null),
                new ImageConfig.RootFs("layers", diffIds), null);
        byte[] configBytes = MAPPER.writeValueAsBytes(config);
        Digest configDigest = content.write(configBytes).digest();
        Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST,
                Descriptor.of(MediaTypes.OCI_CONFIG, configDigest, configBytes.length), layers, null);
        return content.write(MAPPER.writeValueAsBytes(manifest)).digest();
    }

    /**
     * An OCI layout tar of two images sharing one config (so one id): nameA's manifest has the layer
     * gzip-compressed, nameB's plain. Loading it makes "the id" ambiguous.
     */
    public static byte[] twinArchive(String nameA, String nameB) throws IOException {
        byte[] plain = tar("twin", "twin\n");
        byte[] gz = gzip(plain);
        ImageConfig config = new ImageConfig("2024-01-01T00:00:00Z", null, "amd64", "linux", null,
                new ImageConfig.Config(null, null, List.of("PATH=/bin"), null, List.of("sh"), null, null, null, null),
                new ImageConfig.RootFs("layers", List.of(Digest.sha256(plain).toString())), null);
        byte[] configBytes = MAPPER.writeValueAsBytes(config);
        Descriptor configDescriptor = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(configBytes), configBytes.length);
        byte[] manifestA = MAPPER.writeValueAsBytes(new Manifest(2, MediaTypes.OCI_MANIFEST, configDescriptor,
                List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(gz), gz.length)), null));
        byte[] manifestB = MAPPER.writeValueAsBytes(new Manifest(2, MediaTypes.OCI_MANIFEST, configDescriptor,
                List.of(Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(plain), plain.length)), null));
        List<Object> manifests = new ArrayList<>();
        for (Object[] m : new Object[][] {{manifestA, nameA}, {manifestB, nameB}}) {
            byte[] bytes = (byte[]) m[0];
            manifests.add(java.util.Map.of("mediaType", MediaTypes.OCI_MANIFEST, "digest",
                    Digest.sha256(bytes).toString(), "size", bytes.length, "annotations",
                    java.util.Map.of("io.containerd.image.name", m[1])));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            entry(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            entry(tar, "index.json", MAPPER.writeValueAsBytes(java.util.Map.of("schemaVersion", 2, "mediaType",
                    "application/vnd.oci.image.index.v1+json", "manifests", manifests)));
            for (byte[] blob : List.of(configBytes, plain, gz, manifestA, manifestB)) {
                entry(tar, "blobs/sha256/" + Digest.sha256(blob).hex(), blob);
            }
        }
        return out.toByteArray();
    }

    private static void entry(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
