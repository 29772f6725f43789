package io.karakuri.linux;

/** A failed system call, named with its call, the path it was about (if any) and the errno text. */
public final class LinuxException extends RuntimeException {
    private final String call;
    private final String path;
    private final int errno;

    public LinuxException(String call, String path, int errno) {
        this(call, path, errno, null);
    }

    /** detail: what the kernel said besides the errno (the BPF verifier's log), or null. */
    public LinuxException(String call, String path, int errno, String detail) {
        super(call + (path == null ? "" : " " + path) + ": " + Errno.text(errno)
                + (detail == null ? "" : ": " + detail));
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
