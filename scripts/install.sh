#!/bin/sh
# Installs karakuri on Debian 12, as root: the Debian packages it needs, the jar and libfutaba.so built
# from this checkout, a jlink'ed Java runtime, the JDK AOT cache, the launcher with its hitoha and
# futaba symlinks, the systemd unit, and a local `busybox` image (Debian's busybox-static) in the image
# store. Running it again upgrades in place and keeps the images.
#
#   sudo scripts/install.sh [--prefix DIR] [--bindir DIR] [--unitdir DIR] [--root DIR] [--no-packages]
#
# Build needs: a Java 25 JDK (JAVA_HOME, default /usr/lib/jvm/temurin-25-jdk-amd64). The installed
# program needs no Java of its own.
set -eu

PREFIX=/usr/local/lib/karakuri
BINDIR=/usr/local/bin
UNITDIR=/etc/systemd/system
ROOT=/var/lib/karakuri
PACKAGES=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX=$2; shift 2 ;;
        --bindir) BINDIR=$2; shift 2 ;;
        --unitdir) UNITDIR=$2; shift 2 ;;
        --root) ROOT=$2; shift 2 ;;
        --no-packages) PACKAGES=no; shift ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 1 ;;
    esac
done

say() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run me as root (containers need namespaces, mounts and cgroups)"
SRC=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
[ -x "$JAVA_HOME/bin/jlink" ] || die "no Java 25 JDK at $JAVA_HOME: install one (Temurin 25) or set JAVA_HOME"
"$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]' \
    || die "$JAVA_HOME is not Java 25 or newer"
export JAVA_HOME

if [ "$PACKAGES" = yes ]; then
    say "Debian packages"
    "$SRC/scripts/packages.sh" install
fi

say "building (mvn package)"
(cd "$SRC" && mvn -B -q -DskipTests package) || die "the build failed"
UBER_JAR=$(ls "$SRC"/target/karakuri-*-runner.jar)
JAR=${UBER_JAR%-runner.jar}-core.jar

STAGE="$PREFIX.new"
rm -rf "$STAGE"
mkdir -p "$STAGE/bin" "$STAGE/lib"

say "Java runtime (jlink)"
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --multi-release 25 --print-module-deps "$UBER_JAR")
# found only at run time (service loaders, TLS, zip file systems, signals)
modules="$modules,jdk.crypto.ec,jdk.zipfs,jdk.unsupported,jdk.net"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --output "$STAGE/runtime"

cp "$JAR" "$STAGE/lib/karakuri.jar"
cp "$UBER_JAR" "$STAGE/lib/hitoha.jar"
cp "$SRC/target/native/libfutaba.so" "$STAGE/lib/libfutaba.so"
cp "$SRC/target/native/karakuri-monitor" "$STAGE/lib/karakuri-monitor"
sed "s|@PREFIX@|$PREFIX|g" "$SRC/deploy/karakuri.sh" > "$STAGE/bin/karakuri"
chmod 755 "$STAGE/bin/karakuri"

say "installing into $PREFIX"
if [ -d "$PREFIX" ]; then
    rm -rf "$PREFIX.old"
    mv "$PREFIX" "$PREFIX.old"
fi
mv "$STAGE" "$PREFIX"
rm -rf "$PREFIX.old"

# the group whose members may use hitoha's socket (mode 0660) without root
if ! getent group karakuri >/dev/null 2>&1; then
    groupadd --system karakuri || echo "install.sh: warning: cannot make the group karakuri; only root can use hitoha" >&2
fi

mkdir -p "$BINDIR"
ln -sfn "$PREFIX/bin/karakuri" "$BINDIR/karakuri"
ln -sfn karakuri "$BINDIR/hitoha"
ln -sfn karakuri "$BINDIR/futaba"

mkdir -p "$UNITDIR"
sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@ROOT@|$ROOT|g" "$SRC/deploy/hitoha.service" > "$UNITDIR/hitoha.service"
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
fi

# The local busybox image: Debian's busybox-static with its applets as symbolic links, a minimal /etc/passwd
# and /etc/group, imported through the hitoha at socket $1/hitoha.sock. Kept if it is there already.
busybox_image() {
    sock="$1/hitoha.sock"
    if KARAKURI_SOCKET="$sock" "$BINDIR/karakuri" images --format json >"$1/images.json" 2>"$1/images.err"; then
        if grep -q '"repository":"busybox","tag":"latest"' "$1/images.json"; then
            say "busybox image: already there"
            return 0
        fi
    else
        cat "$1/images.err" >&2
        return 1
    fi
    if [ ! -x /bin/busybox ] || ! /bin/busybox --list-full >"$1/applets" 2>/dev/null; then
        echo "install.sh: no /bin/busybox from busybox-static (apt-get install busybox-static, or drop --no-packages)" >&2
        return 1
    fi
    fs="$1/busybox-rootfs"
    mkdir -p "$fs/bin" "$fs/sbin" "$fs/usr/bin" "$fs/usr/sbin" "$fs/etc" "$fs/root" "$fs/tmp" "$fs/dev" \
        "$fs/proc" "$fs/sys"
    chmod 1777 "$fs/tmp"
    chmod 700 "$fs/root"
    cp /bin/busybox "$fs/bin/busybox" || return 1
    while read -r applet; do
        [ "$applet" = bin/busybox ] && continue
        mkdir -p "$fs/$(dirname "$applet")"
        ln -sf /bin/busybox "$fs/$applet"
    done <"$1/applets"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$fs/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$fs/etc/group"
    tar --numeric-owner --owner=0 --group=0 -C "$fs" -cf "$1/busybox.tar" . || return 1
    if id=$(KARAKURI_SOCKET="$sock" "$BINDIR/karakuri" import "$1/busybox.tar" busybox); then
        say "busybox image: $id"
    else
        return 1
    fi
}

# The AOT cache names the jar's path and time stamp, so it is trained in place, after the move.
say "training the AOT cache"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rootfs=""
if [ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1; then
    rootfs="$scratch/rootfs"
    mkdir -p "$rootfs/bin"
    cp /bin/busybox "$rootfs/bin/busybox"
    ln -s busybox "$rootfs/bin/true"
    ln -s busybox "$rootfs/bin/sh"
fi
if "$PREFIX/bin/karakuri" --aot-training "$scratch/work" $rootfs >"$scratch/training.log" 2>&1; then
    :
else
    cat "$scratch/training.log" >&2
    rm -f "$PREFIX/lib/karakuri.aot"
    echo "install.sh: warning: AOT training of the CLI failed; karakuri works, but starts slower" >&2
fi
# hitoha's: the daemon's start, on a socket of its own, until it serves; then, while it runs, the busybox
# image is made through it (which trains the image paths too); then a normal stop.
problems=""
say "starting hitoha for its AOT training and the busybox image (store: $ROOT)"
KARAKURI_ROOT="$ROOT" KARAKURI_RUN_DIR="$scratch/run" QUARKUS_HTTP_DOMAIN_SOCKET="$scratch/hitoha.sock" \
    "$BINDIR/hitoha" --aot-training \
    >"$scratch/hitoha.log" 2>&1 &
hitoha=$!
for _ in $(seq 600); do
    [ -S "$scratch/hitoha.sock" ] || ! kill -0 "$hitoha" 2>/dev/null && break
    sleep 0.1
done
if [ -S "$scratch/hitoha.sock" ]; then
    busybox_image "$scratch" || problems="$problems
    the busybox image could not be made (see above)"
else
    cat "$scratch/hitoha.log" >&2
    problems="$problems
    hitoha did not start (its log is above), so there is no busybox image"
fi
kill -TERM "$hitoha" 2>/dev/null || true
wait "$hitoha" || true # stopped by SIGTERM: 143; the JVM writes the cache as it exits
if [ ! -f "$PREFIX/lib/hitoha.aot" ]; then
    cat "$scratch/hitoha.log" >&2
    rm -f "$PREFIX/lib/hitoha.aot"
    echo "install.sh: warning: AOT training of hitoha failed; hitoha works, but starts slower" >&2
fi

say "installed: $("$BINDIR/karakuri" version)"
if [ -n "$problems" ]; then
    echo "install.sh: installed, but:$problems" >&2
    exit 1
fi
# the daemon: started (or restarted onto the new version; running containers stay) where systemd runs
# and the unit went to its own directory
if [ "$UNITDIR" = /etc/systemd/system ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl enable hitoha >/dev/null 2>&1 || true
    if systemctl restart hitoha; then
        say "hitoha started (systemctl status hitoha)"
    else
        echo "install.sh: hitoha did not start: see journalctl -u hitoha" >&2
        exit 1
    fi
else
    echo "    start the daemon:  sudo $BINDIR/hitoha &   (no systemd here to start it)"
fi
echo "    try:  karakuri run --rm --image busybox --cmd echo,hello"
