package io.karakuri.futaba.cgroup;

import io.karakuri.futaba.FutabaException;
import io.karakuri.linux.IoErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A value for a cgroup file, and the config member that asks for it (errors name it).
 *
 * @param retryAfter a file written later in the same batch that the kernel may need first: if this write
 *     fails, it is tried once more after that one (as runc retries cpu.cfs_period_us after
 *     cpu.cfs_quota_us when the old quota does not fit the new period); null for none
 * @param warning said instead of failing when the kernel refuses the value; null to fail
 */
record LimitWrite(String member, Path file, String value, Path retryAfter, String warning) {

    static LimitWrite of(String member, Path file, String value) {
        return new LimitWrite(member, file, value, null, null);
    }

    LimitWrite retriedAfter(Path first) {
        return new LimitWrite(member, file, value, first, warning);
    }

    LimitWrite warningIfRefused(String text) {
        return new LimitWrite(member, file, value, retryAfter, text);
    }

    /**
     * Writes the values in order. If the kernel refuses one, the files written so far get their old values
     * back before the error is thrown, so that a failed `update` leaves the limits as they were. Only a
     * file that held a single line is restored: that is a value the file takes back as it reads.
     */
    static void writeAll(List<LimitWrite> writes, CgroupFiles files, Consumer<String> warnings) {
        List<LimitWrite> queue = new ArrayList<>(writes);
        Map<Path, String> before = new LinkedHashMap<>();
        for (int i = 0; i < queue.size(); i++) {
            LimitWrite w = queue.get(i);
            if (!before.containsKey(w.file())) {
                before.put(w.file(), files.readIfPossible(w.file()));
            }
            try {
                files.writeOrFail(w.file(), w.value());
            } catch (IOException e) {
                int first = indexOf(queue, w.retryAfter(), i + 1);
                if (first >= 0) {
                    queue.add(first + 1, w.retriedAfter(null));
                } else if (w.warning() != null) {
                    warnings.accept(w.warning());
                } else {
                    FutabaException failure = new FutabaException(w.member() + ": cannot write \"" + w.value()
                            + "\" to " + w.file() + ": " + IoErrors.reason(e), e);
                    restore(before, files, failure);
                    throw failure;
                }
            }
        }
    }

    private static int indexOf(List<LimitWrite> queue, Path file, int from) {
        for (int i = from; file != null && i < queue.size(); i++) {
            if (queue.get(i).file().equals(file)) {
                return i;
            }
        }
        return -1;
    }

    private static void restore(Map<Path, String> before, CgroupFiles files, FutabaException failure) {
        List<Map.Entry<Path, String>> written = new ArrayList<>(before.entrySet());
        for (Map.Entry<Path, String> e : written.reversed()) {
            String old = e.getValue() == null ? "" : e.getValue().strip();
            if (old.isEmpty() || old.contains("\n")) {
                continue;
            }
            try {
                files.writeOrFail(e.getKey(), old);
            } catch (IOException notRestored) {
                failure.addSuppressed(notRestored);
            }
        }
    }
}
