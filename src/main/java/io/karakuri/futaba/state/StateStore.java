package io.karakuri.futaba.state;

import io.karakuri.futaba.FutabaException;
import io.karakuri.futaba.cgroup.Cgroup;
import io.karakuri.json.Json;
import io.karakuri.json.JsonException;
import io.karakuri.json.JsonObject;
import io.karakuri.linux.IoErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * futaba's state directory (--root, /run/futaba by default): one directory per container holding
 * state.json and, until the container starts, the exec fifo.
 */
public final class StateStore {
    public static final String STATE_FILE = "state.json";
    public static final String EXEC_FIFO = "exec.fifo";
    private static final Pattern ID = Pattern.compile("[\\w+.-]+");

    private final Path root;

    public StateStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    public Path root() {
        return root;
    }

    public Path dir(String id) {
        return root.resolve(id);
    }

    public static void checkId(String id) {
        if (id == null || id.isEmpty()) {
            throw new FutabaException("a container id is required");
        }
        if (!ID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new FutabaException("invalid container id \"" + id + "\": use letters, digits, '_', '+', '-' and '.'");
        }
    }

    /** Claims id: makes its directory, or fails if a container has it already. */
    public Path claim(String id) {
        checkId(id);
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            return Files.createDirectory(dir(id),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        } catch (FileAlreadyExistsException e) {
            throw new FutabaException("container with id " + id + " exists already");
        } catch (IOException e) {
            throw new FutabaException("cannot create the state directory " + dir(id) + ": " + IoErrors.reason(e), e);
        }
    }

    public void save(ContainerState state) {
        Path file = dir(state.id()).resolve(STATE_FILE);
        Path tmp = dir(state.id()).resolve(STATE_FILE + ".tmp");
        try {
            Files.writeString(tmp, Json.write(state.toJson()), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new FutabaException("cannot write " + file + ": " + IoErrors.reason(e), e);
        }
    }

    /** The recorded state of id; FutabaException if there is no such container. */
    public ContainerState load(String id) {
        checkId(id);
        Path file = dir(id).resolve(STATE_FILE);
        try {
            return ContainerState.fromJson(JsonObject.root(Json.parse(Files.readString(file)), file.toString()));
        } catch (NoSuchFileException e) {
            throw new FutabaException("container " + id + " does not exist");
        } catch (IOException e) {
            throw new FutabaException("cannot read the state of container " + id + ": " + IoErrors.reason(e), e);
        } catch (JsonException e) {
            throw new FutabaException("cannot read the state of container " + id + ": " + e.getMessage(), e);
        }
    }

    public boolean exists(String id) {
        return Files.isDirectory(dir(id));
    }

    /** The ids of every container, in name order. */
    public List<String> ids() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
                    .map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new FutabaException("cannot list " + root + ": " + IoErrors.reason(e), e);
        }
    }

    /** Removes the container's directory and everything in it. */
    public void remove(String id) {
        Path dir = dir(id);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new FutabaException("cannot remove " + dir + ": " + IoErrors.reason(e), e);
        }
    }

    /** The live status: from the recorded process (still the same one?) and the exec fifo. */
    public Status status(ContainerState state) {
        if (state.pid() <= 0) {
            return Status.CREATING;
        }
        ProcStat stat = ProcStat.read(state.pid());
        if (stat == null || stat.zombie() || stat.startTime() != state.pidStartTime()) {
            return Status.STOPPED;
        }
        if (Files.exists(dir(state.id()).resolve(EXEC_FIFO))) {
            return Status.CREATED;
        }
        return Cgroup.fromState(state.cgroupVersion(), state.cgroupDirs()).frozen() ? Status.PAUSED : Status.RUNNING;
    }

    /** The user name owning the container's directory, as runc shows it. */
    public String owner(String id) {
        try {
            int uid = (Integer) Files.getAttribute(dir(id), "unix:uid");
            return Users.name(uid);
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    /** Every container, with its status; a container whose state cannot be read is skipped. */
    public List<ContainerState> all() {
        List<ContainerState> out = new ArrayList<>();
        for (String id : ids()) {
            try {
                out.add(load(id));
            } catch (FutabaException unreadable) {
                // removed meanwhile, or a half-written directory of a crashed create
            }
        }
        return out;
    }
}
