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
    SETSOCKOPT(54, 208),
    WAIT4(61, 260),
    KILL(62, 129),
    FCHMOD(91, 52),
    FCHOWN(93, 55),
    MOUNT(165, 40),
    UMOUNT2(166, 39),
    LSETXATTR(189, 6),
    FSETXATTR(190, 7),
    LGETXATTR(192, 9),
    GETDENTS64(217, 61),
    OPENAT(257, 56),
    MKDIRAT(258, 34),
    MKNODAT(259, 33),
    FCHOWNAT(260, 54),
    UNLINKAT(263, 35),
    LINKAT(265, 37),
    SYMLINKAT(266, 36),
    FCHMODAT(268, 53),
    UTIMENSAT(280, 88),
    ACCEPT4(288, 242),
    PIPE2(293, 59),
    RENAMEAT2(316, 276),
    MEMFD_CREATE(319, 279),
    BPF(321, 280),
    STATX(332, 291),
    OPENAT2(437, 437);

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
