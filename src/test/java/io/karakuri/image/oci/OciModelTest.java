package io.karakuri.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class OciModelTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void readsAnIndexAndAnImageConfigWithMembersItDoesNotKnow() throws Exception {
        Index index = mapper.readValue("""
                {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
                 {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 7, "digest":
                  "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                  "platform": {"architecture": "arm", "os": "linux", "variant": "v7", "os.features": ["x"]},
                  "unknown": 1}]}""", Index.class);
        Descriptor d = index.manifests().getFirst();
        assertEquals("linux/arm/v7", d.platform().toString());
        assertEquals(List.of("x"), d.platform().osFeatures());
        assertEquals("e3b0c44298fc", d.parsedDigest().shortHex());

        ImageConfig config = mapper.readValue("""
                {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"]},
                 "rootfs": {"type": "layers", "diff_ids": ["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]},
                 "history": [{"created_by": "x", "empty_layer": true}]}""", ImageConfig.class);
        assertEquals(List.of("sh"), config.config().cmd());
        assertEquals(1, config.rootfs().diffIds().size());
        assertEquals("{\"type\":\"layers\"}", mapper.writeValueAsString(new ImageConfig.RootFs("layers", null)));
    }
}
