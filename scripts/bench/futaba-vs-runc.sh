#!/bin/sh
# futaba against runc and crun (Debian's) on one busybox bundle, as root:
#   run /bin/true                   (`X run ID`, foreground, removes the container)
#   create + start + delete         (`X create`, `X start`, `X delete --force`)
# 30 runs each after 3 warm-ups (hyperfine), medians, the ratio to runc, and the runtime's peak RSS.
#
#   sudo scripts/bench/futaba-vs-runc.sh [FUTABA]     (default: futaba on PATH)
#
# crun 1.8.1 refuses a hybrid host whose cgroup v2 tree has controllers ("cgroups in hybrid mode not
# supported"), as this build machine has; so all three run in a private mount namespace without the
# empty v2 mount (/sys/fs/cgroup/unified): each of them then sees the same v1 hierarchies.
set -eu
[ "$(id -u)" = 0 ] || { echo "run me as root" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
"$here/../packages.sh" bench
FUTABA=${1:-$(command -v futaba)}
RUNS=${RUNS:-30}

work=$(mktemp -d /tmp/futaba-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle/rootfs/bin"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
for a in true sh; do ln -s busybox "$work/bundle/rootfs/bin/$a"; done
# crun 1.8.1 knows runtime-spec versions up to 1.1: the bundle says 1.0.2, as runc spec writes
(cd "$work/bundle" && "$FUTABA" spec && sed -i 's/"sh"/"true"/; s/"1.2.0"/"1.0.2"/' config.json)

cat > "$work/inside.sh" <<INSIDE
set -eu
if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
cd "$work/bundle"
for rt in runc crun "$FUTABA"; do
    name=\$(basename "\$rt")
    hyperfine -N -w 3 -r $RUNS --export-csv "$work/run-\$name.csv" "\$rt run bench-run" >/dev/null
    hyperfine -w 3 -r $RUNS --export-csv "$work/cycle-\$name.csv" \
        "\$rt create bench-cycle >/dev/null && \$rt start bench-cycle && \$rt delete --force bench-cycle" >/dev/null
    /usr/bin/time -f %M -o "$work/rss-\$name" "\$rt" run bench-rss
done
INSIDE
unshare -m sh "$work/inside.sh"

median() { awk -F, 'NR==2 { printf "%.1f", $4 * 1000 }' "$1"; }
printf '%-8s | %14s | %9s | %22s | %9s | %12s\n' runtime "run true (ms)" "vs runc" "create+start+delete" "vs runc" "peak RSS"
printf -- '---------+----------------+-----------+------------------------+-----------+-------------\n'
runc_run=$(median "$work/run-runc.csv")
runc_cycle=$(median "$work/cycle-runc.csv")
for name in runc crun "$(basename "$FUTABA")"; do
    r=$(median "$work/run-$name.csv")
    c=$(median "$work/cycle-$name.csv")
    printf '%-8s | %14s | %8sx | %19s ms | %8sx | %9s MB\n' "$name" "$r" \
        "$(awk -v a="$r" -v b="$runc_run" 'BEGIN { printf "%.2f", a / b }')" "$c" \
        "$(awk -v a="$c" -v b="$runc_cycle" 'BEGIN { printf "%.2f", a / b }')" \
        "$(awk '{ printf "%.1f", $1 / 1024 }' "$work/rss-$name")"
done
