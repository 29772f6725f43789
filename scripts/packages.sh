#!/bin/sh
# The Debian 12 packages karakuri needs, installed on demand (apt-get runs only if one is missing).
#   scripts/packages.sh install   what building and running karakuri needs
#   scripts/packages.sh test      that, plus what the test suite uses (containerd and podman drive futaba
#                                 in ContainerdIT and PodmanIT; AppArmorIT loads a profile with
#                                 apparmor_parser in its virtual machine; the Registry*IT run
#                                 docker-registry, skopeo, htpasswd from apache2-utils and openssl)
#   scripts/packages.sh bench     that, plus the runtimes the benchmarks compare against
set -eu

install="gcc libc6-dev maven busybox-static nftables iptables"
test="$install qemu-system-x86 containerd podman apparmor docker-registry skopeo apache2-utils openssl"
bench="$test runc crun hyperfine time bc curl iperf3"

case "${1:-}" in
    install) wanted=$install ;;
    test) wanted=$test ;;
    bench) wanted=$bench ;;
    *) echo "usage: packages.sh install|test|bench" >&2; exit 1 ;;
esac

missing=""
for p in $wanted; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "==> apt-get install$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
