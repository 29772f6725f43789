#!/bin/sh
# The karakuri launcher, installed as PREFIX/bin/karakuri by scripts/install.sh; hitoha and futaba are
# symlinks to it. The program reads its role from the name it was started under (karakuri.argv0).
home="@PREFIX@"
java="$home/runtime/bin/java"
main=io.karakuri.Main

# The CLI and futaba run from a small jar of karakuri's own classes (a JVM opens every jar on its class
# path: the daemon's Quarkus jar would cost them milliseconds for nothing), and start fastest with C1
# only, the serial GC and no perf data file (measured). The daemon runs from its Quarkus jar with the
# default JIT and a small heap that gives memory back after a busy moment (heap free ratios, a periodic
# trim of the C heap: about 20 MB less resident after a burst of containers, measured).
case "${0##*/}:${1:-}" in
    hitoha:*|*:hitoha)
        jar="$home/lib/hitoha.jar"
        cache="$home/lib/hitoha.aot"
        # jboss-threads resets thread locals of ending worker threads through java.lang (else each ending
        # executor thread logs an IllegalAccessError / NoClassDefFoundError on Java 24+)
        tuning="-XX:+UseSerialGC -XX:-UsePerfData -Xms8m --add-opens=java.base/java.lang=ALL-UNNAMED -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:TrimNativeHeapInterval=5000" ;;
    *)
        jar="$home/lib/karakuri.jar"
        cache="$home/lib/karakuri.aot"
        tuning="-Xint -XX:+UseSerialGC -XX:-UsePerfData -Xmx256m" ;;
esac

if [ "${1:-}" = --aot-training ]; then
    # scripts/install.sh: record the AOT cache from a run of the common paths. The CLI's training is a
    # program of its own; hitoha's is hitoha itself, started and stopped.
    shift
    if [ "$jar" = "$home/lib/karakuri.jar" ]; then
        main=io.karakuri.AotTraining
    fi
    exec "$java" -XX:AOTCacheOutput="$cache" $tuning --enable-native-access=ALL-UNNAMED \
        -Dkarakuri.home="$home" -Dkarakuri.argv0="$0" -cp "$jar" $main "$@"
fi
if [ -f "$cache" ]; then
    exec "$java" -XX:AOTCache="$cache" $tuning --enable-native-access=ALL-UNNAMED \
        -Dkarakuri.home="$home" -Dkarakuri.argv0="$0" -cp "$jar" $main "$@"
fi
exec "$java" $tuning --enable-native-access=ALL-UNNAMED \
    -Dkarakuri.home="$home" -Dkarakuri.argv0="$0" -cp "$jar" $main "$@"
