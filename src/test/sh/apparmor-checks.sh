#!/bin/sh
# futaba on a host that enforces AppArmor: run by AppArmorIT inside scripts/cgroup2-vm.sh's virtual
# machine (Debian's kernel enables AppArmor; this build machine's does not).
#   apparmor-checks.sh BIN_DIR      (the bin directory of a karakuri install)
# Prints "ok - ..." for each check, "not ok - ..." and exit 1 at the first failure.
set -u
. "$(dirname "$0")/vm-checks-lib.sh"

[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] || fail "AppArmor is not enabled here"
bundle=/run/apparmor-checks/bundle
busybox_bundle "$bundle"

# config.json from futaba's template: "sh -c SCRIPT" as the process, in the AppArmor profile $2
make_config() {
    rm -f config.json
    "$futaba" spec >/dev/null || fail "futaba spec"
    sed -i "s|\"sh\"|\"sh\", \"-c\", \"$1\"|; s|\"noNewPrivileges\"|\"apparmorProfile\": \"$2\", \"noNewPrivileges\"|" config.json
}

# no profile is loaded in this machine: "unconfined" is the one a process can always ask for
make_config 'cat /proc/self/attr/current' unconfined
out=$("$futaba" --root /run/futaba run aa-unconfined 2>&1) || fail "run: $out"
[ "$out" = unconfined ] || fail "the profile asked for: $out"
ok "process.apparmorProfile is asked for through /proc/self/attr and holds for the program"

# a profile of the test's own, loaded with Debian's apparmor_parser: it holds for the container's program
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
printf 'secret\n' > rootfs/secret
apparmor_parser --replace --skip-cache <<'PROFILE' || fail "apparmor_parser could not load the test profile"
profile futaba-test flags=(attach_disconnected) {
  file,
  capability,
  signal,
  deny /**secret r,  # the path as the container sees it, or as the VM does
}
PROFILE
make_config 'cat /proc/self/attr/current; cat /secret 2>\&1; true' futaba-test
out=$("$futaba" --root /run/futaba run aa-enforced 2>&1) || fail "run: $out"
[ "$out" = "$(printf 'futaba-test (enforce)\ncat: can'"'"'t open '"'"'/secret'"'"': Permission denied')" ] \
    || fail "the loaded profile: $out"
ok "a loaded profile confines the program: it may not read what the profile denies"

make_config 'echo ran' futaba-no-such-profile
out=$("$futaba" --root /run/futaba run aa-missing 2>&1) && fail "a profile that is not loaded ran: $out"
echo "$out" | grep -q "set the AppArmor profile futaba-no-such-profile" || fail "the error: $out"
[ -z "$(ls /run/futaba)" ] || fail "the failed create left $(ls /run/futaba)"
ok "a profile that is not loaded fails the create with a clear error"
