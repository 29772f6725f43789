#!/bin/bash
# Pulling a large multi-layer image from a local registry: karakuri (hitoha) against skopeo and podman.
#   sudo scripts/bench/pull-vs-skopeo-podman.sh [BINDIR]      (default: karakuri and hitoha on PATH)
#
# The image: 4 layers, about 230 MB compressed, of many files (random data, so gzip cannot shrink it, and
# text), built here as an OCI layout and pushed with skopeo to Debian's docker-registry on 127.0.0.1.
# Each tool pulls it RUNS times (default 3) into an empty store; wall time and peak RSS are medians.
#   karakuri:  `karakuri pull` against a hitoha started for the run (store, unpack; RSS = hitoha's peak)
#   skopeo:    `skopeo copy docker://… oci:DIR` (store only: skopeo does not unpack)
#   podman:    `podman pull` with its own --root (overlay storage: store and unpack)
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "run me as root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/../packages.sh" bench >/dev/null
BIN=${1:-$(dirname "$(command -v karakuri)")}
RUNS=${RUNS:-3}
PORT=${PORT:-5099}

work=$(mktemp -d /tmp/pull-bench.XXXXXX)
registry_pid= hitoha=
cleanup() {
    if [ -n "$hitoha" ]; then
        kill "$hitoha" 2>/dev/null || true
        wait "$hitoha" 2>/dev/null || true
    fi
    if [ -n "$registry_pid" ]; then
        kill "$registry_pid" 2>/dev/null || true
        wait "$registry_pid" 2>/dev/null || true
    fi
    umount -R "$work/podman/root/overlay" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "==> building the image (4 layers) in $work"
layout=$work/layout
mkdir -p "$layout/blobs/sha256"
diff_ids=() layers=()
for l in 1 2 3 4; do
    d=$work/layer$l
    mkdir -p "$d/data$l"
    # 2400 files of 24 KB random data and 600 text files per layer
    for i in $(seq 1 2400); do head -c 24576 /dev/urandom > "$d/data$l/r$i"; done
    for i in $(seq 1 600); do seq 1 2000 > "$d/data$l/t$i.txt"; done
    tar -C "$d" --sort=name --mtime=@0 --owner=0 --group=0 -cf "$work/layer$l.tar" .
    diff_ids+=("sha256:$(sha256sum "$work/layer$l.tar" | cut -d' ' -f1)")
    gzip -n -1 "$work/layer$l.tar"
    digest=$(sha256sum "$work/layer$l.tar.gz" | cut -d' ' -f1)
    mv "$work/layer$l.tar.gz" "$layout/blobs/sha256/$digest"
    layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$digest\",\"size\":$(stat -c %s "$layout/blobs/sha256/$digest")}")
    rm -rf "$d"
done
ids=$(printf '"%s",' "${diff_ids[@]}")
config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[${ids%,}]}}"
printf '%s' "$config" > "$work/config.json"
cdigest=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$layout/blobs/sha256/$cdigest"
manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cdigest\",\"size\":${#config}},\"layers\":[$(IFS=,; echo "${layers[*]}")]}"
printf '%s' "$manifest" > "$work/manifest.json"
mdigest=$(sha256sum "$work/manifest.json" | cut -d' ' -f1)
msize=$(stat -c %s "$work/manifest.json")
mv "$work/manifest.json" "$layout/blobs/sha256/$mdigest"
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
    "$mdigest" "$msize" > "$layout/index.json"
echo "    $(du -sm "$layout/blobs" | cut -f1) MB compressed"

echo "==> docker-registry on 127.0.0.1:$PORT"
mkdir -p "$work/registry"
cat > "$work/registry/config.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$PORT}
YAML
/usr/bin/docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done
skopeo copy -q --dest-tls-verify=false "oci:$layout:1" "docker://127.0.0.1:$PORT/bench/big:1"
ref=127.0.0.1:$PORT/bench/big:1

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A wall rss

echo "==> karakuri"
for r in $(seq "$RUNS"); do
    root=$work/karakuri$r; mkdir -p "$root"
    KARAKURI_ROOT=$root QUARKUS_HTTP_DOMAIN_SOCKET=$root/hitoha.sock "$BIN/hitoha" >"$root/log" 2>&1 &
    hitoha=$!
    for _ in $(seq 600); do [ -S "$root/hitoha.sock" ] && break; sleep 0.1; done
    start=$(date +%s.%N)
    KARAKURI_SOCKET=$root/hitoha.sock "$BIN/karakuri" pull --image "$ref" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc >> "$work/karakuri.wall"
    awk '/VmHWM/ {print $2 / 1024}' "/proc/$hitoha/status" >> "$work/karakuri.rss"
    kill "$hitoha"; wait "$hitoha" 2>/dev/null || true
    hitoha=
    rm -rf "$root"
done

echo "==> skopeo"
for r in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/t" skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$work/skopeo$r:1"
    cut -d' ' -f1 "$work/t" >> "$work/skopeo.wall"; awk '{print $2 / 1024}' "$work/t" >> "$work/skopeo.rss"
    rm -rf "$work/skopeo$r"
done

echo "==> podman"
for r in $(seq "$RUNS"); do
    p=$work/podman
    /usr/bin/time -f "%e %M" -o "$work/t" podman --root "$p/root" --runroot "$p/run" --tmpdir "$p/tmp" \
        --storage-driver overlay --events-backend file pull -q --tls-verify=false "$ref" >/dev/null
    cut -d' ' -f1 "$work/t" >> "$work/podman.wall"; awk '{print $2 / 1024}' "$work/t" >> "$work/podman.rss"
    podman --root "$p/root" --runroot "$p/run" --tmpdir "$p/tmp" --storage-driver overlay system reset -f >/dev/null 2>&1 || true
    umount -R "$p/root/overlay" 2>/dev/null || true
    rm -rf "$p"
done

k=$(median < "$work/karakuri.wall")
printf '%-9s| %9s | %10s | %9s\n' tool "wall (s)" "vs karakuri" "peak RSS (MB)"
for t in karakuri skopeo podman; do
    w=$(median < "$work/$t.wall"); m=$(median < "$work/$t.rss")
    printf '%-9s| %9.2f | %9.2fx | %9.0f\n' "$t" "$w" "$(echo "$w / $k" | bc -l)" "$m"
done
