package io.karakuri.futaba;

import io.karakuri.futaba.state.ContainerState;
import io.karakuri.futaba.state.StateStore;
import io.karakuri.futaba.state.Status;
import io.karakuri.linux.IoErrors;
import io.karakuri.linux.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * `start`: releases a created container's process, which waits on the read end of its exec fifo, by
 * writing one byte into the fifo.
 *
 * <p>Plain Java I/O, no native call: `start` is a JVM start of its own, and the first FFM downcall
 * would add about 20 ms to it. Only poststart hooks, run after the byte is written, take one.
 */
final class ContainerStart {
    private final StateStore store;
    private final Syscalls sys;
    private final Consumer<String> warnings;

    ContainerStart(StateStore store, Syscalls sys, Consumer<String> warnings) {
        this.store = store;
        this.sys = sys;
        this.warnings = warnings;
    }

    void start(String id) {
        ContainerState state = store.load(id);
        Status status = store.status(state);
        if (status != Status.CREATED) {
            throw new FutabaException("cannot start container " + id + ": it is " + status + ", not created");
        }
        Path fifo = store.dir(id).resolve(StateStore.EXEC_FIFO);
        ProcessHandle process = ProcessHandle.of(state.pid()).orElseThrow(() -> exitedBeforeStart(id));
        // Opening the fifo for writing waits for a reader, and the container's process is one. Should that
        // process die first, the watchdog opens the fifo for reading instead, so that the open ends.
        AtomicBoolean opened = new AtomicBoolean();
        AtomicBoolean released = new AtomicBoolean();
        Thread.ofPlatform().daemon().name("start-watchdog").start(() -> {
            process.onExit().join();
            if (opened.get()) {
                return; // the container started, and has now ended
            }
            released.set(true);
            try (InputStream release = Files.newInputStream(fifo, StandardOpenOption.READ)) {
                release.available();
            } catch (IOException removed) {
                // nothing waits on the fifo
            }
        });
        // WRITE without CREATE: a fifo removed by a concurrent start must not come back as a file
        try (OutputStream out = Files.newOutputStream(fifo, StandardOpenOption.WRITE)) {
            opened.set(true);
            if (released.get()) {
                throw exitedBeforeStart(id);
            }
            out.write('0');
        } catch (NoSuchFileException e) {
            throw new FutabaException("cannot start container " + id + ": it has been started already");
        } catch (IOException e) { // a broken pipe: the process died just now
            throw exitedBeforeStart(id);
        }
        try {
            Files.deleteIfExists(fifo);
        } catch (IOException e) {
            throw new FutabaException("cannot remove " + fifo + ": " + IoErrors.reason(e), e);
        }
        if (!state.hooks().poststart().isEmpty()) {
            HostHooks.runWarning(sys, "poststart", state.hooks().poststart(),
                    state.ociState(Status.RUNNING, store.owner(id)), state.bundle(), warnings);
        }
    }

    private static FutabaException exitedBeforeStart(String id) {
        return new FutabaException("cannot start container " + id + ": its process exited before start");
    }
}
