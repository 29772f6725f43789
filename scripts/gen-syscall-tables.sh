#!/bin/sh
# Writes the system call tables the seccomp compiler uses (name number, one a line) from the Linux UAPI
# headers of this machine (Debian's linux-libc-dev), into src/main/resources/io/karakuri/futaba/seccomp/.
# Run it when the headers are newer; the tables are committed.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/src/main/resources/io/karakuri/futaba/seccomp"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# table ARCH HEADER [DEFINES]: every __NR_ macro the header defines, evaluated by the C compiler
table() {
    arch=$1 header=$2 defines=${3:-}
    printf '#include <%s>\n' "$header" | gcc -E -dM $defines - | sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' \
        | sort -u > "$work/$arch.names"
    {
        printf '#include <stdio.h>\n#include <%s>\nint main(void) {\n' "$header"
        while read -r name; do
            printf '#ifdef __NR_%s\n    printf("%%s %%ld\\n", "%s", (long)(__NR_%s));\n#endif\n' "$name" "$name" "$name"
        done < "$work/$arch.names"
        printf '    return 0;\n}\n'
    } > "$work/$arch.c"
    gcc $defines -o "$work/$arch" "$work/$arch.c"
    { echo "# $arch system calls, from $header of linux-libc-dev $(dpkg-query -W -f='${Version}' linux-libc-dev)"
      "$work/$arch" | grep -v '^syscalls ' | sort -k2 -n; } > "$out/$arch.txt"
}

table x86_64 asm/unistd_64.h
table i386 asm/unistd_32.h
table x32 asm/unistd_x32.h "-D__X32_SYSCALL_BIT=0x40000000"
# arm64 uses the generic table, with these of its options
table aarch64 asm-generic/unistd.h "-D__BITS_PER_LONG=64 -D__ARCH_WANT_RENAMEAT -D__ARCH_WANT_NEW_STAT -D__ARCH_WANT_SET_GET_RLIMIT -D__ARCH_WANT_TIME32_SYSCALLS -D__ARCH_WANT_SYS_CLONE3"
wc -l "$out"/*.txt
