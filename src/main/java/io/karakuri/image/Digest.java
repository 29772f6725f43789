package io.karakuri.image;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec writes it, {@code algorithm:hex}: sha256 (64 lowercase hex digits)
 * or sha512 (128). Anything else is refused with a message naming the bad part, since a digest names the
 * file a blob is stored in.
 */
public record Digest(String algorithm, String hex) {
    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        Pattern pattern = switch (algorithm) {
            case "sha256" -> SHA256;
            case "sha512" -> SHA512;
            default -> throw new IllegalArgumentException("unsupported digest algorithm \"" + algorithm
                    + "\" (sha256 or sha512)");
        };
        if (!pattern.matcher(hex).matches()) {
            throw new IllegalArgumentException("invalid " + algorithm + " digest \"" + hex + "\": "
                    + (algorithm.equals("sha256") ? 64 : 128) + " lowercase hex digits expected");
        }
    }

    /** Parses "sha256:…"; IllegalArgumentException with a clear message for anything else. */
    public static Digest parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("invalid digest \"" + text + "\": algorithm:hex expected");
        }
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The sha256 digest of bytes. */
    public static Digest sha256(byte[] bytes) {
        MessageDigest md = newSha256();
        return new Digest("sha256", HexFormat.of().formatHex(md.digest(bytes)));
    }

    /** A fresh SHA-256 state, for hashing a stream as it passes. */
    public static MessageDigest newSha256() {
        return newDigest("sha256");
    }

    /** A fresh state of this digest's algorithm. */
    public MessageDigest newMessageDigest() {
        return newDigest(algorithm);
    }

    /** The digest a finished MessageDigest of this digest's algorithm computed. */
    public static Digest of(String algorithm, MessageDigest md) {
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    /** The first 12 hex digits, as Docker shows image ids. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    private static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
