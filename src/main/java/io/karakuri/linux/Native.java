package io.karakuri.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The downcalls into native code. A JVM start pays 5-10 ms for each new call shape and about 5 ms more
 * for errno capture (measured), so everything goes through one handle of one shape: libfutaba's
 * futaba_call, which makes a system call (or the container spawn) and returns -errno on failure, as
 * the kernel does. The handle is made on first use.
 */
public final class Native {
    /** futaba_call's operation for the container spawn (FTB_CALL_SPAWN in futaba_plan.h). */
    private static final long CALL_SPAWN = -1;
    /** FTB_CALL_SPAWN_DETACHED: a helper program started with chosen fds kept. */
    private static final long CALL_SPAWN_DETACHED = -2;

    private Native() {
    }

    /** Where libfutaba.so is: -Dkarakuri.libfutaba, else ${karakuri.home}/lib/libfutaba.so. */
    public static Path libraryPath() {
        String explicit = System.getProperty("karakuri.libfutaba");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String home = System.getProperty("karakuri.home", "/usr/local/lib/karakuri");
        return Path.of(home, "lib", "libfutaba.so");
    }

    private static final class Call {
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(
                load().findOrThrow("futaba_call"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                        JAVA_LONG));

        private static SymbolLookup load() {
            return SymbolLookup.libraryLookup(libraryPath(), Arena.global());
        }
    }

    private static final class StrError {
        static final MethodHandle HANDLE = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().findOrThrow("strerror"),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    /**
     * Makes the downcall handle on a background thread (about 20 ms at a JVM's start), while the
     * caller goes on with work that needs no system call, such as reading a config.json.
     */
    public static void warmUp() {
        Thread.ofPlatform().daemon().name("ffm-warm-up").start(() -> {
            try {
                Call.HANDLE.type();
            } catch (Throwable reportedOnFirstUse) {
                // the first real call reports it, from its own thread
            }
        });
    }

    private static MethodHandle handle() {
        try {
            return Call.HANDLE;
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            Path path = libraryPath();
            throw new IllegalStateException(Files.isRegularFile(path)
                    ? "cannot load " + path + ": " + e : "libfutaba.so is missing at " + path
                            + " (reinstall karakuri, or point -Dkarakuri.libfutaba at it)", e);
        }
    }

    private static long call(long op, long a1, long a2, long a3, long a4, long a5, long a6) {
        MethodHandle handle = handle();
        try {
            return (long) handle.invokeExact(op, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed", t);
        }
    }

    /** A system call: its result, or -errno. */
    public static long syscall(Sys call, long a1, long a2, long a3, long a4, long a5, long a6) {
        return call(call.number(), a1, a2, a3, a4, a5, a6);
    }

    /**
     * One of libfutaba's network namespace helpers (netns.c: FTB_CALL_NETNS_*), which run on a
     * short-lived native thread so that no JVM thread changes namespace: its result, or -errno.
     */
    static long netns(long op, long a1, long a2, long a3, long a4) {
        return call(op, a1, a2, a3, a4, 0, 0);
    }

    /** The container spawn: the child's pid, or -errno. The plan is copied: it may be freed after. */
    public static long spawn(MemorySegment plan) {
        return call(CALL_SPAWN, plan.address(), plan.byteSize(), 0, 0, 0, 0);
    }

    /** Runs path (argv, envp: NULL-terminated arrays) keeping count int32 fds; the first process's wait status, or -errno. */
    public static long spawnDetached(MemorySegment path, MemorySegment argv, MemorySegment envp, MemorySegment keep,
            int count) {
        return call(CALL_SPAWN_DETACHED, path.address(), argv.address(), envp.address(), keep.address(), count, 0);
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) StrError.HANDLE.invokeExact(errno);
            return text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed", t);
        }
    }
}
