#!/bin/sh
# Builds libfutaba.so and karakuri-monitor into the directory given as $1: futaba-init first (a static program without a C
# library), then the library that embeds it. Called by the Maven build (compile phase).
set -eu
out=${1:?usage: build.sh OUTPUT_DIR}
cc=${CC:-gcc}
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "libfutaba: the C compiler '$cc' is not installed; install it with: apt-get install gcc" >&2
    exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
warnings="-Wall -Wextra -Werror -Wno-unused-parameter"

"$cc" -std=gnu11 -O2 $warnings -U_FORTIFY_SOURCE -ffreestanding -fno-stack-protector -fno-builtin \
    -fno-asynchronous-unwind-tables -static -nostdlib -nostartfiles -no-pie -fno-pie -Wl,--build-id=none -s \
    -o "$out/futaba-init" "$here/start.S" "$here/init.c" "$here/plan.c" "$here/rootfs.c" "$here/process.c" "$here/terminal.c" \
    "$here/hook.c" "$here/libc.c" -lgcc

"$cc" -std=gnu11 -O2 -fPIC -shared $warnings -fvisibility=hidden -DFUTABA_INIT="\"$out/futaba-init\"" \
    -o "$out/libfutaba.so" "$here/spawn.c" "$here/clone.c" "$here/netns.c" "$here/plan.c" "$here/blob.S" -pthread

# the per-container monitor (docs/containers.md): a small program of its own, futaba-init embedded too
"$cc" -std=gnu11 -O2 $warnings -DFUTABA_INIT="\"$out/futaba-init\"" \
    -o "$out/karakuri-monitor" "$here/monitor.c" "$here/clone.c" "$here/plan.c" "$here/blob.S"
