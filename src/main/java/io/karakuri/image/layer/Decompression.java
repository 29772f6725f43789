package io.karakuri.image.layer;

import com.github.luben.zstd.ZstdInputStream;
import io.karakuri.image.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * The uncompressed tar stream of a layer blob: by its media type where that names gzip or zstd, by the
 * blob's first bytes otherwise (plain "tar" layers, Docker's foreign layers, types karakuri does not know).
 */
final class Decompression {
    enum Kind {
        GZIP, ZSTD, TAR
    }

    private Decompression() {
    }

    static Kind kindOf(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        return switch (mediaType) {
            case MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP -> Kind.GZIP;
            case MediaTypes.OCI_LAYER_ZSTD -> Kind.ZSTD;
            default -> null;
        };
    }

    /** By the magic numbers: gzip 1f 8b, zstd 28 b5 2f fd, anything else is taken for tar. */
    static Kind sniff(byte[] head, int length) {
        if (length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Kind.GZIP;
        }
        if (length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                && (head[3] & 0xff) == 0xfd) {
            return Kind.ZSTD;
        }
        return Kind.TAR;
    }

    static InputStream open(InputStream blob, String mediaType) throws IOException {
        InputStream in = new BufferedInputStream(blob, 65536);
        Kind kind = kindOf(mediaType);
        if (kind == null) {
            in.mark(4);
            byte[] head = in.readNBytes(4);
            in.reset();
            kind = sniff(head, head.length);
        }
        return switch (kind) {
            case GZIP -> new GZIPInputStream(in, 65536); // reads concatenated members, as gzip(1) does
            case ZSTD -> new BufferedInputStream(new ZstdInputStream(in), 65536);
            case TAR -> in;
        };
    }
}
