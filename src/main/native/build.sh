#!/bin/sh
# Builds libfutaba.so into the directory given as $1. Called by the Maven build (compile phase).
set -eu
out=${1:?usage: build.sh OUTPUT_DIR}
cc=${CC:-gcc}
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "libfutaba: the C compiler '$cc' is not installed; install it with: apt-get install gcc" >&2
    exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
"$cc" -std=gnu11 -O2 -fPIC -shared -Wall -Wextra -Werror -Wno-unused-parameter \
    -fvisibility=hidden \
    -o "$out/libfutaba.so" "$here/spawn.c" "$here/rootfs.c" "$here/process.c"
