#!/bin/sh
# Runs the whole test suite as root: unit tests, then integration tests that drive a real install
# (staged under a temporary directory, made by scripts/install.sh) with real namespaces, mounts and
# cgroups.
#
#   sudo scripts/test.sh [extra Maven arguments, e.g. -Dit.test=FutabaRunIT]
set -eu

SRC=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "test.sh: run me as root (the integration tests make containers)" >&2; exit 1; }
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export MAVEN_OPTS="${MAVEN_OPTS:-} --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"

"$SRC/scripts/packages.sh" test

stage=$(mktemp -d /tmp/karakuri-test.XXXXXX)
trap 'rm -rf "$stage"' EXIT
"$SRC/scripts/install.sh" --no-packages --prefix "$stage/lib/karakuri" --bindir "$stage/bin" \
    --unitdir "$stage/systemd" --root "$stage/root"

cd "$SRC"
mvn -B verify -DskipITs=false -Dkarakuri.launcher="$stage/bin" "$@"
