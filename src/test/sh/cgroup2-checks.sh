#!/bin/sh
# futaba on a pure cgroup v2 host: run by CgroupV2IT inside scripts/cgroup2-vm.sh's virtual machine.
#   cgroup2-checks.sh BIN_DIR      (the bin directory of a karakuri install)
# Prints "ok - ..." for each check, "not ok - ..." and exit 1 at the first failure.
set -u
. "$(dirname "$0")/vm-checks-lib.sh"

[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || fail "this host is not cgroup v2 only"
bundle=/run/cgroup2-checks/bundle
busybox_bundle "$bundle"

# config.json from futaba's template: process.args set to "sh -c SCRIPT", resources added ($2, JSON members)
make_config() {
    rm -f config.json
    "$futaba" spec >/dev/null || fail "futaba spec"
    d=$(printf '\001') # a sed delimiter no script here contains
    sed -i "s${d}\"sh\"${d}\"sh\", \"-c\", \"$1\"${d}; s${d}\"resources\": {${d}\"resources\": {$2${d}" config.json
}
run() { "$futaba" --root /run/futaba run "$@"; }
cgroups_path() { sed -i "s|\"namespaces\": \\[|\"cgroupsPath\": \"$1\", \"namespaces\": [|" config.json; }

make_config "cat /proc/self/cgroup; grep ' /sys/fs/cgroup ' /proc/self/mountinfo | sed 's/.* - //' | cut -d' ' -f1" ''
out=$(run v2-ns) || fail "run: $out"
[ "$out" = "$(printf '0::/\ncgroup2')" ] || fail "own cgroup namespace and a cgroup2 mount: $out"
ok "the container has its own cgroup namespace and sees cgroup2 at /sys/fs/cgroup"

make_config 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo \$?; dd if=/dev/zero of=/dev/null bs=4M count=1 2>/dev/null; echo \$?' \
    '"memory": {"limit": 16777216, "swap": 16777216}, '
out=$(run v2-oom) || fail "run: $out"
[ "$out" = "$(printf '137\n0')" ] || fail "memory.max: 64 MiB killed, 4 MiB fine: $out"
ok "memory.max: allocating past the limit gets the process killed"

make_config 'i=0; while [ \$i -lt 30 ]; do sleep 60 \& i=\$((i+1)); echo \$i; done' '"pids": {"limit": 10}, '
out=$(run v2-pids 2>&1)
last=$(echo "$out" | grep -E '^[0-9]+$' | tail -n 1)
[ "$last" -le 9 ] && echo "$out" | grep -q fork || fail "pids.max: $out"
ok "pids.max: a fork bomb stops at the limit ($last sleeps started)"

# linux.resources.devices: an eBPF program on the container's cgroup. The probe makes /dev/sda (b 8:0;
# this machine has no disk, so an allowed open fails with ENXIO) and /dev/vcs (c 7:0, the console), then
# reads and writes them and /dev/null.
cat > rootfs/bin/devices-probe <<'PROBE'
#!/bin/sh
mknod /dev/sda b 8 0 && mknod /dev/vcs c 7 0 || exit 1
for d in null sda vcs; do
    r=$(head -c1 /dev/$d 2>&1 >/dev/null) && r=ok
    w=$( (printf x > /dev/$d) 2>&1) && w=ok
    echo "$d read ${r##*: }, write ${w##*: }"
done
PROBE
chmod 755 rootfs/bin/devices-probe
# the template's rules (deny all; futaba adds the defaults), with CAP_MKNOD and rules $1 after them
devices_config() {
    make_config devices-probe ''
    sed -i 's/"CAP_KILL"/"CAP_KILL", "CAP_MKNOD"/g' config.json
    [ -z "$1" ] || sed -i "/\"access\": \"rwm\"/{n;s/}/}, $1/}" config.json
}
echo 1 > /proc/sys/net/core/bpf_jit_kallsyms # loaded programs are listed in /proc/kallsyms by name
programs() { grep -c '_futaba_devices' /proc/kallsyms; }
programs_before=$(programs)
denied="Operation not permitted"
absent="No such device or address"

devices_config ''
out=$(run v2-devices 2>&1)
[ "$out" = "$(printf 'null read ok, write ok\nsda read %s, write %s\nvcs read %s, write %s' \
    "$denied" "$denied" "$denied" "$denied")" ] || fail "default device rules: $out"
ok "device rules: the defaults allow /dev/null; /dev/sda and /dev/vcs, made with mknod, fail with EPERM"

devices_config '{"allow": true, "type": "c", "major": 7, "access": "rw"}, '\
'{"allow": false, "type": "c", "major": 7, "access": "w"}, '\
'{"allow": true, "type": "b", "major": 8, "minor": 0, "access": "r"}'
out=$(run v2-devices 2>&1)
[ "$out" = "$(printf 'null read ok, write ok\nsda read %s, write %s\nvcs read ok, write %s' \
    "$absent" "$denied" "$denied")" ] || fail "allow rules: $out"
ok "device rules: allow c 7:* rw then deny c 7:* w reads /dev/vcs only; allow b 8:0 r lets open reach the driver"

devices_config ''
sed -i 's/"allow": false/"allow": true/' config.json
out=$(run v2-devices 2>&1)
[ "$out" = "$(printf 'null read ok, write ok\nsda read %s, write %s\nvcs read ok, write ok' "$absent" "$absent")" ] \
    || fail "allow-all rule: $out"
ok "device rules: an allow-all rule (a privileged container) opens every device"

devices_config ''
cgroups_path /cgroup2-checks/devices
out=$(run --keep v2-devices-kept 2>&1)
echo "$out" | grep -qx "vcs read $denied, write $denied" || fail "first container in the cgroup: $out"
[ "$(programs)" = $((programs_before + 1)) ] || fail "$(programs) device programs, not $((programs_before + 1))"
devices_config '{"allow": true, "type": "c", "major": 7, "minor": 0, "access": "rw"}'
cgroups_path /cgroup2-checks/devices
out=$(run v2-devices 2>&1)
echo "$out" | grep -qx "vcs read ok, write ok" || fail "the second program did not replace the first: $out"
"$futaba" --root /run/futaba delete v2-devices-kept || fail "delete v2-devices-kept"
for i in $(seq 50); do [ "$(programs)" = "$programs_before" ] && break; sleep 0.1; done
[ "$(programs)" = "$programs_before" ] || fail "$(programs) device programs left, not $programs_before"
[ ! -e /sys/fs/cgroup/cgroup2-checks/devices ] || fail "delete left /sys/fs/cgroup/cgroup2-checks/devices"
ok "device rules: a new container in a reused cgroup replaces its program; none is left after delete"

make_config 'sleep 300' '"cpu": {"shares": 512, "quota": 50000, "period": 100000}, "memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296}, "pids": {"limit": 42}, '
cgroups_path /cgroup2-checks/limits
"$futaba" --root /run/futaba create v2-limits >/dev/null 2>&1 || fail "create"
dir=/sys/fs/cgroup/cgroup2-checks/limits
for expected in "cpu.max:50000 100000" "cpu.weight:20" "memory.max:67108864" "memory.low:33554432" \
        "memory.swap.max:33554432" "pids.max:42"; do
    file=${expected%%:*}
    [ "$(cat "$dir/$file")" = "${expected#*:}" ] || fail "$file is $(cat "$dir/$file"), not ${expected#*:}"
done
pid=$("$futaba" --root /run/futaba state v2-limits | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
grep -qx "$pid" "$dir/cgroup.procs" || fail "the container's process is not in $dir"
ok "cpu.max, cpu.weight, memory.max/low/swap.max and pids.max are written; the process is in its cgroup"

"$futaba" --root /run/futaba start v2-limits || fail "start"
"$futaba" --root /run/futaba pause v2-limits || fail "pause"
[ "$(cat "$dir/cgroup.freeze")" = 1 ] && grep -qx "frozen 1" "$dir/cgroup.events" || fail "pause did not freeze $dir"
"$futaba" --root /run/futaba state v2-limits | grep -q '"status": "paused"' || fail "state after pause"
"$futaba" --root /run/futaba resume v2-limits || fail "resume"
grep -qx "frozen 0" "$dir/cgroup.events" || fail "resume did not thaw $dir"
"$futaba" --root /run/futaba events --stats v2-limits | grep -q '"pids":{"current":1,"limit":42}' \
    || fail "events --stats: $("$futaba" --root /run/futaba events --stats v2-limits)"
ok "pause and resume through cgroup.freeze; events --stats from the v2 files"

"$futaba" --root /run/futaba delete --force v2-limits || fail "delete"
[ ! -e "$dir" ] || fail "delete left $dir"
rmdir /sys/fs/cgroup/cgroup2-checks
[ -z "$(ls /run/futaba)" ] || fail "state left in /run/futaba"
ok "delete removes the cgroup and the state"

make_config 'sleep 300' '"cpu": {"quota": 50000, "period": 100000, "burst": 10000, "idle": 1, "realtimeRuntime": 1000}, "memory": {"limit": 67108864, "swappiness": 10, "disableOOMKiller": true}, "blockIO": {"weight": 300}, "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}], "network": {"classID": 1}, "unified": {"memory.high": "50331648"}, '
# stderr to a file: the created container's process keeps it open, a $(...) would wait for that
"$futaba" --root /run/futaba create v2-members >/dev/null 2>/run/cgroup2-checks/err || fail "create: $(cat /run/cgroup2-checks/err)"
err=$(cat /run/cgroup2-checks/err)
dir=/sys/fs/cgroup/v2-members
# io.weight: blkio's 300 on io.weight's scale, 1 + (300 - 10) * 9999 / 990
for expected in "cpu.max.burst:10000" "cpu.idle:1" "io.weight:default 2930" "hugetlb.2MB.max:4194304" \
        "hugetlb.2MB.rsvd.max:4194304" "memory.high:50331648"; do
    file=${expected%%:*}
    [ "$(cat "$dir/$file")" = "${expected#*:}" ] || fail "$file is $(cat "$dir/$file"), not ${expected#*:}"
done
for ignored in memory.swappiness memory.disableOOMKiller "cpu.realtimeRuntime and realtimePeriod" network; do
    echo "$err" | grep -q "warning: linux.resources.$ignored: cgroup v2 .*; ignored" || fail "no warning for $ignored: $err"
done
"$futaba" --root /run/futaba delete --force v2-members || fail "delete"
ok "cpu.max.burst, cpu.idle, io.weight, hugetlb.2MB.max and rsvd.max, unified are written; what v2 lacks is ignored with a warning"

make_config 'sleep 300' '"rdma": {"mlx4_0": {"hcaHandles": 2}}, '
"$futaba" --root /run/futaba create v2-rdma >/dev/null 2>/run/cgroup2-checks/err \
    && fail "an rdma limit for a device the kernel lacks was accepted"
err=$(cat /run/cgroup2-checks/err)
echo "$err" | grep -q "^futaba: linux.resources.rdma: cannot write \"mlx4_0 hca_handle=2\" to /sys/fs/cgroup/v2-rdma/rdma.max: " \
    || fail "rdma: $err"
[ ! -e /sys/fs/cgroup/v2-rdma ] && [ -z "$(ls /run/futaba)" ] || fail "a failed create left its cgroup or state"
ok "rdma.max: a limit for a device the kernel does not know is a clear error, and nothing is left"

make_config 'sleep 300' '"memory": {"limit": 67108864}, '
"$futaba" --root /run/futaba create v2-update >/dev/null 2>&1 || fail "create"
"$futaba" --root /run/futaba start v2-update || fail "start"
dir=/sys/fs/cgroup/v2-update
"$futaba" --root /run/futaba update --memory 32m --memory-swap 48m --cpu-quota 20000 --pids-limit 20 v2-update \
    || fail "update with options"
"$futaba" --root /run/futaba update --cpu-period 50000 v2-update || fail "update of the period"
echo '{"unified": {"memory.high": "25165824"}}' | "$futaba" --root /run/futaba update -r - v2-update || fail "update -r -"
err=$(echo '{"memory": {"limit": 4096, "checkBeforeUpdate": true}}' | "$futaba" --root /run/futaba update -r - v2-update 2>&1) \
    && fail "a limit below the usage was accepted"
echo "$err" | grep -q "refusing a memory limit of 4096 bytes" || fail "checkBeforeUpdate: $err"
for expected in "memory.max:33554432" "memory.swap.max:16777216" "cpu.max:20000 50000" "pids.max:20" \
        "memory.high:25165824"; do
    file=${expected%%:*}
    [ "$(cat "$dir/$file")" = "${expected#*:}" ] || fail "after update, $file is $(cat "$dir/$file"), not ${expected#*:}"
done
"$futaba" --root /run/futaba delete --force v2-update || fail "delete"
[ ! -e "$dir" ] && [ -z "$(ls /run/futaba)" ] || fail "delete left the cgroup or state"
ok "update: memory.max, memory.swap.max (memory plus swap less memory), cpu.max keeping the quota, pids.max, unified; checkBeforeUpdate refuses a limit below the usage"
