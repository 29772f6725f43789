#!/bin/sh
# Builds a one-layer busybox OCI image archive (an OCI image layout in a tar) from Debian's
# busybox-static, without a registry: what `ctr images import` and `podman load` take.
#
#   src/test/sh/make-oci-archive.sh OUT.tar [NAME]
#
# NAME (default localhost/futaba-busybox:latest) goes into index.json twice: as containerd's
# io.containerd.image.name and as the OCI org.opencontainers.image.ref.name (podman reads that).
# The archive is reproducible: the same busybox gives the same digests.
set -eu

out=${1:?usage: make-oci-archive.sh OUT.tar [NAME]}
name=${2:-localhost/futaba-busybox:latest}
busybox=${BUSYBOX:-/bin/busybox}

case "$out" in /*) ;; *) out="$(pwd)/$out" ;; esac
[ -x "$busybox" ] || { echo "make-oci-archive.sh: no $busybox (apt-get install busybox-static)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/oci-archive.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
layout="$work/layout"
blobs="$layout/blobs/sha256"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/root" "$rootfs/tmp" "$rootfs/proc" "$rootfs/sys" \
    "$rootfs/dev" "$rootfs/run" "$rootfs/var" "$blobs"
chmod 1777 "$rootfs/tmp"
chmod 0700 "$rootfs/root"

# The root file system: busybox and a relative link per applet.
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

# blob FILE: moves FILE into blobs/sha256 under its digest, prints the digest.
blob() {
    d=$(sha "$1")
    mv "$1" "$blobs/$d"
    echo "$d"
}

# The layer: a tar with fixed owners, times and order, gzipped without a name or time stamp.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$rootfs" -cf "$work/layer.tar" .
diff_id=$(sha "$work/layer.tar")
gzip -n -9 "$work/layer.tar"
layer_size=$(size "$work/layer.tar.gz")
layer=$(blob "$work/layer.tar.gz")

cat > "$work/config.json" <<EOF
{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"make-oci-archive.sh: busybox-static"}]}
EOF
config_size=$(size "$work/config.json")
config=$(blob "$work/config.json")

cat > "$work/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer","size":$layer_size}]}
EOF
manifest_size=$(size "$work/manifest.json")
manifest=$(blob "$work/manifest.json")

cat > "$layout/index.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest","size":$manifest_size,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"$name","org.opencontainers.image.ref.name":"$name"}}]}
EOF
printf '{"imageLayoutVersion":"1.0.0"}\n' > "$layout/oci-layout"

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$layout" -cf "$out" \
    oci-layout index.json blobs
echo "$out: $name (manifest sha256:$manifest)"
