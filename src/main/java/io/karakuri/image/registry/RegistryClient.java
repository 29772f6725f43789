package io.karakuri.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.karakuri.image.Digest;
import io.karakuri.image.MediaTypes;
import io.karakuri.image.Reference;
import io.karakuri.image.oci.Descriptor;
import io.karakuri.image.oci.Index;
import io.karakuri.image.oci.Manifest;
import io.karakuri.image.oci.Platform;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A client of the OCI distribution API (Docker's registry v2), on Vert.x Web Client.
 *
 * <p><b>Blocking.</b> Every method blocks its calling thread until done, and refuses to run on a Vert.x event
 * loop: hitoha calls it from worker threads, the CLI from its main thread, and a blob goes to an
 * {@link OutputStream} sink with the digest computed as it passes, which is blocking work by nature. The
 * requests themselves run asynchronously on Vert.x; the caller waits on their futures, and a blob download is
 * handed over through a small queue with back-pressure (at most 8 buffers in flight), so a blob is never
 * held in memory whole.
 *
 * <p><b>Transport.</b> HTTPS with the system's trust store plus {@code <certsDir>/<host:port>/*.crt}. A
 * registry listed as insecure, and (as Docker does) localhost and 127.0.0.0/8, is tried over HTTPS first
 * without checking the certificate, then over plain HTTP; the scheme that answered is kept for the client's
 * life. No other registry is ever spoken to over plain HTTP.
 *
 * <p><b>Auth.</b> The client pings {@code /v2/} once per registry and keeps its challenge. For Bearer, it asks
 * the realm for a token for the scopes the operation needs (anonymous, or with the stored user and
 * password), caches it per registry and scope set until {@code expires_in} (60 s by default) runs out, and
 * after a 401 fetches a new one for the scopes of the new challenge plus its own and retries once. For
 * Basic it sends the stored credentials.
 */
public final class RegistryClient implements AutoCloseable {
    private static final int MAX_MANIFEST = 4 << 20;
    private static final int IN_FLIGHT = 8;
    private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    private static final String USER_AGENT = "karakuri";

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final RegistryOptions options;
    private final Credentials credentials;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    /** What a push of one blob came to. */
    public enum BlobPush {
        /** The registry had it already. */
        EXISTS,
        /** Mounted from another repository of the same registry, nothing sent. */
        MOUNTED,
        /** Sent. */
        UPLOADED
    }

    /** Opens a blob's content, once per try. */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open() throws IOException;
    }

    /**
     * A manifest or index as the registry sent it, verified against its digest and size.
     *
     * @param reference the reference asked for, with the digest filled in
     */
    public record FetchedManifest(Reference reference, Digest digest, String mediaType, byte[] bytes) {
        public boolean isIndex() {
            return MediaTypes.isIndex(mediaType);
        }

        public Descriptor descriptor() {
            return Descriptor.of(mediaType, digest, bytes.length);
        }
    }

    /**
     * An image manifest for one platform, and the index it was chosen from (null when the reference named a
     * manifest).
     */
    public record ResolvedImage(Reference reference, FetchedManifest index, FetchedManifest manifest,
            Manifest parsed, Platform platform) {
    }

    /** A client on its own Vert.x instance, closed with the client. */
    public static RegistryClient create(RegistryOptions options) {
        return new RegistryClient(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)),
                true, options);
    }

    /** A client on the caller's Vert.x (hitoha's), which close() leaves running. */
    public RegistryClient(Vertx vertx, RegistryOptions options) {
        this(vertx, false, options);
    }

    private RegistryClient(Vertx vertx, boolean ownsVertx, RegistryOptions options) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.options = options;
        this.credentials = new Credentials(options.authFile(), options.dockerConfig());
    }

    public Credentials credentials() {
        return credentials;
    }

    // ---------------------------------------------------------------------------------------------- manifests

    /** The manifest or index a reference names, verified; schema 1 is refused. */
    public FetchedManifest fetchManifest(Reference ref) {
        Endpoint ep = endpoint(ref.domain());
        HttpResponse<Buffer> r = call(ep, Scopes.pull(ref), HttpMethod.GET, manifestPath(ref, ref.identifier()),
                acceptManifests(), null);
        if (r.statusCode() != 200) {
            throw failure(ep, r, subject(ref));
        }
        byte[] bytes = r.body() == null ? new byte[0] : r.body().getBytes();
        if (bytes.length > MAX_MANIFEST) {
            throw new RegistryException(prefix(ep) + "the manifest of " + subject(ref) + " is larger than "
                    + (MAX_MANIFEST >> 20) + " MiB");
        }
        String mediaType = mediaType(r.getHeader("Content-Type"), bytes);
        if (MediaTypes.isSchema1(mediaType)) {
            throw new RegistryException(prefix(ep) + subject(ref) + " has a Docker schema 1 manifest, which karakuri "
                    + "does not read (deprecated since 2019): push the image again with a current client");
        }
        if (!MediaTypes.isIndex(mediaType) && !MediaTypes.isManifest(mediaType)) {
            throw new RegistryException(prefix(ep) + subject(ref) + " has a manifest of unknown type \"" + mediaType + "\"");
        }
        Digest expected = ref.digest();
        String header = r.getHeader("Docker-Content-Digest");
        if (expected == null && header != null) {
            try {
                expected = Digest.parse(header.trim());
            } catch (IllegalArgumentException e) {
                throw new RegistryException(prefix(ep) + "bad Docker-Content-Digest for " + subject(ref) + ": " + e.getMessage());
            }
        }
        Digest actual = digestOf(expected == null ? "sha256" : expected.algorithm(), bytes);
        if (expected != null && !expected.equals(actual)) {
            throw new RegistryException(prefix(ep) + "the manifest of " + subject(ref) + " has digest " + actual
                    + ", not " + expected);
        }
        String length = r.getHeader("Content-Length");
        if (length != null && Long.parseLong(length.trim()) != bytes.length) {
            throw new RegistryException(prefix(ep) + "the manifest of " + subject(ref) + " has " + bytes.length
                    + " bytes, not the " + length.trim() + " announced");
        }
        return new FetchedManifest(ref.withDigest(actual), actual, mediaType, bytes);
    }

    /** The image for the configured platform ({@link RegistryOptions#platform()}). */
    public ResolvedImage resolve(Reference ref) {
        return resolve(ref, options.platform());
    }

    /** The image manifest a reference names, chosen from its index for the platform if it names an index. */
    public ResolvedImage resolve(Reference ref, Platform platform) {
        FetchedManifest first = fetchManifest(ref);
        if (!first.isIndex()) {
            return new ResolvedImage(first.reference(), null, first, parse(first, Manifest.class), null);
        }
        Index index = parse(first, Index.class);
        Descriptor chosen = Platforms.select(index, platform, prefix(endpoint(ref.domain())) + subject(ref));
        Digest digest = chosen.parsedDigest();
        FetchedManifest m = fetchManifest(ref.withDigest(digest));
        if (m.bytes().length != chosen.size()) {
            throw new RegistryException(prefix(endpoint(ref.domain())) + "the manifest " + digest + " has "
                    + m.bytes().length + " bytes, the index says " + chosen.size());
        }
        if (m.isIndex()) {
            throw new RegistryException(prefix(endpoint(ref.domain())) + "the index of " + subject(ref)
                    + " names another index for " + platform);
        }
        return new ResolvedImage(first.reference(), first, m, parse(m, Manifest.class), chosen.platform());
    }

    /** Puts a manifest (or index) under the reference's tag, or its digest; returns the manifest's digest. */
    public Digest pushManifest(Reference ref, String mediaType, byte[] bytes) {
        Endpoint ep = endpoint(ref.domain());
        Digest digest = ref.digest() != null ? digestOf(ref.digest().algorithm(), bytes) : Digest.sha256(bytes);
        if (ref.digest() != null && !ref.digest().equals(digest)) {
            throw new IllegalArgumentException("the manifest's digest is " + digest + ", not " + ref.digest());
        }
        String target = ref.tag() != null ? ref.tag() : digest.toString();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", mediaType);
        HttpResponse<Buffer> r = call(ep, Scopes.push(ref), HttpMethod.PUT, manifestPath(ref, target), headers,
                Buffer.buffer(bytes));
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw failure(ep, r, subject(ref));
        }
        String answered = r.getHeader("Docker-Content-Digest");
        if (answered != null && !answered.trim().equals(digest.toString())) {
            throw new RegistryException(prefix(ep) + "stored the manifest of " + subject(ref) + " as " + answered
                    + ", not " + digest);
        }
        return digest;
    }

    /** The digest a tag points at (HEAD), with the manifest media types accepted. */
    public Digest manifestDigest(Reference ref) {
        if (ref.digest() != null) {
            return ref.digest();
        }
        Endpoint ep = endpoint(ref.domain());
        HttpResponse<Buffer> r = call(ep, Scopes.pull(ref), HttpMethod.HEAD, manifestPath(ref, ref.identifier()),
                acceptManifests(), null);
        if (r.statusCode() != 200) {
            throw failure(ep, r, subject(ref));
        }
        String header = r.getHeader("Docker-Content-Digest");
        return header != null ? Digest.parse(header.trim()) : fetchManifest(ref).digest();
    }

    /**
     * Deletes a manifest. Registries delete by digest only, so a tag is first resolved to its digest (HEAD);
     * every tag pointing at that manifest goes with it. Returns the digest deleted.
     */
    public Digest deleteManifest(Reference ref) {
        Endpoint ep = endpoint(ref.domain());
        Digest digest = manifestDigest(ref);
        HttpResponse<Buffer> r = call(ep, Scopes.of(ref, "delete"), HttpMethod.DELETE,
                manifestPath(ref, digest.toString()), null, null);
        if (r.statusCode() != 202 && r.statusCode() != 200) {
            throw failure(ep, r, subject(ref));
        }
        return digest;
    }

    // -------------------------------------------------------------------------------------------------- blobs

    /** Whether the repository has the blob (HEAD). */
    public boolean blobExists(Reference repo, Digest digest) {
        Endpoint ep = endpoint(repo.domain());
        HttpResponse<Buffer> r = call(ep, Scopes.pull(repo), HttpMethod.HEAD, blobPath(repo, digest), null, null);
        if (r.statusCode() == 200 || r.statusCode() == 307 || r.statusCode() == 302) {
            return true; // a redirect to the storage behind the registry: it has the blob
        }
        if (r.statusCode() == 404) {
            return false;
        }
        throw failure(ep, r, repo.repository() + "@" + digest);
    }

    /**
     * Streams a blob into the sink, checking its size and digest against the descriptor as it passes. On any
     * failure the sink has had part of the blob, or bytes that are not it: the caller throws it away.
     *
     * @throws IOException when the sink fails
     */
    public void fetchBlob(Reference repo, Descriptor blob, OutputStream sink) throws IOException {
        fetchBlob(repo, blob, 0, (from, md) -> sink);
    }

    /** Where a download that may resume goes: told where the registry's bytes start, before the first one. */
    @FunctionalInterface
    public interface ResumedSink {
        /**
         * from is 0 (the whole blob comes) or the offset asked for (the registry honoured the range); the caller
         * feeds the blob's first from bytes, which it holds, into md (the digest checked at the end) and
         * returns where the rest goes.
         */
        OutputStream start(long from, MessageDigest md) throws IOException;
    }

    /**
     * As {@link #fetchBlob(Reference, Descriptor, OutputStream)}, asking for the blob from byte offset on
     * ({@code Range: bytes=offset-}) when offset is above 0. A 206 whose Content-Range starts there continues
     * the blob; a 200 (no range support) sends it whole; either way size and digest are checked over the whole
     * blob, the caller's first bytes included.
     */
    public void fetchBlob(Reference repo, Descriptor blob, long offset, ResumedSink sink) throws IOException {
        Endpoint ep = endpoint(repo.domain());
        Digest digest = blob.parsedDigest();
        String what = repo.repository() + "@" + digest;
        ep.ping();
        String url = ep.base + blobPath(repo, digest);
        Scopes scopes = Scopes.pull(repo);
        boolean renewed = false;
        for (int redirects = 0; ; ) {
            boolean sameHost = url.startsWith(ep.base + "/");
            String auth = sameHost ? authorization(ep, scopes, false) : null;
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                    .setFollowRedirects(false).putHeader("User-Agent", USER_AGENT);
            if (auth != null) {
                ro.putHeader("Authorization", auth);
            }
            if (offset > 0) {
                ro.putHeader("Range", "bytes=" + offset + "-");
            }
            Promise<Context> context = Promise.promise();
            // paused by a listener on send's own future, which runs as the answer arrives: one added to the
            // composed future may run later, on another event loop, after the body and its end are gone
            HttpClientResponse resp = await(ep, ep.http.request(ro).compose(req -> req.send().map(r -> {
                r.pause();
                context.complete(Vertx.currentContext());
                return r;
            })));
            Context ctx = context.future().result();
            int status = resp.statusCode();
            if (status == 200) {
                receive(ep, resp, ctx, blob, digest, what, 0, sink);
                return;
            }
            if (status == 206 && offset > 0 && contentRange(resp.getHeader("Content-Range"), offset, blob.size())) {
                receive(ep, resp, ctx, blob, digest, what, offset, sink);
                return;
            }
            if (offset > 0 && (status == 206 || status == 416)) { // once: the next request asks no range
                ctx.runOnContext(v -> {
                    resp.exceptionHandler(ignored -> { });
                    resp.request().reset();
                });
                offset = 0; // a range other than the one asked for, or none to give: the whole blob
                continue;
            }
            Buffer body = await(ep, onContext(ctx, () -> {
                Future<Buffer> f = resp.body();
                resp.resume();
                return f;
            }));
            if (status / 100 == 3 && resp.getHeader("Location") != null && ++redirects <= 5) {
                url = URI.create(url).resolve(resp.getHeader("Location")).toString();
                continue;
            }
            if (status == 401 && sameHost && !renewed) {
                renewed = true;
                scopes = reauthenticate(ep, resp.headers().getAll("WWW-Authenticate"), scopes);
                continue;
            }
            throw failure(ep, status, body, what);
        }
    }

    /** A small blob (an image config) in memory; refused above 4 MiB. */
    public byte[] fetchBlobBytes(Reference repo, Descriptor blob) {
        if (blob.size() > MAX_MANIFEST) {
            throw new RegistryException("blob " + blob.digest() + " has " + blob.size() + " bytes: too large to hold in memory");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) blob.size());
        try {
            fetchBlob(repo, blob, out);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Pushes a blob unless the repository has it: mounted from {@code mountFrom} (a repository of the same
     * registry, null for none) when the registry can, else uploaded, in one PUT up to the monolithic limit and
     * in PATCH chunks above it. The content is checked against the descriptor before the upload is committed.
     *
     * @throws IOException when the source fails
     * @throws IllegalArgumentException when the source's size or digest is not the descriptor's (the upload is
     *         cancelled)
     */
    public BlobPush pushBlob(Reference repo, Descriptor blob, BlobSource source, String mountFrom) throws IOException {
        Endpoint ep = endpoint(repo.domain());
        Digest digest = blob.parsedDigest();
        String what = repo.repository() + "@" + digest;
        if (blobExists(repo, digest)) {
            return BlobPush.EXISTS;
        }
        Scopes scopes = Scopes.push(repo);
        String path = "/v2/" + repo.repository() + "/blobs/uploads/";
        if (mountFrom != null) {
            scopes = scopes.with("repository:" + mountFrom + ":pull");
            path += "?mount=" + enc(digest.toString()) + "&from=" + enc(mountFrom);
        }
        HttpResponse<Buffer> r = call(ep, scopes, HttpMethod.POST, path, null, Buffer.buffer());
        if (r.statusCode() == 201 && mountFrom != null) {
            return BlobPush.MOUNTED;
        }
        if (r.statusCode() != 202) {
            throw failure(ep, r, what);
        }
        String location = location(ep, r, what);
        MessageDigest md = digest.newMessageDigest();
        try (InputStream in = source.open()) {
            if (blob.size() <= options.monolithicLimit()) {
                byte[] all = in.readNBytes((int) blob.size() + 1);
                md.update(all, 0, Math.min(all.length, (int) blob.size()));
                check(all.length, blob, Digest.of(digest.algorithm(), md), what, ep, location);
                MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/octet-stream");
                r = call(ep, scopes, HttpMethod.PUT, withQuery(location, "digest=" + enc(digest.toString())), headers,
                        Buffer.buffer(all));
            } else {
                long offset = 0;
                byte[] chunk = new byte[options.chunkSize()];
                while (true) {
                    int n = in.readNBytes(chunk, 0, chunk.length);
                    if (n == 0) {
                        break;
                    }
                    if (offset + n > blob.size()) {
                        check(offset + n, blob, null, what, ep, location);
                    }
                    md.update(chunk, 0, n);
                    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                            .add("Content-Type", "application/octet-stream")
                            .add("Content-Range", offset + "-" + (offset + n - 1));
                    r = call(ep, scopes, HttpMethod.PATCH, location, headers, Buffer.buffer(Arrays.copyOf(chunk, n)));
                    if (r.statusCode() != 202) {
                        throw failure(ep, r, what);
                    }
                    location = location(ep, r, what);
                    offset += n;
                }
                check(offset, blob, Digest.of(digest.algorithm(), md), what, ep, location);
                r = call(ep, scopes, HttpMethod.PUT, withQuery(location, "digest=" + enc(digest.toString())), null,
                        Buffer.buffer());
            }
        }
        if (r.statusCode() != 201) {
            throw failure(ep, r, what);
        }
        return BlobPush.UPLOADED;
    }

    // ----------------------------------------------------------------------------------------------- listings

    /** Every repository of a registry ({@code _catalog}), following {@code Link} pagination. */
    public List<String> catalog(String registry) {
        Endpoint ep = endpoint(registry);
        return list(ep, new Scopes(Map.of("registry:catalog", new TreeSet<>(List.of("*")))), "/v2/_catalog",
                "repositories", "the catalog");
    }

    /** Every tag of a repository ({@code tags/list}), following {@code Link} pagination. */
    public List<String> tags(Reference repo) {
        Endpoint ep = endpoint(repo.domain());
        return list(ep, Scopes.pull(repo), "/v2/" + repo.repository() + "/tags/list", "tags", repo.repository());
    }

    private List<String> list(Endpoint ep, Scopes scopes, String path, String member, String what) {
        List<String> all = new ArrayList<>();
        String next = options.pageSize() > 0 ? path + "?n=" + options.pageSize() : path;
        for (int pages = 0; next != null; pages++) {
            if (pages > 100_000) {
                throw new RegistryException(prefix(ep) + "the listing of " + what + " does not end");
            }
            HttpResponse<Buffer> r = call(ep, scopes, HttpMethod.GET, next, null, null);
            if (r.statusCode() != 200) {
                throw failure(ep, r, what);
            }
            JsonNode page = readJson(ep, r.body(), what);
            page.path(member).forEach(n -> all.add(n.asText()));
            next = null;
            String link = r.getHeader("Link");
            if (link != null) {
                Matcher m = LINK_NEXT.matcher(link);
                if (m.find()) {
                    next = m.group(1);
                }
            }
        }
        return all;
    }

    /**
     * Asks the registry's {@code /v2/} now, not from what this client remembers: returns when it answers as a
     * registry (200, or 401 asking for credentials), throws a {@link RegistryException} saying why not.
     */
    public void ping(String registry) {
        endpoint(registry).ping(true);
    }

    // -------------------------------------------------------------------------------------------------- login

    /**
     * Checks the user and password against the registry (its Basic auth, or its token server), then stores
     * them in karakuri's credentials file. A registry that asks for no auth takes any.
     */
    public void login(String registry, String user, String password) throws IOException {
        Endpoint ep = endpoint(registry);
        Credentials.Basic basic = new Credentials.Basic(user, password);
        AuthChallenge c = ep.ping();
        if (c != null && c.isBasic()) {
            HttpRequest<Buffer> req = ep.web.requestAbs(HttpMethod.GET, ep.base + "/v2/").putHeader("Authorization", basic.header());
            HttpResponse<Buffer> r = await(ep, req.send());
            if (r.statusCode() == 401) {
                throw new RegistryException(prefix(ep) + "unauthorized: wrong user name or password", 401, "UNAUTHORIZED", null);
            }
        } else if (c != null && c.isBearer()) {
            fetchToken(ep, c, new Scopes(Map.of()), Optional.of(basic));
        }
        credentials.store(ep.domain, basic);
        tokens.keySet().removeIf(k -> k.startsWith(ep.host + " "));
    }

    /** Forgets karakuri's stored credentials for the registry; false if there were none. */
    public boolean logout(String registry) throws IOException {
        tokens.keySet().removeIf(k -> k.startsWith(endpoint(registry).host + " "));
        return credentials.remove(registry);
    }

    @Override
    public void close() {
        for (Endpoint ep : endpoints.values()) {
            ep.web.close(); // and the HttpClient it wraps
        }
        endpoints.clear();
        if (ownsVertx) {
            vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> null).join();
        }
    }

    // ---------------------------------------------------------------------------------------------- plumbing

    /** The scopes an operation asks a token for, merged per resource: {@code repository:a/b:pull,push}. */
    record Scopes(Map<String, TreeSet<String>> resources) {
        static Scopes of(Reference repo, String... actions) {
            return new Scopes(Map.of("repository:" + repo.repository(), new TreeSet<>(List.of(actions))));
        }

        static Scopes pull(Reference repo) {
            return of(repo, "pull");
        }

        static Scopes push(Reference repo) {
            return of(repo, "pull", "push");
        }

        Scopes with(String scope) {
            int last = scope.lastIndexOf(':');
            if (last <= 0) {
                return this;
            }
            Map<String, TreeSet<String>> merged = new TreeMap<>();
            resources.forEach((k, v) -> merged.put(k, new TreeSet<>(v)));
            merged.computeIfAbsent(scope.substring(0, last), k -> new TreeSet<>())
                    .addAll(List.of(scope.substring(last + 1).split(",")));
            return new Scopes(merged);
        }

        List<String> strings() {
            List<String> out = new ArrayList<>();
            new TreeMap<>(resources).forEach((k, v) -> out.add(k + ":" + String.join(",", v)));
            return out;
        }
    }

    private record Token(String value, Instant expires) {
    }

    /** One registry: its clients (with its TLS settings), the scheme that answered, its challenge. */
    private final class Endpoint {
        final String domain;
        final String host;
        final boolean insecure;
        final HttpClient http;
        final WebClient web;
        volatile String base;
        volatile AuthChallenge challenge;
        volatile boolean pinged;

        Endpoint(String domain) {
            this.domain = domain;
            this.host = domain.equals(Reference.DOCKER_HUB) ? Reference.DOCKER_HUB_API : domain;
            this.insecure = options.isInsecure(domain);
            WebClientOptions o = new WebClientOptions().setUserAgent(USER_AGENT).setFollowRedirects(false)
                    .setConnectTimeout((int) options.timeout().toMillis())
                    .setIdleTimeout((int) options.timeout().toSeconds()).setDecompressionSupported(false);
            if (insecure) {
                o.setTrustAll(true).setVerifyHost(false);
            } else {
                TrustManagerFactory tmf = trust(domain);
                if (tmf != null) {
                    o.setTrustOptions(TrustOptions.wrap(tmf));
                }
                o.setVerifyHost(true);
            }
            PemKeyCertOptions clientCertificates = clientCertificates(domain);
            if (clientCertificates != null) {
                o.setKeyCertOptions(clientCertificates);
            }
            this.http = vertx.createHttpClient(o);
            this.web = WebClient.wrap(http, o);
        }

        /** GET /v2/ once: which scheme answers, and the challenge if any. */
        synchronized AuthChallenge ping() {
            return ping(false);
        }

        /** GET /v2/, again if again is true (the scheme and challenge found replace those kept). */
        synchronized AuthChallenge ping(boolean again) {
            if (pinged && !again) {
                return challenge;
            }
            pinged = false;
            HttpResponse<Buffer> r;
            try {
                r = await(this, web.requestAbs(HttpMethod.GET, "https://" + host + "/v2/").send());
                base = "https://" + host;
            } catch (RegistryException https) {
                if (!insecure) {
                    throw https;
                }
                try {
                    r = await(this, web.requestAbs(HttpMethod.GET, "http://" + host + "/v2/").send());
                    base = "http://" + host;
                } catch (RegistryException http) {
                    String overHttps = https.getMessage().substring(prefix(this).length());
                    throw new RegistryException(http.getMessage().equals(prefix(this) + overHttps) ? http.getMessage()
                            : http.getMessage() + " (over HTTPS: " + overHttps + ")");
                }
            }
            if (r.statusCode() == 401) {
                challenge = pick(AuthChallenge.parse(r.headers().getAll("WWW-Authenticate")));
            } else if (r.statusCode() == 200) {
                challenge = null;
            } else if (r.statusCode() != 200) {
                throw new RegistryException(prefix(this) + "does not speak the registry API v2 (GET /v2/ answered "
                        + r.statusCode() + ")", r.statusCode(), null, null);
            }
            pinged = true;
            return challenge;
        }
    }

    private static AuthChallenge pick(List<AuthChallenge> challenges) {
        return challenges.stream().filter(AuthChallenge::isBearer).findFirst()
                .or(() -> challenges.stream().filter(AuthChallenge::isBasic).findFirst()).orElse(null);
    }

    private Endpoint endpoint(String domain) {
        return endpoints.computeIfAbsent(domain, Endpoint::new);
    }

    /** The system's trust anchors plus the registry's CA files; null when it has none (the default then). */
    private TrustManagerFactory trust(String domain) {
        Path dir = options.certsDir() == null ? null : options.certsDir().resolve(domain);
        if (dir == null || !Files.isDirectory(dir)) {
            return null;
        }
        try {
            List<Certificate> cas = new ArrayList<>();
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
                for (Path f : files) {
                    try (InputStream in = Files.newInputStream(f)) {
                        cas.addAll(cf.generateCertificates(in));
                    }
                }
            }
            if (cas.isEmpty()) {
                return null;
            }
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            int i = 0;
            for (TrustManager tm : system.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        ks.setCertificateEntry("system-" + i++, c);
                    }
                }
            }
            for (Certificate c : cas) {
                ks.setCertificateEntry("registry-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new RegistryException("registry " + domain + ": cannot read its CA certificates in " + dir + ": "
                    + e.getMessage());
        }
    }

    /**
     * The client certificates for domain, Docker's layout: in its certs.d directory each {@code NAME.cert} with
     * its key {@code NAME.key} (PEM); null when there are none. A certificate without its key, or a key without
     * its certificate, is refused, as Docker refuses it.
     */
    private PemKeyCertOptions clientCertificates(String domain) {
        Path dir = options.certsDir() == null ? null : options.certsDir().resolve(domain);
        if (dir == null || !Files.isDirectory(dir)) {
            return null;
        }
        PemKeyCertOptions pairs = new PemKeyCertOptions();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{cert,key}")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                String base = name.substring(0, name.lastIndexOf('.'));
                boolean cert = name.endsWith(".cert");
                Path other = dir.resolve(base + (cert ? ".key" : ".cert"));
                if (!Files.isRegularFile(other)) {
                    throw new RegistryException("registry " + domain + ": " + f + " has no " + (cert ? "key " : "certificate ")
                            + other.getFileName() + " beside it (a client certificate is NAME.cert with NAME.key)");
                }
                if (cert) {
                    pairs.addCertPath(f.toString()).addKeyPath(other.toString());
                }
            }
        } catch (IOException e) {
            throw new RegistryException("registry " + domain + ": cannot read " + dir + ": " + e.getMessage());
        }
        return pairs.getCertPaths().isEmpty() ? null : pairs;
    }

    /** A request with auth: the token or credentials the challenge asks for, a new token and one retry on 401. */
    private HttpResponse<Buffer> call(Endpoint ep, Scopes scopes, HttpMethod method, String pathOrUrl, MultiMap headers,
            Buffer body) {
        ep.ping();
        String url = pathOrUrl.startsWith("http://") || pathOrUrl.startsWith("https://") ? pathOrUrl : ep.base + pathOrUrl;
        boolean renew = false;
        boolean reconnected = false;
        for (int attempt = 0; ; attempt++) {
            HttpRequest<Buffer> req = ep.web.requestAbs(method, url);
            if (headers != null) {
                req.putHeaders(headers);
            }
            String auth = authorization(ep, scopes, renew);
            if (auth != null) {
                req.putHeader("Authorization", auth);
            }
            // a body gets 1 s per 64 KiB on top of the timeout (a stalled connection ends by the idle timeout)
            long extra = body == null ? 0 : body.length() / (64 << 10) * 1000L;
            HttpResponse<Buffer> r;
            try {
                r = await(ep, body != null ? req.sendBuffer(body) : req.send(), extra);
            } catch (RegistryException e) {
                // a pooled connection the registry closed meanwhile (after an aborted download, say): a read
                // that got no answer is sent again once, on a new connection, as Go's and curl's clients do
                boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
                if (read && !reconnected && e.getCause() instanceof HttpClosedException) {
                    reconnected = true;
                    attempt--;
                    continue;
                }
                throw e;
            }
            if (r.statusCode() != 401) {
                return r;
            }
            if (attempt > 0) {
                throw failure(ep, r, scopes.strings().isEmpty() ? "/v2/" : String.join(" ", scopes.strings()));
            }
            scopes = reauthenticate(ep, r.headers().getAll("WWW-Authenticate"), scopes);
            renew = true;
        }
    }

    /** After a 401: take the new challenge, add its scopes to ours, drop the cached token. */
    private Scopes reauthenticate(Endpoint ep, List<String> header, Scopes scopes) {
        AuthChallenge c = pick(AuthChallenge.parse(header));
        if (c != null) {
            ep.challenge = c;
            for (String s : c.scopes()) {
                scopes = scopes.with(s);
            }
        }
        tokens.remove(tokenKey(ep, ep.challenge, scopes));
        return scopes;
    }

    private String authorization(Endpoint ep, Scopes scopes, boolean renew) {
        AuthChallenge c = ep.challenge;
        if (c == null) {
            return null;
        }
        if (c.isBasic()) {
            return credentials.find(ep.domain).filter(b -> b.identityToken() == null).map(Credentials.Basic::header)
                    .orElse(null);
        }
        if (!c.isBearer()) {
            return null;
        }
        String key = tokenKey(ep, c, scopes);
        Token t = tokens.get(key);
        if (renew || t == null || Instant.now().isAfter(t.expires())) {
            t = fetchToken(ep, c, scopes, credentials.find(ep.domain));
            tokens.put(key, t);
        }
        return "Bearer " + t.value();
    }

    private static String tokenKey(Endpoint ep, AuthChallenge c, Scopes scopes) {
        return ep.host + " " + (c == null ? "" : c.service()) + " " + String.join(" ", scopes.strings());
    }

    /**
     * GET realm?service=…&scope=…, with Basic credentials if there are any (else anonymously); with an identity
     * token, the OAuth2 form POST of the distribution spec (grant_type=refresh_token) instead.
     */
    private Token fetchToken(Endpoint ep, AuthChallenge c, Scopes scopes, Optional<Credentials.Basic> basic) {
        String realm = c.realm();
        if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
            throw new RegistryException(prefix(ep) + "its Bearer challenge has no usable realm: " + realm);
        }
        if (basic.isPresent() && basic.get().identityToken() != null) {
            return refreshToken(ep, c, scopes, basic.get().identityToken());
        }
        StringBuilder url = new StringBuilder(realm);
        char sep = realm.indexOf('?') < 0 ? '?' : '&';
        if (c.service() != null) {
            url.append(sep).append("service=").append(enc(c.service()));
            sep = '&';
        }
        for (String s : scopes.strings()) {
            url.append(sep).append("scope=").append(enc(s));
            sep = '&';
        }
        if (basic.isPresent()) {
            url.append(sep).append("account=").append(enc(basic.get().user()));
        }
        Endpoint realmEp = endpoint(URI.create(realm).getRawAuthority());
        HttpRequest<Buffer> req = realmEp.web.requestAbs(HttpMethod.GET, url.toString());
        basic.ifPresent(b -> req.putHeader("Authorization", b.header()));
        HttpResponse<Buffer> r = await(ep, req.send());
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new RegistryException(prefix(ep) + "unauthorized: "
                    + (basic.isPresent() ? "the token server refused the credentials of " + basic.get().user()
                            : "the token server refused an anonymous token"), r.statusCode(), "UNAUTHORIZED", null);
        }
        if (r.statusCode() != 200) {
            throw failure(ep, r, "a token from " + realm);
        }
        return token(ep, r);
    }

    /** POST realm grant_type=refresh_token&…: an access token for an identity token. */
    private Token refreshToken(Endpoint ep, AuthChallenge c, Scopes scopes, String identityToken) {
        StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=karakuri&refresh_token=")
                .append(enc(identityToken));
        if (c.service() != null) {
            form.append("&service=").append(enc(c.service()));
        }
        if (!scopes.strings().isEmpty()) {
            form.append("&scope=").append(enc(String.join(" ", scopes.strings())));
        }
        Endpoint realmEp = endpoint(URI.create(c.realm()).getRawAuthority());
        HttpResponse<Buffer> r = await(ep, realmEp.web.requestAbs(HttpMethod.POST, c.realm())
                .putHeader("Content-Type", "application/x-www-form-urlencoded").sendBuffer(Buffer.buffer(form.toString())));
        if (r.statusCode() == 400 || r.statusCode() == 401 || r.statusCode() == 403) {
            throw new RegistryException(prefix(ep) + "unauthorized: the token server refused the identity token (log in "
                    + "again)", r.statusCode(), "UNAUTHORIZED", null);
        }
        if (r.statusCode() != 200) {
            throw failure(ep, r, "a token from " + c.realm());
        }
        return token(ep, r);
    }

    /** The token of a token server's answer ("token" or OAuth's "access_token"), valid for its expires_in. */
    private Token token(Endpoint ep, HttpResponse<Buffer> r) {
        JsonNode answer = readJson(ep, r.body(), "the token server's answer");
        String token = answer.path("token").asText(answer.path("access_token").asText(""));
        if (token.isEmpty()) {
            throw new RegistryException(prefix(ep) + "the token server's answer has no token");
        }
        long expiresIn = answer.path("expires_in").asLong(60);
        if (expiresIn < 60) {
            expiresIn = 60; // Docker's minimum
        }
        return new Token(token, Instant.now().plusSeconds(expiresIn - 5));
    }

    /** Content-Range "bytes offset-(size-1)/size" (or "/*"): the rest of the blob from offset. */
    private static boolean contentRange(String header, long offset, long size) {
        String expected = "bytes " + offset + "-" + (size - 1) + "/";
        return header != null && header.trim().startsWith(expected)
                && (header.trim().endsWith("/" + size) || header.trim().endsWith("/*"));
    }

    /**
     * Receives a 200 (from 0) or 206 (from the offset asked for) blob response into the sink through a queue:
     * the event loop never waits on the sink.
     */
    private void receive(Endpoint ep, HttpClientResponse resp, Context ctx, Descriptor blob, Digest digest, String what,
            long from, ResumedSink resumed) throws IOException {
        String length = resp.getHeader("Content-Length");
        if (length != null && Long.parseLong(length.trim()) != blob.size() - from) {
            ctx.runOnContext(v -> {
                resp.exceptionHandler(ignored -> { });
                resp.request().reset();
            });
            throw new RegistryException(prefix(ep) + what + " has " + (from + Long.parseLong(length.trim()))
                    + " bytes, the descriptor says " + blob.size());
        }
        Object end = new Object();
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        ctx.runOnContext(v -> {
            resp.handler(queue::add);
            resp.exceptionHandler(queue::add);
            resp.endHandler(x -> queue.add(end));
            resp.fetch(IN_FLIGHT);
        });
        MessageDigest md = digest.newMessageDigest();
        OutputStream sink;
        try {
            sink = resumed.start(from, md); // a resumed download's first bytes, while the rest is queued
        } catch (IOException | RuntimeException e) {
            ctx.runOnContext(v -> resp.request().reset());
            throw e;
        }
        long count = from;
        boolean done = false;
        try {
            while (true) {
                Object item;
                try {
                    item = queue.poll(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RegistryException(prefix(ep) + "interrupted while receiving " + what);
                }
                if (item == null) {
                    throw new RegistryException(prefix(ep) + "no data for " + options.timeout().toSeconds()
                            + " s while receiving " + what);
                }
                if (item == end) {
                    done = true;
                    break;
                }
                if (item instanceof Throwable t) {
                    throw new RegistryException(prefix(ep) + "receiving " + what + " failed: " + describe(t), 0, null, t);
                }
                byte[] bytes = ((Buffer) item).getBytes();
                count += bytes.length;
                if (count > blob.size()) {
                    throw new RegistryException(prefix(ep) + what + " has more than the " + blob.size()
                            + " bytes its descriptor says");
                }
                md.update(bytes);
                sink.write(bytes);
                ctx.runOnContext(v -> resp.fetch(1));
            }
        } finally {
            if (!done) {
                ctx.runOnContext(v -> resp.request().reset());
            }
        }
        if (count != blob.size()) {
            throw new RegistryException(prefix(ep) + what + " has " + count + " bytes, its descriptor says " + blob.size());
        }
        Digest actual = Digest.of(digest.algorithm(), md);
        if (!actual.equals(digest)) {
            throw new RegistryException(prefix(ep) + "the blob received for " + what + " has digest " + actual);
        }
    }

    /** Checks an upload's size (and digest when known) before committing it; cancels the upload if wrong. */
    private void check(long size, Descriptor blob, Digest actual, String what, Endpoint ep, String location) {
        String wrong = null;
        if (size != blob.size()) {
            wrong = "the source of " + what + " has " + (size > blob.size() ? "more than " : "") + size
                    + " bytes, the descriptor says " + blob.size();
        } else if (actual != null && !actual.equals(blob.parsedDigest())) {
            wrong = "the source of " + what + " has digest " + actual;
        }
        if (wrong != null) {
            try {
                await(ep, ep.web.requestAbs(HttpMethod.DELETE, location.startsWith("http") ? location : ep.base + location).send());
            } catch (RegistryException ignored) {
                // the upload expires on the registry's side anyway
            }
            throw new IllegalArgumentException(wrong);
        }
    }

    private String location(Endpoint ep, HttpResponse<Buffer> r, String what) {
        String location = r.getHeader("Location");
        if (location == null) {
            throw new RegistryException(prefix(ep) + "the upload of " + what + " got no Location");
        }
        return URI.create(ep.base + "/").resolve(location).toString();
    }

    private static String withQuery(String url, String query) {
        return url + (url.indexOf('?') < 0 ? "?" : "&") + query;
    }

    private <T> T parse(FetchedManifest m, Class<T> type) {
        try {
            return json.readValue(m.bytes(), type);
        } catch (IOException e) {
            throw new RegistryException("registry " + m.reference().domain() + ": the manifest of "
                    + subject(m.reference()) + " is not valid JSON: " + e.getMessage());
        }
    }

    private JsonNode readJson(Endpoint ep, Buffer body, String what) {
        try {
            return body == null ? json.createObjectNode() : json.readTree(body.getBytes());
        } catch (IOException e) {
            throw new RegistryException(prefix(ep) + what + ": the answer is not valid JSON");
        }
    }

    /** Content-Type without parameters; the manifest's own mediaType when the header is missing or generic. */
    private String mediaType(String contentType, byte[] bytes) {
        String type = contentType == null ? "" : contentType.split(";")[0].trim();
        if (type.isEmpty() || type.equals("application/json") || type.equals("application/octet-stream")) {
            try {
                JsonNode node = json.readTree(bytes);
                String own = node.path("mediaType").asText("");
                if (!own.isEmpty()) {
                    return own;
                }
                if (node.path("schemaVersion").asInt() == 1) {
                    return MediaTypes.DOCKER_SCHEMA1;
                }
                if (node.has("manifests")) {
                    return MediaTypes.OCI_INDEX;
                }
                if (node.has("config")) {
                    return MediaTypes.OCI_MANIFEST;
                }
            } catch (IOException e) {
                return type;
            }
        }
        return type;
    }

    private static MultiMap acceptManifests() {
        return MultiMap.caseInsensitiveMultiMap().add("Accept", String.join(", ", MediaTypes.MANIFESTS));
    }

    private static String manifestPath(Reference ref, String identifier) {
        return "/v2/" + ref.repository() + "/manifests/" + identifier;
    }

    private static String blobPath(Reference repo, Digest digest) {
        return "/v2/" + repo.repository() + "/blobs/" + digest;
    }

    private static String subject(Reference ref) {
        return ref.repository() + (ref.tag() != null ? ":" + ref.tag() : "") + (ref.digest() != null ? "@" + ref.digest() : "");
    }

    private static String prefix(Endpoint ep) {
        return "registry " + ep.domain + ": ";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Digest digestOf(String algorithm, byte[] bytes) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(bytes);
        return Digest.of(algorithm, md);
    }

    private RegistryException failure(Endpoint ep, HttpResponse<Buffer> r, String what) {
        return failure(ep, r.statusCode(), r.body(), what);
    }

    /** The registry's own error ({@code {"errors": [{"code", "message", "detail"}]}}) as one sentence. */
    private RegistryException failure(Endpoint ep, int status, Buffer body, String what) {
        String code = null;
        String message = null;
        if (body != null && body.length() > 0) {
            try {
                JsonNode errors = json.readTree(body.getBytes()).path("errors");
                if (errors.isArray() && !errors.isEmpty()) {
                    code = errors.get(0).path("code").asText(null);
                    message = errors.get(0).path("message").asText(null);
                }
            } catch (IOException e) {
                // not the registry's JSON: the status says it
            }
        }
        if (message == null || message.isBlank()) {
            message = switch (status) {
                case 401 -> "unauthorized: authentication required";
                case 403 -> "denied: requested access to the resource is denied";
                case 404 -> "not found";
                case 405 -> "the operation is unsupported";
                default -> "HTTP " + status;
            };
        } else if (status == 401 && !message.startsWith("unauthorized")) {
            message = "unauthorized: " + message;
        }
        String hint = status == 401 && credentials.find(ep.domain).isEmpty() ? " (no credentials stored: log in first)" : "";
        return new RegistryException(prefix(ep) + message + ": " + what + hint, status, code, null);
    }

    private <T> Future<T> onContext(Context ctx, java.util.function.Supplier<Future<T>> action) {
        Promise<T> p = Promise.promise();
        ctx.runOnContext(v -> action.get().onComplete(p));
        return p.future();
    }

    /** Waits for a future on the calling thread; refuses to block an event loop; failures become sentences. */
    private <T> T await(Endpoint ep, Future<T> future) {
        return await(ep, future, 0);
    }

    private <T> T await(Endpoint ep, Future<T> future, long extraMillis) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("RegistryClient blocks: call it from a worker thread, not an event loop");
        }
        try {
            return future.toCompletionStage().toCompletableFuture()
                    .get(options.timeout().toMillis() + 1000 + extraMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RegistryException re) {
                throw re;
            }
            throw new RegistryException(prefix(ep) + describe(cause), 0, null, cause);
        } catch (TimeoutException e) {
            throw new RegistryException(prefix(ep) + "no answer within " + options.timeout().toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(prefix(ep) + "interrupted");
        }
    }

    private String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (t instanceof SSLException || root instanceof SSLException
                || root instanceof java.security.cert.CertificateException) {
            return "TLS failed: " + msg + " (a private CA goes in " + options.certsDir() + "/<host:port>/ca.crt, a client "
                    + "certificate in client.cert with client.key)";
        }
        if (root instanceof java.net.ConnectException || msg.startsWith("Connection refused")) {
            // Netty's native transport: "finishConnect(..) failed with error(-111): Connection refused"
            return "cannot connect: " + msg.replaceFirst("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", "");
        }
        return msg;
    }
}
