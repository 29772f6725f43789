package io.karakuri.monitor;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The attach protocol's frames (docs/containers.md, "The monitor"), both ways:
 * [type: 1 byte][0 0 0][length: 4 bytes big-endian][payload].
 */
public final class AttachFrames {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    public static final int RESIZE = 3;
    public static final int STDIN_EOF = 4;
    public static final int EXIT = 5;
    /** The largest payload the monitor takes; a longer frame ends the connection. */
    public static final int MAX_PAYLOAD = 65536;
    public static final int HEADER = 8;

    /** One frame. */
    public record Frame(int type, byte[] payload) {
        /** The exit code of an EXIT frame. */
        public int exitCode() {
            if (type != EXIT || payload.length < 4) {
                throw new IllegalStateException("not an exit frame");
            }
            return ByteBuffer.wrap(payload).getInt();
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private AttachFrames() {
    }

    public static byte[] encode(int type, byte[] payload, int offset, int length) {
        if (type < 0 || type > 255) {
            throw new IllegalArgumentException("frame type " + type);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + length);
        b.put((byte) type).put((byte) 0).put((byte) 0).put((byte) 0).putInt(length).put(payload, offset, length);
        return b.array();
    }

    public static byte[] encode(int type, byte[] payload) {
        return encode(type, payload, 0, payload.length);
    }

    public static byte[] stdin(byte[] data) {
        return encode(STDIN, data);
    }

    public static byte[] resize(int rows, int columns) {
        return encode(RESIZE, ByteBuffer.allocate(4).putShort((short) rows).putShort((short) columns).array());
    }

    /** {rows, columns} of a {@link #RESIZE} frame's payload. */
    public static int[] size(byte[] payload) {
        return new int[] {(payload[0] & 0xff) << 8 | payload[1] & 0xff, (payload[2] & 0xff) << 8 | payload[3] & 0xff};
    }

    public static byte[] stdinEof() {
        return encode(STDIN_EOF, new byte[0]);
    }

    public static byte[] exit(int code) {
        return encode(EXIT, ByteBuffer.allocate(4).putInt(code).array());
    }

    /** Writes data as STDIN frames of at most MAX_PAYLOAD bytes each. */
    public static void writeStdin(OutputStream out, byte[] data, int offset, int length) throws IOException {
        for (int done = 0; done < length;) {
            int n = Math.min(MAX_PAYLOAD, length - done);
            out.write(encode(STDIN, data, offset + done, n));
            done += n;
        }
    }

    /** The next frame, or null at the end of the stream between frames; a frame cut short is an EOFException. */
    public static Frame read(InputStream in) throws IOException {
        byte[] header = new byte[HEADER];
        int got = in.readNBytes(header, 0, HEADER);
        if (got == 0) {
            return null;
        }
        if (got < HEADER) {
            throw new EOFException("attach stream ended inside a frame header");
        }
        int length = ByteBuffer.wrap(header, 4, 4).getInt();
        if (length < 0) {
            throw new IOException("attach frame of length " + Integer.toUnsignedString(length));
        }
        byte[] payload = in.readNBytes(length);
        if (payload.length < length) {
            throw new EOFException("attach stream ended inside a frame");
        }
        return new Frame(header[0] & 0xff, payload);
    }

    /** Frames out of bytes that arrive in pieces (a non-blocking reader): feed, then take frames. */
    public static final class Decoder {
        private byte[] buf = new byte[HEADER + 4096];
        private int used;

        public void feed(byte[] data, int offset, int length) {
            if (used + length > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, used + length));
            }
            System.arraycopy(data, offset, buf, used, length);
            used += length;
        }

        /** The next whole frame, or null until more bytes come. */
        public Frame next() {
            if (used < HEADER) {
                return null;
            }
            int length = ByteBuffer.wrap(buf, 4, 4).getInt();
            if (length < 0) {
                throw new IllegalStateException("attach frame of length " + Integer.toUnsignedString(length));
            }
            if (used < HEADER + length) {
                return null;
            }
            Frame f = new Frame(buf[0] & 0xff, java.util.Arrays.copyOfRange(buf, HEADER, HEADER + length));
            System.arraycopy(buf, HEADER + length, buf, 0, used - HEADER - length);
            used -= HEADER + length;
            return f;
        }
    }
}
