package io.karakuri.image.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** An image's platform, as an index entry or an image config names it. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Platform(String architecture, String os, String variant,
        @JsonProperty("os.version") String osVersion, @JsonProperty("os.features") List<String> osFeatures) {

    public static Platform of(String os, String architecture, String variant) {
        return new Platform(architecture, os, variant, null, null);
    }

    /** "linux/amd64", "linux/arm/v7". */
    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }
}
