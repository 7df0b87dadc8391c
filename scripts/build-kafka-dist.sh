#!/usr/bin/env bash
# Builds the Apache Kafka distribution the kafka role, Molecule, the lab and the local stack run, from Maven Central:
#   build/kafka/kafka_<scala>-<version>/        libs/ (runtime jars), bin/ (launch wrappers), config/log4j.properties
#   build/kafka/current -> that directory       (what devstack and the tests start)
#   build/release/kafka_<scala>-<version>.tgz   (+ .sha512): laid out like the official tarball; the role installs it
# Supply chain: every jar's SHA-512 must match packaging/kafka/jars.sha512; an unexpected, missing or changed jar
# fails the build naming it. `--update-lock` rewrites the lock from what Maven resolved (after a version change).
# A second build resolves from the local Maven repository (offline) and downloads nothing.
# KAFKA_DIST_LOCK and KAFKA_DIST_BUILD (default build/) let tests check the refusals on a copy of the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SRC=$ROOT/packaging/kafka
LOCK=${KAFKA_DIST_LOCK:-$SRC/jars.sha512}
BUILD=${KAFKA_DIST_BUILD:-$ROOT/build}
update_lock=no
[ "${1:-}" = --update-lock ] && update_lock=yes

pom_property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$SRC/pom.xml" | head -1; }
version=$(pom_property kafka.version)
scala=$(pom_property scala.binary.version)
name=kafka_$scala-$version
stage=$BUILD/kafka-work/$name
out=$BUILD/kafka
release=$BUILD/release

command -v mvn >/dev/null || { echo "build-kafka-dist: mvn not found (apt-get install maven)" >&2; exit 1; }
rm -rf "$BUILD/kafka-work" && mkdir -p "$stage/libs" "$stage/bin" "$stage/config" "$out" "$release"

# -C: a checksum mismatch against Maven Central's .sha1 files is fatal (Debian's Maven only warns by default)
mvn_copy() {
  mvn -B -q -C "$@" -f "$SRC/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$stage/libs" -Dmdep.useRepositoryLayout=false
}
echo "==> kafka-dist $name: runtime jars"
if mvn_copy -o >/dev/null 2>&1; then
  echo "    resolved offline from the local Maven repository (nothing downloaded)"
else
  echo "    resolving from Maven Central"
  rm -rf "$stage/libs" && mkdir -p "$stage/libs"
  mvn_copy
fi

# one Kafka version across every org.apache.kafka artifact (mixed versions fail at run time with NoClassDefFoundError)
mixed=$(find "$stage/libs" -name 'kafka*.jar' -printf '%f\n' | grep -v -- "-$version\.jar$" || true)
if [ -n "$mixed" ]; then
  echo "build-kafka-dist: Kafka jars of another version than $version: $mixed" >&2
  exit 1
fi

actual=$(cd "$stage/libs" && sha512sum -- *.jar | LC_ALL=C sort -k2)
if [ "$update_lock" = yes ]; then
  {
    echo "# SHA-512 of every jar in the Kafka $version distribution (scripts/build-kafka-dist.sh checks them)."
    echo "# Regenerate only after a reviewed version change in pom.xml: make kafka-lock"
    printf '%s\n' "$actual"
  } > "$LOCK"
  echo "    wrote $LOCK ($(printf '%s\n' "$actual" | wc -l) jars)"
fi
[ -f "$LOCK" ] || { echo "build-kafka-dist: no lock file $LOCK (make kafka-lock)" >&2; exit 1; }
expected=$(grep -v '^#' "$LOCK" | LC_ALL=C sort -k2)
problems=$(LC_ALL=C join -1 2 -2 2 -a 1 -a 2 -e MISSING -o 0,1.1,2.1 \
  <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") | awk '
    $2 == "MISSING" { print "unexpected jar (not in the lock): " $1; next }
    $3 == "MISSING" { print "jar in the lock but not resolved: " $1; next }
    $2 != $3        { print "SHA-512 differs from the lock: " $1 }')
if [ -n "$problems" ]; then
  printf 'build-kafka-dist: %s\n' "$problems" >&2
  echo "build-kafka-dist: refusing to build; check the change, then make kafka-lock if it is intended" >&2
  rm -rf "$BUILD/kafka-work"
  exit 1
fi
echo "    $(printf '%s\n' "$actual" | wc -l) jars, every SHA-512 matches packaging/kafka/jars.sha512"

install -m 0755 "$SRC"/bin/* "$stage/bin/"
install -m 0644 "$SRC/log4j.properties" "$SRC/tools-log4j.properties" "$stage/config/"
printf '%s\n' "$version" > "$stage/VERSION"

# reproducible archive: same jars and files give the same bytes (sorted, fixed owner and time, no gzip name)
rm -rf "${out:?}/$name" && mv "$stage" "$out/$name" && ln -sfn "$name" "$out/current"
rm -rf "$BUILD/kafka-work"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$out" -cf - "$name" | gzip -n > "$release/$name.tgz"
(cd "$release" && sha512sum "$name.tgz" > "$name.tgz.sha512")
echo "==> $release/$name.tgz ($(du -h "$release/$name.tgz" | cut -f1)), sha512 $(cut -c1-16 "$release/$name.tgz.sha512")..."
