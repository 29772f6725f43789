package io.karakuri.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.layer.LayerUnpacker;
import io.karakuri.image.layer.UnpackResult;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.ImageConfig;
import io.karakuri.image.oci.Platform;
import io.karakuri.image.registry.RegistryClient;
import io.karakuri.image.store.ChainIds;
import io.karakuri.image.store.ContentStore;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageName;
import io.karakuri.image.store.ImageStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * `pull`: manifest and config first (small), then the layers, several at a time, each in one streaming pass:
 * the bytes from the registry go both into the content store and through the unpacker (digest check,
 * decompression, unpack) while they arrive. The image is recorded only when every blob is stored and every
 * layer unpacked; a pull cut short anywhere leaves no image and no half-written blob or layer, and the next
 * pull reuses the blobs and layers it finished (kept a day: {@link ImageStore#keep}) and continues a blob
 * whose download broke from the bytes it got ({@link ContentStore#resumableWriter}, a Range request).
 */
final class ImagePull {
    private static final int PARALLEL_LAYERS = 3;
    private static final int PIPE_BUFFER = 1 << 20;
    private static final long PROGRESS_STEP = 512 << 10;

    private final ImageStore images;
    private final LayerUnpacker unpacker;
    private final Map<Digest, Object> unpacking;
    private final Set<Digest> pending;
    private final ObjectMapper mapper = new ObjectMapper();

    /**
     * unpacking: a lock per chain id, shared with every unpack of the engine; pending: layers unpacked by a
     * pull whose image is not recorded yet (their directories are not leftovers).
     */
    ImagePull(ImageStore images, LayerUnpacker unpacker, Map<Digest, Object> unpacking, Set<Digest> pending) {
        this.images = images;
        this.unpacker = unpacker;
        this.unpacking = unpacking;
        this.pending = pending;
    }

    Image pull(RegistryClient registry, Reference ref, Platform platform, Consumer<Progress> progress)
            throws IOException, SQLException {
        ContentStore content = images.content();
        progress.accept(Progress.of(ref.familiar(), "Resolving"));
        RegistryClient.ResolvedImage resolved = platform == null ? registry.resolve(ref) : registry.resolve(ref, platform);
        List<Descriptor> layers = resolved.parsed().layers();
        Descriptor configDescriptor = resolved.parsed().config();
        if (configDescriptor == null) {
            throw new IllegalArgumentException(ref.familiar() + ": the manifest names no image config");
        }
        Map<Digest, Long> unpackedHere = new LinkedHashMap<>();
        try {
            byte[] configBytes = registry.fetchBlobBytes(ref, configDescriptor);
            images.keep(content.write(configBytes).digest()); // fetchBlobBytes checked it against the descriptor
            ImageConfig config = mapper.readValue(configBytes, ImageConfig.class);
            List<String> diffIds = config.rootfs() == null ? List.of() : config.rootfs().diffIds();
            if (diffIds.size() != layers.size()) {
                throw new IllegalArgumentException(ref.familiar() + ": the config lists " + diffIds.size()
                        + " layers, the manifest " + layers.size());
            }
            List<Digest> chainIds = ChainIds.of(diffIds.stream().map(Digest::parse).toList());
            fetchLayers(registry, ref, layers, diffIds, chainIds, unpackedHere, progress);
            content.write(resolved.manifest().bytes());
            List<ImageName> names = ref.tag() == null ? List.of()
                    : List.of(new ImageName(ref.name(), ref.tag()));
            Image image = images.add(resolved.manifest().digest(), names);
            for (Map.Entry<Digest, Long> e : unpackedHere.entrySet()) {
                images.markUnpacked(e.getKey(), e.getValue());
            }
            progress.accept(Progress.of(ref.familiar(), "Pulled " + resolved.manifest().digest()));
            return images.findByDigest(image.digest()).orElseThrow();
        } finally {
            // what a failed pull stored complete stays, kept (ImageStore.keep) for the next pull to reuse
            unpackedHere.keySet().forEach(pending::remove);
        }
    }

    private void fetchLayers(RegistryClient registry, Reference ref, List<Descriptor> layers, List<String> diffIds,
            List<Digest> chainIds, Map<Digest, Long> unpackedHere, Consumer<Progress> progress)
            throws IOException {
        Semaphore slots = new Semaphore(PARALLEL_LAYERS);
        Consumer<Progress> serialized = p -> {
            synchronized (progress) {
                progress.accept(p);
            }
        };
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                Descriptor layer = layers.get(i);
                Digest diffId = Digest.parse(diffIds.get(i));
                Digest chainId = chainIds.get(i);
                running.add(pool.submit(() -> {
                    slots.acquireUninterruptibly();
                    try {
                        Long size = fetchLayer(registry, ref, layer, diffId, chainId, serialized);
                        if (size != null) {
                            synchronized (unpackedHere) {
                                unpackedHere.put(chainId, size);
                            }
                        }
                        return null;
                    } finally {
                        slots.release();
                    }
                }));
            }
            IOException first = null;
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof IOException io ? io
                                : e.getCause() instanceof RuntimeException re ? rethrow(re) : new IOException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("pull interrupted", e);
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    private static IOException rethrow(RuntimeException e) {
        throw e;
    }

    /**
     * Stores and unpacks one layer; returns its unpacked size when the image's record must mark it unpacked
     * (this pull unpacked it, or an earlier pull that failed did), else null.
     */
    private Long fetchLayer(RegistryClient registry, Reference ref, Descriptor layer, Digest diffId, Digest chainId,
            Consumer<Progress> progress) throws IOException, SQLException {
        Digest blob = layer.parsedDigest();
        String id = blob.shortHex();
        ContentStore content = images.content();
        synchronized (unpacking.computeIfAbsent(chainId, k -> new Object())) {
            boolean unpacked = pending.contains(chainId) || images.isLayerUnpacked(chainId);
            Long left = unpacked || !Files.isDirectory(images.layerDirectory(chainId)) ? null
                    : images.keptLayerSize(chainId); // unpacked by a pull that then failed
            if (unpacked || left != null) {
                if (!content.has(blob)) { // the layer is here, this image's blob of it is not: the blob alone
                    try (ContentStore.Writer writer = content.resumableWriter(blob, layer.size())) {
                        try {
                            Tee tee = new Tee(writer.stream(), OutputStream.nullOutputStream());
                            download(registry, ref, layer, writer, tee, new Counting(tee, id, layer.size(), progress));
                        } catch (IOException | RuntimeException e) {
                            writer.keepPartial(); // what came before the break, for the next pull to resume
                            throw e;
                        }
                        writer.commit(blob, layer.size());
                    }
                    images.keep(blob);
                }
                progress.accept(Progress.of(id, "Already exists"));
                return left;
            }
            images.discardUnmarkedLayerDirectory(chainId);
            try (ContentStore.Writer writer = content.resumableWriter(blob, layer.size());
                    PipedInputStream unpackInput = new PipedInputStream(PIPE_BUFFER)) {
                PipedOutputStream toUnpacker = new PipedOutputStream(unpackInput);
                Future<UnpackResult> unpack;
                try (ExecutorService one = Executors.newVirtualThreadPerTaskExecutor()) {
                    // the blob's digest is checked by the registry client and the content store; the unpacker
                    // checks the diff id (the content itself)
                    unpack = one.submit(() -> unpacker.unpack(unpackInput, layer.mediaType(), null, diffId,
                            images.layerDirectory(chainId)));
                    IOException downloadFailure = null;
                    Tee tee = new Tee(writer.stream(), toUnpacker);
                    try (tee) {
                        download(registry, ref, layer, writer, tee, new Counting(tee, id, layer.size(), progress));
                    } catch (IOException | RuntimeException e) {
                        downloadFailure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
                    }
                    UnpackResult result;
                    try {
                        result = unpack.get();
                    } catch (ExecutionException e) {
                        if (downloadFailure != null && !tee.unpackerStoppedFirst) {
                            writer.keepPartial(); // what came before the break, for the next pull to resume
                            throw downloadFailure; // the unpacker only saw the stream end early
                        }
                        Throwable cause = e.getCause(); // a hostile entry, a digest: the unpacker's reason
                        throw cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("pull interrupted", e);
                    }
                    if (downloadFailure != null) {
                        writer.keepPartial();
                        throw downloadFailure;
                    }
                    writer.commit(blob, layer.size());
                    images.keep(blob);
                    images.keepLayer(chainId, result.size());
                    pending.add(chainId);
                    progress.accept(Progress.of(id, "Pull complete"));
                    return result.size();
                }
            }
        }
    }

    /**
     * Fetches a blob into the writer, continuing after the bytes it kept from a download that broke (when the
     * registry honours the range): those are replayed into the tee's second stream (the unpacker's pipe, which
     * must see the blob from byte 0) and the registry client's digest, then the rest comes through counting
     * (into the tee, whose first stream is the writer's).
     */
    private static void download(RegistryClient registry, Reference ref, Descriptor blob, ContentStore.Writer writer,
            Tee tee, Counting counting) throws IOException {
        long kept = writer.kept() < blob.size() ? writer.kept() : 0; // more than the blob: not this blob's start
        registry.fetchBlob(ref, blob, kept, (from, md) -> {
            tee.replaying = true;
            try {
                writer.resumeFrom(from, tee, md);
            } finally {
                tee.replaying = false;
            }
            counting.advance(from);
            return counting;
        });
    }

    /** Both streams get every byte; closing closes the second (the unpacker's end of the pipe). */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;
        /** The unpacker closed its end while bytes were still coming: it refused the layer. */
        volatile boolean unpackerStoppedFirst;
        /** Bytes the first stream already has (a resumed download's kept part): to the second one only. */
        boolean replaying;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!replaying) {
                first.write(b, off, len);
            }
            try {
                second.write(b, off, len);
            } catch (IOException pipeClosed) {
                unpackerStoppedFirst = true;
                throw pipeClosed;
            }
        }

        @Override
        public void close() throws IOException {
            second.close();
        }
    }

    /** Reports "Downloading" every PROGRESS_STEP bytes. */
    private static final class Counting extends OutputStream {
        private final OutputStream out;
        private final String id;
        private final long total;
        private final Consumer<Progress> progress;
        private long count;
        private long reported;

        Counting(OutputStream out, String id, long total, Consumer<Progress> progress) {
            this.out = out;
            this.id = id;
            this.total = total;
            this.progress = progress;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        /** Bytes that came from elsewhere (a resumed download's kept part) count too. */
        void advance(long n) {
            count += n;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
            if (count - reported >= PROGRESS_STEP || count == total) {
                reported = count;
                progress.accept(new Progress(id, "Downloading", count, total));
            }
        }
    }
}
