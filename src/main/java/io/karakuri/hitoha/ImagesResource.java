package io.karakuri.hitoha;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Progress;
import io.karakuri.image.Reference;
import io.karakuri.image.registry.Platforms;
import io.karakuri.image.Digest;
import io.karakuri.image.ImageService;
import io.karakuri.image.archive.ImageArchive;
import io.karakuri.image.oci.Platform;
import io.karakuri.image.store.Image;
import io.karakuri.image.store.ImageName;
import io.karakuri.image.store.ImageStore;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * /v1/images: the image commands of the CLI ({@code images}, {@code rmi}, {@code tag}, {@code save},
 * {@code load}, {@code import}) over {@link ImageService}. Every method runs on a worker thread: the store
 * is SQLite and files. Archives go through as streams both ways, never whole in memory. Names are shown
 * as Docker shows them ("busybox:latest"); refusals are {"message": ...} (see {@link ApiErrors}).
 */
@Path("/v1/images")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ImagesResource {
    public static final String TAR = "application/x-tar";
    public static final String NDJSON = "application/x-ndjson";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A line of {@code karakuri images}: repository and tag null for an image without a name. */
    public record Row(String repository, String tag, String id, String digest, long size, Long unpackedSize,
            String created) {
    }

    public record Layer(String chainId, String diffId, String blob, String mediaType, long size, Long unpackedSize) {
    }

    /** An image as inspect shows it: id is the config digest (in full), digest the manifest's. */
    public record ImageView(String id, String digest, List<String> names, Platform platform, long size,
            Long unpackedSize, String created, List<Layer> layers) {
        static ImageView of(Image image) {
            return new ImageView(image.id().toString(), image.digest().toString(), familiar(image.names()),
                    image.platform(), image.size(), image.unpackedSize(), image.created(),
                    image.layers().stream().map(l -> new Layer(l.chainId().toString(), l.diffId().toString(),
                            l.blob().toString(), l.mediaType(), l.size(), l.unpackedSize())).toList());
        }
    }

    public record TagRequest(String source, String target) {
    }

    /** What rmi did: the names taken away, the images (manifest digests) deleted. */
    public record RemoveAnswer(List<String> untagged, List<String> deleted) {
    }

    public record LoadAnswer(List<ImageView> images) {
    }

    @Inject
    ImageEngine engine;

    @Inject
    Registries registries;

    @GET
    public List<Row> list() throws SQLException {
        return service().list().stream().map(ImagesResource::row).toList();
    }

    @GET
    @Path("/{ref: .+}")
    public ImageView inspect(@PathParam("ref") String ref) throws SQLException {
        return ImageView.of(service().find(ref));
    }

    @DELETE
    @Path("/{ref: .+}")
    public RemoveAnswer remove(@PathParam("ref") String ref, @QueryParam("force") String force)
            throws SQLException, IOException {
        if (force != null && !force.isEmpty() && !force.equals("true") && !force.equals("false")) {
            throw ApiException.badRequest("force is true or false, not \"" + force + "\"");
        }
        ImageStore.Removal removal = service().remove(ref, "true".equals(force));
        return new RemoveAnswer(familiar(removal.untagged()), removal.deleted().stream().map(Digest::toString).toList());
    }

    @POST
    @Path("/tag")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response tag(TagRequest request) throws SQLException {
        if (request == null || blank(request.source()) || blank(request.target())) {
            throw ApiException.badRequest("tag needs a source and a target");
        }
        return Response.status(201).entity(ImageView.of(service().tag(request.source(), request.target()))).build();
    }

    /**
     * The images named, as one tar written straight to the response. Every name is looked up first, so that
     * an unknown one is a 404 rather than a broken archive.
     */
    @GET
    @Path("/save")
    @Produces({TAR, MediaType.APPLICATION_JSON})
    public Response save(@QueryParam("name") List<String> names, @QueryParam("format") String format)
            throws SQLException {
        ImageArchive.Format f = format(format);
        if (names == null || names.isEmpty()) {
            throw ApiException.badRequest("name at least one image to save");
        }
        for (String name : names) {
            service().find(name);
        }
        StreamingOutput body = out -> {
            try {
                service().save(names, f, out);
            } catch (SQLException e) {
                throw new IOException("cannot read the image records: " + e.getMessage(), e);
            }
        };
        return Response.ok(body, TAR).build();
    }

    @POST
    @Path("/load")
    @Consumes({TAR, MediaType.APPLICATION_OCTET_STREAM, "application/gzip"})
    public LoadAnswer load(InputStream in) throws SQLException, IOException {
        return new LoadAnswer(service().load(in).stream().map(ImageView::of).toList());
    }

    @POST
    @Path("/import")
    @Consumes({TAR, MediaType.APPLICATION_OCTET_STREAM, "application/gzip"})
    public Response importRootfs(@QueryParam("name") String name, @QueryParam("comment") String comment,
            InputStream in) throws SQLException, IOException {
        if (name != null && name.isEmpty()) {
            name = null;
        }
        if (name != null) {
            ImageName.parse(name); // a bad name is refused before the tarball is read
        }
        return Response.status(201).entity(ImageView.of(service().importRootfs(in, name, comment))).build();
    }

    private ImageService service() {
        return engine.service();
    }

    private static Row row(ImageStore.Row r) {
        String repository = r.repository() == null ? null : new ImageName(r.repository(), r.tag()).familiarRepository();
        return new Row(repository, r.tag(), r.id(), r.image().digest().toString(), r.size(), r.unpackedSize(),
                r.created());
    }

    private static List<String> familiar(List<ImageName> names) {
        return names.stream().map(ImageName::familiar).toList();
    }

    private static ImageArchive.Format format(String format) {
        return switch (format == null || format.isEmpty() ? "both" : format) {
            case "both" -> ImageArchive.Format.OCI_AND_DOCKER;
            case "oci" -> ImageArchive.Format.OCI;
            case "docker" -> ImageArchive.Format.DOCKER;
            default -> throw ApiException.badRequest("unknown archive format \"" + format + "\": oci, docker or both");
        };
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** What `karakuri pull` asks: the image, and optionally the platform ("os:arch[:variant]") and registry. */
    public record PullRequest(String image, String platform, String registry) {
    }

    /** What `karakuri push` asks: the image, and optionally the registry (else the connected one, else its own). */
    public record PushRequest(String image, String registry) {
    }

    /**
     * POST /v1/images/pull: the progress as newline-delimited JSON ({"id", "status", "current", "total"}), then
     * {"status": "done", "reference", "digest"} or {"error": "..."}. A bad request is refused before the stream.
     */
    @POST
    @Path("/pull")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(NDJSON)
    public Response pull(PullRequest request) {
        if (request == null || request.image() == null || request.image().isBlank()) {
            throw ApiException.badRequest("name the image to pull");
        }
        String ref = request.registry() == null ? request.image() : request.registry() + "/" + request.image();
        Reference reference = Reference.parse(ref);
        Platform platform = request.platform() == null ? null : Platforms.parse(request.platform());
        return progressStream(progress -> {
            Image image = service().pull(ref, platform, progress);
            return Map.of("status", "done", "reference", reference.familiar(), "digest", image.digest().toString());
        });
    }

    /** POST /v1/images/push: as pull, ending with {"status": "done", "reference" (where it went), "digest"}. */
    @POST
    @Path("/push")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(NDJSON)
    public Response push(PushRequest request) throws SQLException {
        if (request == null || request.image() == null || request.image().isBlank()) {
            throw ApiException.badRequest("name the image to push");
        }
        Image image = service().find(request.image());
        String registry = request.registry() != null ? request.registry() : registries.connection().get().target();
        return progressStream(progress -> {
            Reference target = service().push(request.image(), registry, progress);
            return Map.of("status", "done", "reference", target.familiar(), "digest", image.digest().toString());
        });
    }

    @FunctionalInterface
    private interface Transfer {
        Map<String, Object> run(Consumer<Progress> progress) throws Exception;
    }

    /** Runs the transfer while the answer streams: each progress step a line, flushed, then its result. */
    private static Response progressStream(Transfer transfer) {
        StreamingOutput body = out -> {
            Consumer<Progress> progress = step -> line(out, step);
            Object last;
            try {
                last = transfer.run(progress);
            } catch (Exception e) {
                last = Map.of("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
            line(out, last);
        };
        return Response.ok(body, NDJSON).build();
    }

    private static void line(OutputStream out, Object value) {
        try {
            out.write(JSON.writeValueAsBytes(value));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away: the transfer stops
        }
    }
}
