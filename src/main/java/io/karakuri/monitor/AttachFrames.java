package io.karakuri.monitor;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The monitor's attach frames (docs/containers.md): {@code [type: 1 byte][0 0 0][length: 4 bytes big-endian][payload]},
 * the same both ways, over attach.sock and over hitoha's upgraded /attach and /exec connections.
 */
public final class AttachFrames {
    /** client → monitor: stdin bytes. */
    public static final int STDIN = 0;
    /** monitor → client: stdout bytes (all output, with a terminal). */
    public static final int STDOUT = 1;
    /** monitor → client: stderr bytes. */
    public static final int STDERR = 2;
    /** client → monitor: terminal size, rows and columns (2 bytes each, big-endian). */
    public static final int RESIZE = 3;
    /** client → monitor: end of stdin. */
    public static final int STDIN_EOF = 4;
    /** monitor → client: the exit code (4 bytes big-endian), after the last output; then the monitor closes. */
    public static final int EXIT = 5;

    public static final int HEADER = 8;

    /** One frame read. */
    public record Frame(int type, byte[] payload) {
        /** The exit code of an {@link #EXIT} frame. */
        public int exitCode() {
            return readInt(payload, 0);
        }
    }

    private AttachFrames() {
    }

    /** Header and payload[off, off + len) as one array. */
    public static byte[] encode(int type, byte[] payload, int off, int len) {
        byte[] frame = new byte[HEADER + len];
        frame[0] = (byte) type;
        writeInt(frame, 4, len);
        System.arraycopy(payload, off, frame, HEADER, len);
        return frame;
    }

    public static byte[] encode(int type, byte[] payload) {
        return encode(type, payload, 0, payload.length);
    }

    public static byte[] resize(int rows, int columns) {
        return encode(RESIZE, new byte[] {(byte) (rows >>> 8), (byte) rows, (byte) (columns >>> 8), (byte) columns});
    }

    public static byte[] exit(int code) {
        byte[] payload = new byte[4];
        writeInt(payload, 0, code);
        return encode(EXIT, payload);
    }

    /** {rows, columns} of a {@link #RESIZE} frame's payload. */
    public static int[] size(byte[] payload) {
        return new int[] {(payload[0] & 0xff) << 8 | payload[1] & 0xff, (payload[2] & 0xff) << 8 | payload[3] & 0xff};
    }

    public static void write(OutputStream out, int type, byte[] payload, int off, int len) throws IOException {
        out.write(encode(type, payload, off, len));
        out.flush();
    }

    /** The next frame, or null at the end of the stream between frames; EOFException inside one. */
    public static Frame read(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        byte[] header = new byte[HEADER];
        header[0] = (byte) first;
        readFully(in, header, 1, HEADER - 1);
        int length = readInt(header, 4);
        if (length < 0) {
            throw new IOException("attach frame of " + Integer.toUnsignedString(length) + " bytes");
        }
        byte[] payload = new byte[length];
        readFully(in, payload, 0, length);
        return new Frame(first, payload);
    }

    private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        if (in.readNBytes(b, off, len) < len) {
            throw new EOFException("the attach stream ended inside a frame");
        }
    }

    private static int readInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | b[off + 3] & 0xff;
    }

    private static void writeInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
