#!/bin/sh
# Installs karakuri on Debian 12, as root: the Debian packages it needs, the jar and libfutaba.so built
# from this checkout, a jlink'ed Java runtime, the JDK AOT cache, the launcher with its hitoha and
# futaba symlinks, and the systemd unit. Running it again upgrades in place.
#
#   sudo scripts/install.sh [--prefix DIR] [--bindir DIR] [--unitdir DIR] [--no-packages]
#
# Build needs: a Java 25 JDK (JAVA_HOME, default /usr/lib/jvm/temurin-25-jdk-amd64). The installed
# program needs no Java of its own.
set -eu

PREFIX=/usr/local/lib/karakuri
BINDIR=/usr/local/bin
UNITDIR=/etc/systemd/system
PACKAGES=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX=$2; shift 2 ;;
        --bindir) BINDIR=$2; shift 2 ;;
        --unitdir) UNITDIR=$2; shift 2 ;;
        --no-packages) PACKAGES=no; shift ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
sed "s|@PREFIX@|$PREFIX|g" "$SRC/deploy/karakuri.sh" > "$STAGE/bin/karakuri"
chmod 755 "$STAGE/bin/karakuri"

say "installing into $PREFIX"
if [ -d "$PREFIX" ]; then
    rm -rf "$PREFIX.old"
    mv "$PREFIX" "$PREFIX.old"
fi
mv "$STAGE" "$PREFIX"
rm -rf "$PREFIX.old"

mkdir -p "$BINDIR"
ln -sfn "$PREFIX/bin/karakuri" "$BINDIR/karakuri"
ln -sfn karakuri "$BINDIR/hitoha"
ln -sfn karakuri "$BINDIR/futaba"

mkdir -p "$UNITDIR"
sed "s|@BINDIR@|$BINDIR|g" "$SRC/deploy/hitoha.service" > "$UNITDIR/hitoha.service"
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload || true
fi

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
# hitoha's: the daemon's start, on a socket of its own, until it serves; then a normal stop
QUARKUS_HTTP_DOMAIN_SOCKET="$scratch/hitoha.sock" "$BINDIR/hitoha" --aot-training >"$scratch/hitoha.log" 2>&1 &
hitoha=$!
for _ in $(seq 600); do
    [ -S "$scratch/hitoha.sock" ] || ! kill -0 "$hitoha" 2>/dev/null && break
    sleep 0.1
done
kill -TERM "$hitoha" 2>/dev/null || true
wait "$hitoha" || true # stopped by SIGTERM: 143; the JVM writes the cache as it exits
if [ ! -f "$PREFIX/lib/hitoha.aot" ]; then
    cat "$scratch/hitoha.log" >&2
    rm -f "$PREFIX/lib/hitoha.aot"
    echo "install.sh: warning: AOT training of hitoha failed; hitoha works, but starts slower" >&2
fi

say "installed: $("$BINDIR/karakuri" version)"
echo "    try:  futaba --help"
