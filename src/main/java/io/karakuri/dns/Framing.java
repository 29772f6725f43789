package io.karakuri.dns;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/** DNS over TCP (RFC 1035 4.2.2): each message preceded by its length in two bytes. */
final class Framing {
    private Framing() {}

    static byte[] frame(byte[] message) {
        byte[] framed = new byte[2 + message.length];
        framed[0] = (byte) (message.length >>> 8);
        framed[1] = (byte) message.length;
        System.arraycopy(message, 0, framed, 2, message.length);
        return framed;
    }

    /**
     * The next message on socket, read by deadline (System.nanoTime) at the latest, however slowly the
     * peer trickles bytes; EOFException when the peer closed.
     */
    static byte[] read(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] length = fill(in, socket, deadline, new byte[2]);
        return fill(in, socket, deadline, new byte[DnsMessage.u16(length, 0)]);
    }

    private static byte[] fill(InputStream in, Socket socket, long deadline, byte[] into) throws IOException {
        for (int n = 0; n < into.length; ) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("no DNS message in time");
            }
            socket.setSoTimeout((int) left);
            int read = in.read(into, n, into.length - n);
            if (read < 0) {
                throw new EOFException();
            }
            n += read;
        }
        return into;
    }
}
