package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import io.karakuri.linux.IoErrors;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads and writes cgroup files, and attaches v2 device programs. The unit tests give a {@link Cgroup} one that records its writes, over a
 * temporary directory that stands in for the cgroup tree.
 */
class CgroupFiles {
    static final CgroupFiles SYSTEM = new CgroupFiles();

    String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new FutabaException("cannot read " + file + ": " + IoErrors.reason(e), e);
        }
    }

    /** The file's content, or null when it cannot be read (gone, or write-only). */
    String readIfPossible(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null;
        }
    }

    boolean exists(Path file) {
        return Files.exists(file);
    }

    void write(Path file, String value) {
        try {
            writeOrFail(file, value);
        } catch (IOException e) {
            throw new FutabaException("cannot write \"" + value + "\" to " + file + ": " + IoErrors.reason(e), e);
        }
    }

    /** Enforces device rules on a cgroup v2 directory: the eBPF program made from them, attached there. */
    void attachDeviceProgram(Path dir, List<Spec.DeviceRule> rules) {
        CgroupDeviceProgram.attach(dir, rules);
    }

    /** One write(2) per value: a cgroup file takes a whole value per call. */
    void writeOrFail(Path file, String value) throws IOException {
        try (FileOutputStream out = new FileOutputStream(file.toFile())) {
            out.write(value.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
