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
}
