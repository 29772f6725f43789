package io.karakuri.image.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.karakuri.image.Digest;
import java.util.List;
import java.util.Map;

/** What points at a blob: its media type, digest and size (OCI image spec, descriptor.md). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Descriptor(String mediaType, String digest, long size, List<String> urls,
        Map<String, String> annotations, Platform platform, String artifactType) {

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest.toString(), size, null, null, null, null);
    }

    /** The digest, checked: a descriptor from a registry or a tar is untrusted input. */
    public Digest parsedDigest() {
        return Digest.parse(digest);
    }
}
