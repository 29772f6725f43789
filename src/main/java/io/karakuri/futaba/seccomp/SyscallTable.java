package io.karakuri.futaba.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * System call numbers by name for one architecture, from the tables scripts/gen-syscall-tables.sh made
 * from the kernel's headers (resources io/karakuri/futaba/seccomp/ARCH.txt).
 */
final class SyscallTable {
    private final Map<String, Integer> numbers;

    private SyscallTable(Map<String, Integer> numbers) {
        this.numbers = numbers;
    }

    static SyscallTable load(String arch) {
        String resource = "/io/karakuri/futaba/seccomp/" + arch + ".txt";
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no system call table " + resource);
            }
            Map<String, Integer> numbers = new HashMap<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.split(" ");
                    numbers.put(f[0], Integer.parseInt(f[1]));
                }
            }
            return new SyscallTable(numbers);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The number of a system call; null if this architecture has none of that name. */
    Integer number(String name) {
        return numbers.get(name);
    }
}
