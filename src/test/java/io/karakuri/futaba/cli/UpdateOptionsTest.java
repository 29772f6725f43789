package io.karakuri.futaba.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.karakuri.cli.Args;
import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.spec.Spec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpdateOptionsTest {
    private static final InputStream NO_INPUT = InputStream.nullInputStream();

    @TempDir
    Path dir;

    private static UpdateOptions.Update read(InputStream stdin, String... args) {
        return UpdateOptions.read(Args.parse(UpdateOptions.OPTIONS, List.of(args)), stdin);
    }

    @ParameterizedTest
    @CsvSource({"1048576, 1048576", "512k, 524288", "64m, 67108864", "64M, 67108864", "1.5g, 1610612736",
        "2GiB, 2147483648", "1 kb, 1024", "-1, -1"})
    void sizesAreReadAsRuncReadsThem(String text, long bytes) {
        assertEquals(bytes, UpdateOptions.bytes(Args.parse(UpdateOptions.OPTIONS, List.of("--memory", text)),
                "memory"));
    }

    @Test
    void theOptionsBecomeLinuxResources() {
        UpdateOptions.Update u = read(NO_INPUT, "--memory", "64m", "--memory-swap", "-1", "--cpu-share", "512",
                "--cpu-quota", "-1", "--cpu-period", "100000", "--cpu-burst", "1000", "--cpuset-cpus", "0-1",
                "--cpu-idle", "1", "--cpu-rt-runtime", "950", "--pids-limit", "10", "--blkio-weight", "300",
                "--kernel-memory", "1g");
        Spec.Resources r = u.resources();
        assertEquals("update", u.source());
        assertEquals(new Spec.Memory(67108864L, null, -1L, 1073741824L, null, null, null, null, null), r.memory());
        assertEquals(new Spec.Cpu(512L, -1L, 1000L, 100000L, 950L, null, "0-1", null, 1L), r.cpu());
        assertEquals(new Spec.Pids(10), r.pids());
        assertEquals(300L, r.blockIO().weight());
        assertEquals(List.of(), r.devices());
    }

    @Test
    void optionsLeftOutLeaveTheirLimits() {
        Spec.Resources r = read(NO_INPUT, "--cpu-shares", "100").resources();
        assertEquals(new Spec.Memory(null, null, null, null, null, null, null, null, null), r.memory());
        assertNull(r.pids());
        assertNull(r.blockIO());
        assertEquals(100L, r.cpu().shares(), "--cpu-shares is taken for runc's --cpu-share");
    }

    @Test
    void theResourcesComeFromAFileOrTheStandardInput() throws IOException {
        String json = "{\"memory\": {\"limit\": 1048576, \"checkBeforeUpdate\": true}, \"pids\": {\"limit\": 5}}";
        Path file = Files.writeString(dir.resolve("r.json"), json);
        UpdateOptions.Update fromFile = read(NO_INPUT, "--resources", file.toString());
        UpdateOptions.Update fromStdin = read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                "-r", "-");
        assertEquals(file.toString(), fromFile.source());
        assertEquals("the standard input", fromStdin.source());
        assertEquals(fromFile.resources(), fromStdin.resources());
        assertEquals(1048576L, fromFile.resources().memory().limit());
        assertEquals(true, fromFile.resources().memory().checkBeforeUpdate());
    }

    @Test
    void badInputIsAClearError() {
        assertEquals("update: --memory takes a size such as 512m or 1g, not \"lots\"", assertThrows(
                FutabaException.class, () -> read(NO_INPUT, "--memory", "lots")).getMessage());
        assertEquals("update: --cpu-period takes a non-negative whole number, not \"-5\"", assertThrows(
                FutabaException.class, () -> read(NO_INPUT, "--cpu-period", "-5")).getMessage());
        assertEquals("update: give the resources either in --resources or as options, not both", assertThrows(
                FutabaException.class, () -> read(NO_INPUT, "-r", "-", "--memory", "1m")).getMessage());
        assertEquals("update: --l3-cache-schema: futaba does not support Intel RDT", assertThrows(
                FutabaException.class, () -> read(NO_INPUT, "--l3-cache-schema", "L3:0=f")).getMessage());
        assertEquals("the standard input: memory.limit: expected an integer, found \"1G\"", assertThrows(
                FutabaException.class, () -> read(new ByteArrayInputStream("{\"memory\": {\"limit\": \"1G\"}}"
                        .getBytes(StandardCharsets.UTF_8)), "-r", "-")).getMessage());
        assertEquals("update: cannot read " + dir.resolve("none.json") + ": no such file or directory", assertThrows(
                FutabaException.class, () -> read(NO_INPUT, "-r", dir.resolve("none.json").toString())).getMessage());
    }
}
