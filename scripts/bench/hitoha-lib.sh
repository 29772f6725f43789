# Sourced by the benches that drive a hitoha of their own: start it over a scratch store, run directory and
# socket under $work, import the busybox image, and remove all of it again. Needs BIN and work set.
# hitoha's name servers forward to 127.0.0.1:9 (nothing there): a bench never queries the host's resolvers.

bench_hitoha_start() {
    export KARAKURI_SOCKET=$work/hitoha.sock
    KARAKURI_ROOT=$work/root KARAKURI_RUN_DIR=$work/run QUARKUS_HTTP_DOMAIN_SOCKET=$KARAKURI_SOCKET \
        KARAKURI_DNS_UPSTREAMS=127.0.0.1:9 "$BIN/hitoha" >"$work/hitoha.log" 2>&1 &
    hitoha=$!
    for _ in $(seq 300); do [ -S "$KARAKURI_SOCKET" ] && return 0; sleep 0.1; done
    echo "hitoha did not start: $(cat "$work/hitoha.log")" >&2
    return 1
}

# bench_busybox_image NAME: every applet of Debian's busybox-static, as one layer
bench_busybox_image() {
    local fs=$work/fs
    mkdir -p "$fs/bin" "$fs/etc" "$fs/tmp" "$fs/root"
    cp /bin/busybox "$fs/bin/busybox"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$fs/bin/$a"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$fs/etc/passwd"
    echo 'root:x:0:' >"$fs/etc/group"
    tar --numeric-owner --owner=0 --group=0 -C "$fs" -cf "$work/busybox.tar" .
    "$BIN/karakuri" import "$work/busybox.tar" "$1" >/dev/null
}

# Every container removed, hitoha stopped, and what it leaves on the host by design: bridges, nft table,
# the netns directory's mount, empty parent cgroups.
bench_hitoha_cleanup() {
    "$BIN/karakuri" ls --all --ns all --format json 2>/dev/null \
        | python3 -c 'import json,sys; [print(c["id"]) for c in json.load(sys.stdin)]' \
        | xargs -r "$BIN/karakuri" rm --force >/dev/null 2>&1 || true
    if [ -n "${hitoha:-}" ]; then
        kill "$hitoha" 2>/dev/null || true
        wait "$hitoha" 2>/dev/null || true
    fi
    umount "$work/run/netns" 2>/dev/null || true
    for b in $(ip -o link show type bridge | awk -F': ' '{print $2}' | grep -E '^karakuri[0-9]+$'); do
        ip link del "$b"
    done
    nft delete table inet karakuri 2>/dev/null || true
    find /sys/fs/cgroup -maxdepth 4 -type d -name karakuri -exec rmdir {} + 2>/dev/null || true
}
