package io.karakuri.futaba;

import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.IoErrors;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * `start`: releases a created container's process by reading its exec fifo.
 *
 * <p>Plain Java I/O, no native call: `start` is a JVM start of its own, and the first FFM downcall
 * would add about 20 ms to it.
 */
final class ContainerStart {
    private final StateStore store;

    ContainerStart(StateStore store) {
        this.store = store;
    }

    void start(String id) {
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (status != Status.CREATED) {
            throw new FutabaException("cannot start container " + id + ": it is " + status + ", not created");
        }
        Path fifo = store.dir(id).resolve(StateStore.EXEC_FIFO);
        ProcessHandle process = ProcessHandle.of(state.pid()).orElseThrow(() -> exitedBeforeStart(id));
        // Opening the fifo for reading waits for its writer, the container's process. Should that process
        // die first, the watchdog opens the fifo for writing instead, so that the read ends (end of file).
        AtomicBoolean started = new AtomicBoolean();
        Thread.ofPlatform().daemon().name("start-watchdog").start(() -> {
            process.onExit().join();
            if (started.get()) {
                return;
            }
            // WRITE without CREATE: a fifo removed meanwhile must not come back as a file
            try (OutputStream release = Files.newOutputStream(fifo, StandardOpenOption.WRITE)) {
                release.flush();
            } catch (IOException removedAfterStart) {
                // the container started: nothing waits on the fifo any more
            }
        });
        try (FileInputStream in = new FileInputStream(fifo.toFile())) {
            if (in.read() < 0) {
                throw exitedBeforeStart(id);
            }
            started.set(true);
            Files.deleteIfExists(fifo);
        } catch (FileNotFoundException e) {
            throw new FutabaException("cannot start container " + id + ": it has been started already");
        } catch (IOException e) {
            throw new FutabaException("cannot start container " + id + ": " + IoErrors.reason(e), e);
        }
    }

    private static FutabaException exitedBeforeStart(String id) {
        return new FutabaException("cannot start container " + id + ": its process exited before start");
    }
}
