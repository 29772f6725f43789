package io.karakuri.linux;

/** System call numbers for the calls made from Java, per architecture. */
public enum Sys {
    READ(0, 63),
    WRITE(1, 64),
    CLOSE(3, 57),
    IOCTL(16, 29),
    SOCKET(41, 198),
    CONNECT(42, 203),
    RECVMSG(47, 212),
    BIND(49, 200),
    LISTEN(50, 201),
    SOCKETPAIR(53, 199),
    WAIT4(61, 260),
    KILL(62, 129),
    UMOUNT2(166, 39),
    OPENAT(257, 56),
    MKNODAT(259, 33),
    FCHMODAT(268, 53),
    ACCEPT4(288, 242),
    PIPE2(293, 59),
    BPF(321, 280);

    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    private final int x86;
    private final int arm;

    Sys(int x86, int arm) {
        this.x86 = x86;
        this.arm = arm;
    }

    public long number() {
        return AARCH64 ? arm : x86;
    }
}
