package io.karakuri.linux;

/** A failed system call, named with its call, the path it was about (if any) and the errno text. */
public final class LinuxException extends RuntimeException {
    private final String call;
    private final String path;
    private final int errno;

    public LinuxException(String call, String path, int errno) {
        super(call + (path == null ? "" : " " + path) + ": " + Errno.text(errno));
        this.call = call;
        this.path = path;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public String path() {
        return path;
    }

    public int errno() {
        return errno;
    }
}
