#!/bin/bash
# What creating a file costs on this machine's disk, the floor under any pull that unpacks: N (default
# 2400) files of 24 KB made with openat2 (as karakuri's unpacker does, RESOLVE_BENEATH and friends) and
# with plain openat, in one directory, one process and then four at once (a pull unpacks layers in
# parallel). Prints microseconds per create.
#   scripts/bench/file-create-cost.sh [DIR]      (default: a directory under /var/tmp, removed after)
set -euo pipefail
N=${N:-2400}
dir=$(mktemp -d "${1:-/var/tmp}/create-cost.XXXXXX")
trap 'rm -rf "$dir"' EXIT
cat > "$dir/create.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* create DIR openat2|openat N: makes N files of 24 KB in DIR, prints the mean time of the create call */
int main(int argc, char **argv) {
    int use_openat2 = strcmp(argv[2], "openat2") == 0, n = atoi(argv[3]);
    char data[24576];
    double total = 0;
    memset(data, 'x', sizeof data);
    mkdir(argv[1], 0755);
    int dir = open(argv[1], O_DIRECTORY | O_RDONLY);
    for (int i = 0; i < n; i++) {
        char name[32];
        struct timespec a, b;
        struct open_how how = {.flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, .mode = 0600,
            .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
        snprintf(name, sizeof name, "f%d", i);
        clock_gettime(CLOCK_MONOTONIC, &a);
        int fd = use_openat2 ? syscall(SYS_openat2, dir, name, &how, sizeof how)
                             : openat(dir, name, how.flags, 0600);
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (fd < 0) {
            perror(name);
            return 1;
        }
        total += (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
        if (write(fd, data, sizeof data) != sizeof data) {
            perror("write");
            return 1;
        }
        close(fd);
    }
    printf("%.0f\n", total / n / 1000);
    return 0;
}
C
gcc -O2 -o "$dir/create" "$dir/create.c"
one() { "$dir/create" "$dir/$1" "$2" "$N"; }
echo "openat2, one process:   $(one a openat2) us per create"
echo "openat, one process:    $(one b openat) us per create"
for i in 1 2 3 4; do one "p$i" openat2 > "$dir/p$i.out" & done
wait
echo "openat2, four at once:  $(cat "$dir"/p?.out | tr '\n' ' ')us per create"
