package io.karakuri.image.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.ImageConfig;
import io.karakuri.image.oci.Manifest;
import io.karakuri.image.oci.Platform;
import io.karakuri.image.store.ContentStore;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageName;
import io.karakuri.image.store.ImageStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * {@code import ROOTFS.tar NAME}: a one-layer image from a root file system tarball (plain or gzip). The
 * tar is gzip-compressed into the content store in one pass, hashed on both sides (the compressed bytes
 * give the layer's digest, the plain ones its diff id); a minimal OCI config (the host's os and
 * architecture, rootfs, one history entry) and an OCI manifest follow, and the image is recorded as a
 * pulled one is. The tar's contents are not looked at here: unpacking, which is where hostile paths
 * matter, is the layer unpacker's.
 */
public final class RootfsImport {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RootfsImport() {
    }

    /**
     * Imports the tarball read from in (not closed) as an image named names (may be empty), created now,
     * with comment (may be null) in its history.
     */
    public static Image importRootfs(ImageStore images, InputStream in, List<ImageName> names, String comment)
            throws IOException, SQLException {
        return importRootfs(images, in, names, comment, Instant.now().truncatedTo(ChronoUnit.SECONDS), hostPlatform());
    }

    /** As above, with the creation time and platform given (tests, reproducible images). */
    public static Image importRootfs(ImageStore images, InputStream in, List<ImageName> names, String comment,
            Instant created, Platform platform) throws IOException, SQLException {
        ContentStore content = images.content();
        List<Digest> stored = new ArrayList<>();
        try {
            InputStream plain = tarStream(in);
            MessageDigest diffHash = Digest.newSha256();
            ContentStore.Ingested layer;
            try (ContentStore.Writer w = content.writer()) {
                GZIPOutputStream gz = new GZIPOutputStream(nonClosing(w.stream()), 65536);
                byte[] buf = new byte[65536];
                for (int n; (n = plain.read(buf)) > 0; ) {
                    diffHash.update(buf, 0, n);
                    gz.write(buf, 0, n);
                }
                gz.finish();
                layer = w.commit(null, -1);
            }
            keep(stored, layer);
            Digest diffId = Digest.of("sha256", diffHash);
            String when = created.toString();
            ImageConfig config = new ImageConfig(when, null, platform.architecture(), platform.os(), platform.variant(),
                    null, new ImageConfig.RootFs("layers", List.of(diffId.toString())),
                    List.of(new ImageConfig.History(when, "karakuri import", comment, null)));
            ContentStore.Ingested configBlob = content.write(MAPPER.writeValueAsBytes(config));
            keep(stored, configBlob);
            Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST,
                    Descriptor.of(MediaTypes.OCI_CONFIG, configBlob.digest(), configBlob.size()),
                    List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, layer.digest(), layer.size())), null);
            ContentStore.Ingested manifestBlob = content.write(MAPPER.writeValueAsBytes(manifest));
            keep(stored, manifestBlob);
            Image image = images.add(manifestBlob.digest(), names);
            stored.clear();
            return image;
        } finally {
            images.discardUnused(stored);
        }
    }

    private static void keep(List<Digest> stored, ContentStore.Ingested in) {
        if (in.created()) {
            stored.add(in.digest());
        }
    }

    /** The uncompressed tar: gunzipped if it is gzip; refused if it does not start as a tar does. */
    private static InputStream tarStream(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 65536);
        b.mark(2);
        int b0 = b.read();
        int b1 = b.read();
        b.reset();
        BufferedInputStream plain = b0 == 0x1f && b1 == 0x8b
                ? new BufferedInputStream(new GZIPInputStream(b, 65536), 65536) : b;
        byte[] head = new byte[512];
        plain.mark(head.length);
        int n = plain.readNBytes(head, 0, head.length);
        plain.reset();
        if (n < head.length || !TarArchiveInputStream.matches(head, n)) {
            throw ImageArchive.invalid("the root file system to import is not a tar archive (plain or gzip)");
        }
        return plain;
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }
        };
    }

    /** This machine's platform in OCI terms (GOOS/GOARCH names): linux/amd64, linux/arm64, … */
    public static Platform hostPlatform() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
        String variant = null;
        String goArch = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> {
                variant = "v8";
                yield "arm64";
            }
            case "arm", "armv7l" -> {
                variant = "v7";
                yield "arm";
            }
            case "x86", "i386", "i686" -> "386";
            default -> arch; // ppc64le, s390x, riscv64 are spelled alike
        };
        return Platform.of(os.startsWith("linux") ? "linux" : os, goArch, variant);
    }
}
