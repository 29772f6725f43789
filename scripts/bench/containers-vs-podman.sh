#!/bin/bash
# The container lifecycle side by side with podman (Debian's, the same busybox image):
#   sudo scripts/bench/containers-vs-podman.sh [BINDIR]      (default: karakuri and hitoha on PATH)
#
#   run       `karakuri run --rm IMG true` (bridge network) against `podman run --rm IMG true` with
#             --network none and with its default bridge; end to end, medians of RUNS (default 15)
#   ls        `karakuri ls --all` against `podman ps -a`, with 0 and with 50 containers
#   memory    hitoha's RSS idle and with 50 running containers; karakuri-monitor's RSS per container
#
# karakuri runs against a hitoha started for the bench (its own store, run directory and socket); podman
# with its own --root/--runroot and the cgroupfs manager, and the runtime PODMAN_RUNTIME (default crun;
# Debian 12's crun 1.8.1 refuses hosts with hybrid cgroups, "cgroups in hybrid mode not supported": give
# PODMAN_RUNTIME=runc there). podman's containers get karakuri's open-files limit (the host's hard limit
# of this shell) and nproc 1024, since its defaults exceed what a host without those limits raised allows.
# Both are removed at the end (podman's netavark leaves its iptables chains). Uses the bridge karakuri2
# and the nft table inet karakuri: run it when no other hitoha has containers.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "run me as root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/../packages.sh" bench >/dev/null
BIN=${1:-$(dirname "$(command -v karakuri)")}
RUNS=${RUNS:-15}
N=${N:-50}

work=$(mktemp -d /tmp/containers-bench.XXXXXX)
. "$here/hitoha-lib.sh"
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --cgroup-manager cgroupfs
    --runtime "${PODMAN_RUNTIME:-crun}" --events-backend none)
files=$(awk '/^Max open files/ {print $5}' /proc/self/limits)
limits="--ulimit nofile=$files:$files --ulimit nproc=1024:1024"
hitoha=
cleanup() {
    bench_hitoha_cleanup
    "${podman[@]}" rm --all --force >/dev/null 2>&1 || true
    "${podman[@]}" system reset --force >/dev/null 2>&1 || true
    umount -R "$work/podman/root/overlay" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "==> hitoha and the busybox image (from busybox-static)"
bench_hitoha_start
bench_busybox_image bench-busybox
"$BIN/karakuri" save -o "$work/image.tar" bench-busybox
"${podman[@]}" load -q -i "$work/image.tar" >/dev/null
image=docker.io/library/bench-busybox:latest

median() { python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$1"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
time_of() { # name, command...
    local name=$1; shift
    hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$work/$name.json" "$*" >/dev/null 2>&1 \
        || hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$work/$name.json" "$*"
    median "$work/$name.json"
}

echo "==> run --rm true ($RUNS runs each)"
k_run=$(time_of krun "$BIN/karakuri run --rm --image bench-busybox --cmd true")
p_none=$(time_of pnone "${podman[*]} run --rm $limits --network none $image true")
p_bridge=$(time_of pbridge "${podman[*]} run --rm $limits $image true")

echo "==> ls with 0 and $N containers; memory"
hitoha_idle=$(rss_kb "$hitoha")
k_ls0=$(time_of kls0 "$BIN/karakuri ls --all")
p_ls0=$(time_of pls0 "${podman[*]} ps -a")
for i in $(seq "$N"); do
    "$BIN/karakuri" run -d --name "b$i" --image bench-busybox --cmd sleep,3600 >/dev/null
    "${podman[@]}" run -d $limits --network none --name "b$i" "$image" sleep 3600 >/dev/null
done
k_ls50=$(time_of kls50 "$BIN/karakuri ls --all")
p_ls50=$(time_of pls50 "${podman[*]} ps -a")
hitoha_50=$(rss_kb "$hitoha")
monitors=$(pgrep -x karakuri-monito || true)
monitor_total=0 monitor_count=0
for m in $monitors; do monitor_total=$((monitor_total + $(rss_kb "$m"))); monitor_count=$((monitor_count + 1)); done
conmon_total=0 conmon_count=0
for m in $(pgrep -x conmon || true); do conmon_total=$((conmon_total + $(rss_kb "$m"))); conmon_count=$((conmon_count + 1)); done

ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
echo
printf '%-44s %10s %10s %8s\n' "measure" karakuri podman ratio
printf '%-44s %8s ms %8s ms %8s\n' "run --rm true (podman --network none)" "$k_run" "$p_none" "$(ratio "$k_run" "$p_none")"
printf '%-44s %8s ms %8s ms %8s\n' "run --rm true (podman bridge)" "$k_run" "$p_bridge" "$(ratio "$k_run" "$p_bridge")"
printf '%-44s %8s ms %8s ms %8s\n' "ls --all / ps -a, 0 containers" "$k_ls0" "$p_ls0" "$(ratio "$k_ls0" "$p_ls0")"
printf '%-44s %8s ms %8s ms %8s\n' "ls --all / ps -a, $N containers" "$k_ls50" "$p_ls50" "$(ratio "$k_ls50" "$p_ls50")"
printf '%-44s %8s MB\n' "hitoha RSS idle" "$((hitoha_idle / 1024))"
printf '%-44s %8s MB\n' "hitoha RSS with $N running containers" "$((hitoha_50 / 1024))"
if [ "$monitor_count" -gt 0 ]; then
    printf '%-44s %8s KB %8s KB\n' "monitor RSS per container (conmon for podman)" "$((monitor_total / monitor_count))" \
        "$([ "$conmon_count" -gt 0 ] && echo $((conmon_total / conmon_count)) || echo -)"
fi
