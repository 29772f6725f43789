# What the checks run in scripts/cgroup2-vm.sh's virtual machine share; sourced with the bin directory
# of a karakuri install as $1. Each check prints "ok - ...", or "not ok - ..." and exits 1.
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
futaba="$1/futaba"
fail() { echo "not ok - $*"; exit 1; }
ok() { echo "ok - $*"; }

# busybox_bundle DIR: a bundle in DIR whose rootfs is busybox with every applet; the shell moves there
busybox_bundle() {
    mkdir -p "$1/rootfs/bin"
    cp /bin/busybox "$1/rootfs/bin/"
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$1/rootfs/bin/$a"; done
    cd "$1" || fail "cd $1"
}
