#!/bin/bash
# Namespaces (issue 6's figures), with a hitoha started for the bench (its own store, run directory, socket):
#   sudo scripts/bench/namespaces.sh [BINDIR]      (default: karakuri and hitoha on PATH)
#
#   lifecycle   `karakuri run -d` of N (default 50) containers in a new namespace, one after another, then
#               `karakuri rm --force` of all of them in one command: wall time of each
#   dns         hitoha's name server answering a container's name: p50/p99/max of QUERIES (default 10000)
#               queries, one at a time, from inside a container's network namespace (a Java client run there
#               with nsenter --net; busybox has no timing client)
#   throughput  iperf3 TCP from the host, DURATION (default 10) seconds each: straight to a container's address, and
#               through a port it publishes on 127.0.0.1 (DNAT); the server runs in the container's network
#               namespace (nsenter --net: the image has no iperf3)
#
# Uses karakuri's bridges and the nft table inet karakuri: run it when no other hitoha has containers.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "run me as root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/../packages.sh" bench >/dev/null
BIN=${1:-$(dirname "$(command -v karakuri)")}
N=${N:-50}
QUERIES=${QUERIES:-10000}
SECONDS_EACH=${DURATION:-10}
JAVA=${JAVA:-$(command -v java)}

work=$(mktemp -d /tmp/namespaces-bench.XXXXXX)
. "$here/hitoha-lib.sh"
hitoha=
cleanup() {
    [ -f "$work/iperf3.pid" ] && kill "$(cat "$work/iperf3.pid")" 2>/dev/null || true
    bench_hitoha_cleanup
    rm -rf "$work"
}
trap cleanup EXIT
k() { "$BIN/karakuri" "$@"; }
now() { date +%s.%N; }
ms() { python3 -c "import sys; print('%.0f' % ((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }
netns() { echo "$work/run/netns/$(k inspect --format json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"; }

echo "==> hitoha and the busybox image (from busybox-static)"
bench_hitoha_start
bench_busybox_image bench-busybox
k createns bench >/dev/null
gateway=$(k ns --format json | python3 -c 'import json,sys; print([n["gateway"] for n in json.load(sys.stdin) if n["name"] == "bench"][0])')

echo "==> lifecycle: $N containers"
t0=$(now)
for i in $(seq "$N"); do k run -d --ns bench --name "c$i" bench-busybox sleep 3600 >/dev/null; done
t1=$(now)
running=$(k ls --ns bench --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$running" = "$N" ] || { echo "only $running of $N containers run" >&2; exit 1; }
k rm --force $(k ls --ns bench --all --format json | python3 -c 'import json,sys; [print(c["id"]) for c in json.load(sys.stdin)]') >/dev/null
t2=$(now)
create_ms=$(ms "$t0" "$t1")
remove_ms=$(ms "$t1" "$t2")

echo "==> dns: $QUERIES queries from a container's network namespace to $gateway"
k run -d --ns bench --name target bench-busybox sleep 3600 >/dev/null
k run -d --ns bench --name client bench-busybox sleep 3600 >/dev/null
read -r p50 p99 max < <(nsenter --net="$(netns client)" "$JAVA" "$here/DnsLatency.java" "$gateway" target "$QUERIES")

echo "==> throughput: iperf3, $SECONDS_EACH s each"
k run -d --ns bench --name perf --port 127.0.0.1:15201:5201 bench-busybox sleep 3600 >/dev/null
address=$(k inspect --format json perf | python3 -c 'import json,sys; print(json.load(sys.stdin)["ip"])')
nsenter --net="$(netns perf)" iperf3 -s -p 5201 -D --pidfile "$work/iperf3.pid"
for _ in $(seq 50); do [ -s "$work/iperf3.pid" ] && break; sleep 0.1; done
sleep 0.5
gbits() { iperf3 -c "$1" -p "$2" -t "$SECONDS_EACH" -J | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'; }
direct=$(gbits "$address" 5201)
published=$(gbits 127.0.0.1 15201)

echo
printf '%-58s %s\n' "create+start $N containers in one namespace (run -d each)" "$create_ms ms ($((create_ms / N)) ms each)"
printf '%-58s %s\n' "remove them (one rm --force)" "$remove_ms ms"
printf '%-58s %s\n' "DNS answer, p50 / p99 / max ($QUERIES queries)" "$p50 / $p99 / $max us"
printf '%-58s %s\n' "TCP straight to the container ($address:5201)" "$direct Gbit/s"
printf '%-58s %s\n' "TCP through the published port (127.0.0.1:15201)" "$published Gbit/s"
python3 -c "import sys; print('%-58s %.2f' % ('published / straight', float(sys.argv[1]) / float(sys.argv[2])))" "$published" "$direct"
