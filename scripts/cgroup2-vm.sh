#!/bin/sh
# Runs a command as root on a pure cgroup v2 host: a QEMU virtual machine (software emulation, no KVM
# needed) booted with Debian's kernel and cgroup_no_v1=all. This machine's / is shared read-only over
# 9p and the command runs in it, with tmpfs on /run and /dev/shm. Prints the command's output; exits
# with its exit code.
#
#   sudo scripts/cgroup2-vm.sh COMMAND [ARG...]
#
# The kernel is Debian's linux-image-amd64, unpacked (not installed) into /var/cache/karakuri-vm.
set -eu
[ "$(id -u)" = 0 ] || { echo "cgroup2-vm.sh: run me as root" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: cgroup2-vm.sh COMMAND [ARG...]" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "cgroup2-vm.sh: qemu-system-x86 is not installed" >&2; exit 1; }

cache=/var/cache/karakuri-vm
kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
package=$(kernel_package)
if [ -z "$package" ]; then
    apt-get update -q >/dev/null
    package=$(kernel_package)
fi
[ -n "$package" ] || { echo "cgroup2-vm.sh: no linux-image-amd64 in the package lists" >&2; exit 1; }
# one cache entry per kernel package and version of this script (which writes the initrd's init)
kernel_dir="$cache/$package-$(sha256sum "$0" | cut -c1-12)"
if [ ! -f "$kernel_dir/initrd.gz" ]; then
    rm -rf "$cache"
    mkdir -p "$kernel_dir/deb" "$kernel_dir/initrd/bin" "$kernel_dir/initrd/lib/modules"
    (cd "$kernel_dir/deb" && apt-get download -q -o APT::Sandbox::User=root "$package" >/dev/null \
        && dpkg-deb -x ./*.deb tree)
    cp "$kernel_dir"/deb/tree/boot/vmlinuz-* "$kernel_dir/vmlinuz"
    # what mounting the host's / over virtio 9p needs, in load order
    for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet \
            9pnet_virtio 9p; do
        find "$kernel_dir/deb/tree/lib/modules" -name "$m.ko" -exec cp {} "$kernel_dir/initrd/lib/modules/" \;
    done
    cp /bin/busybox "$kernel_dir/initrd/bin/busybox"
    cat > "$kernel_dir/initrd/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /host
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet \
        9pnet_virtio 9p; do
    insmod /lib/modules/$m.ko
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=mmap,msize=262144 host /host
mount --rbind /proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t cgroup2 cgroup2 /host/sys/fs/cgroup
mount --rbind /dev /host/dev
mkdir -p /host/dev/shm
mount -t tmpfs tmpfs /host/dev/shm
mount -t tmpfs tmpfs /host/run
script=$(sed -n 's/.*karakuri.run=\([^ ]*\).*/\1/p' /proc/cmdline)
echo; echo "karakuri-vm: begin"
chroot /host /bin/sh "$script" </dev/null
echo "karakuri-vm: exit $?"
echo o > /proc/sysrq-trigger
sleep 10
INIT
    chmod 755 "$kernel_dir/initrd/init"
    (cd "$kernel_dir/initrd" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > ../initrd.gz)
    rm -rf "$kernel_dir/deb"
fi

# the command, where the virtual machine finds it: in this machine's tree, which it sees read-only
work=$(mktemp -d /tmp/karakuri-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
{
    echo "cd '$(pwd)'"
    printf 'exec'
    for arg in "$@"; do
        printf " '%s'" "$(printf '%s' "$arg" | sed "s/'/'\\\\''/g")"
    done
    echo
} > "$work/run.sh"

# a command that hangs must not hang the test suite
timeout "${KARAKURI_VM_TIMEOUT:-900}" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 2048 -nographic -no-reboot \
    -kernel "$kernel_dir/vmlinuz" -initrd "$kernel_dir/initrd.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 cgroup_no_v1=all karakuri.run=$work/run.sh" \
    -virtfs local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap \
    -nic none </dev/null > "$work/console" 2>&1 || true
tr -d '\r' < "$work/console" | sed -n '/^karakuri-vm: begin$/,/^karakuri-vm: exit /p' | sed '1d;$d'
code=$(tr -d '\r' < "$work/console" | sed -n 's/^karakuri-vm: exit \([0-9]*\)$/\1/p')
[ -n "$code" ] || { echo "cgroup2-vm.sh: the virtual machine did not finish the command" >&2; exit 1; }
exit "$code"
