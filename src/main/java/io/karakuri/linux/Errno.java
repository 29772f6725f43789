package io.karakuri.linux;

/** The errno values the code tests for, and the C library's text for any errno. */
public final class Errno {
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int ECHILD = 10;
    public static final int ENOENT = 2;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EBADMSG = 74;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;

    private Errno() {
    }

    /** strerror(errno), as "No such file or directory". */
    public static String text(int errno) {
        try {
            return Native.strerror(errno);
        } catch (RuntimeException | LinkageError noLibc) {
            return "errno " + errno;
        }
    }
}
