package io.karakuri.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Terminal settings through ioctl: raw mode and window sizes. */
public final class Terminals {
    private static final int TCGETS = 0x5401;
    private static final int TCSETS = 0x5402;
    private static final int TIOCGWINSZ = 0x5413;
    private static final int TIOCSWINSZ = 0x5414;
    private static final int TERMIOS_SIZE = 36; // the kernel's struct termios: 4 flags, line, 19 control chars

    private Terminals() {
    }

    /** The fd's terminal settings, or null if it is not a terminal. */
    public static byte[] settings(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS_SIZE, 4);
            if (Native.syscall(Sys.IOCTL, fd, TCGETS, t.address(), 0, 0, 0) < 0) {
                return null;
            }
            return t.toArray(JAVA_BYTE);
        }
    }

    public static void restore(int fd, byte[] settings) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS_SIZE, 4);
            MemorySegment.copy(settings, 0, t, JAVA_BYTE, 0, TERMIOS_SIZE);
            Native.syscall(Sys.IOCTL, fd, TCSETS, t.address(), 0, 0, 0);
        }
    }

    /** cfmakeraw: bytes pass through unchanged; Ctrl-C and the like reach the container's terminal. */
    public static void makeRaw(int fd, byte[] settings) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(TERMIOS_SIZE, 4);
            MemorySegment.copy(settings, 0, t, JAVA_BYTE, 0, TERMIOS_SIZE);
            int iflag = t.get(JAVA_INT, 0) & ~(01 | 02 | 010 | 040 | 0100 | 0200 | 0400 | 02000);
            int oflag = t.get(JAVA_INT, 4) & ~01;
            int cflag = (t.get(JAVA_INT, 8) & ~(060 | 0400)) | 060;
            int lflag = t.get(JAVA_INT, 12) & ~(010 | 0100 | 02 | 01 | 0100000);
            t.set(JAVA_INT, 0, iflag);
            t.set(JAVA_INT, 4, oflag);
            t.set(JAVA_INT, 8, cflag);
            t.set(JAVA_INT, 12, lflag);
            t.set(JAVA_BYTE, 17 + 5, (byte) 0); // VTIME
            t.set(JAVA_BYTE, 17 + 6, (byte) 1); // VMIN
            Native.syscall(Sys.IOCTL, fd, TCSETS, t.address(), 0, 0, 0);
        }
    }

    /** {rows, columns} of a terminal, or null. */
    public static int[] size(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2);
            if (Native.syscall(Sys.IOCTL, fd, TIOCGWINSZ, ws.address(), 0, 0, 0) < 0) {
                return null;
            }
            return new int[] {Short.toUnsignedInt(ws.get(JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 2))};
        }
    }

    public static void resize(int fd, int rows, int columns) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2);
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) columns);
            Native.syscall(Sys.IOCTL, fd, TIOCSWINSZ, ws.address(), 0, 0, 0);
        }
    }
}
