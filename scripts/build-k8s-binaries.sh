#!/usr/bin/env bash
# Builds the Kubernetes control-plane binaries VM1 runs, from the Go module proxy only (no download site, no registry):
#   build/k8s/<k8s>/bin/{kube-apiserver,kube-controller-manager,kube-scheduler}
#   build/k8s/etcd-<etcd>/bin/{etcd,etcdctl}
#   build/release/kubernetes-server-<k8s>-linux-amd64.tgz, build/release/etcd-<etcd>-linux-amd64.tgz (+ .sha512)
# Static linux/amd64 (CGO_ENABLED=0), -trimpath, -ldflags "-s -w" and the tags and version stamps of upstream's
# hack/lib/golang.sh and version.sh, so `kube-apiserver --version` reports the release.
#
# `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.X.Y` is refused (k8s.io/kubernetes replaces its k8s.io/*
# staging modules with ./staging; etcd's server and etcdctl modules replace their siblings with ../): each is built
# in a module of ours instead, packaging/kubernetes and packaging/etcd, whose go.mod requires the release, pins every
# staging module to its published v0.X.Y and names the commands as tools. Their go.sum files are the supply-chain
# lock: a module whose hash is not in go.sum fails the build (-mod=readonly). Versions are those of the go.mod files;
# another version is refused unless asked with --update-lock, which rewrites go.mod and go.sum from the module proxy
# (make k8s-lock K8S_VERSION=1.X.Y ETCD_VERSION=3.X.Y), to be reviewed and committed.
#
# The binaries are cached by version outside the clone, in $VOTELAB_K8S_CACHE (default /var/cache/votelab/k8s),
# together with their tarballs; every clone on the machine reuses them: a second build copies and costs seconds.
# The cache entry is rebuilt when its inputs change (go.mod, go.sum, Go version, build flags).
#
# Usage: build-k8s-binaries.sh [--k8s-version 1.X.Y] [--etcd-version 3.X.Y] [--update-lock]
#   (or K8S_VERSION / ETCD_VERSION in the environment; empty means the pinned version)
# Environment: VOTELAB_K8S_CACHE (cache), K8S_BUILD (default build/), K8S_GO_JOBS (go build -p, default: cores),
#   K8S_PACKAGING (default packaging/, for tests).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PACKAGING=${K8S_PACKAGING:-$ROOT/packaging}
K8S_MOD=$PACKAGING/kubernetes
ETCD_MOD=$PACKAGING/etcd
BUILD=${K8S_BUILD:-$ROOT/build}
CACHE=${VOTELAB_K8S_CACHE:-/var/cache/votelab/k8s}
JOBS=${K8S_GO_JOBS:-$(nproc)}
K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler)
ETCD_TOOLS=(go.etcd.io/etcd/server/v3 go.etcd.io/etcd/etcdctl/v3) # built as etcd and etcdctl
# upstream's tags for release binaries (hack/lib/golang.sh): selinux, notest, grpcnotrace (dead-code elimination)
K8S_TAGS=selinux,notest,grpcnotrace

die() { echo "build-k8s-binaries: $*" >&2; exit 1; }

want_k8s=${K8S_VERSION:-}
want_etcd=${ETCD_VERSION:-}
update_lock=no
while [ $# -gt 0 ]; do
  case $1 in
    --k8s-version) [ $# -ge 2 ] || die "--k8s-version needs a value (1.X.Y)"; want_k8s=$2; shift 2 ;;
    --etcd-version) [ $# -ge 2 ] || die "--etcd-version needs a value (3.X.Y)"; want_etcd=$2; shift 2 ;;
    --update-lock) update_lock=yes; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (usage: $0 [--k8s-version 1.X.Y] [--etcd-version 3.X.Y] [--update-lock])" ;;
  esac
done
want_k8s=${want_k8s#v}
want_etcd=${want_etcd#v}

# the version a go.mod requires of a module ("" when it does not)
required_version() {
  [ -f "$1" ] || return 0
  sed -n -E "s#^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+v([^[:space:]]+).*#\2#p" "$1" | head -1
}
pinned_k8s=$(required_version "$K8S_MOD/go.mod" k8s.io/kubernetes)
pinned_etcd=$(required_version "$ETCD_MOD/go.mod" go.etcd.io/etcd/server/v3)
[ -n "$want_k8s" ] || want_k8s=$pinned_k8s
[ -n "$want_etcd" ] || want_etcd=$pinned_etcd
[ -n "$want_k8s" ] || die "no k8s.io/kubernetes version in $K8S_MOD/go.mod; name one: --update-lock --k8s-version 1.X.Y"
[ -n "$want_etcd" ] || die "no go.etcd.io/etcd/server/v3 version in $ETCD_MOD/go.mod; name one: --update-lock --etcd-version 3.X.Y"
[[ $want_k8s =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "'$want_k8s' is not a Kubernetes release version (1.X.Y, for example 1.37.2)"
k8s_minor=${BASH_REMATCH[1]}
[[ $want_etcd =~ ^3\.([0-9]+)\.([0-9]+)$ ]] || die "'$want_etcd' is not an etcd release version (3.X.Y, for example 3.7.3)"
if [ "$update_lock" = no ]; then
  [ "$want_k8s" = "$pinned_k8s" ] || die "Kubernetes $want_k8s is not the version pinned in $K8S_MOD/go.mod" \
    "(${pinned_k8s:-none}); to change it: make k8s-lock K8S_VERSION=$want_k8s (rewrites go.mod and go.sum from the" \
    "Go module proxy), review the diff, commit"
  [ "$want_etcd" = "$pinned_etcd" ] || die "etcd $want_etcd is not the version pinned in $ETCD_MOD/go.mod" \
    "(${pinned_etcd:-none}); to change it: make k8s-lock ETCD_VERSION=$want_etcd, review the diff, commit"
fi
# the version every k8s.io staging module is published at: 0.X.Y for Kubernetes 1.X.Y
staging_version=0.${want_k8s#1.}

# the lock must pin every staging module at the release's v0.X.Y (a v0.0.0 or another minor fails or mixes builds),
# and every etcd module at the etcd release
check_lock() {
  local bad
  [ -f "$K8S_MOD/go.sum" ] && [ -f "$ETCD_MOD/go.sum" ] || die "no go.sum beside $K8S_MOD/go.mod or $ETCD_MOD/go.mod (make k8s-lock)"
  bad=$(sed -n -E 's#^[[:space:]]+(k8s\.io/[a-z0-9-]+) => (k8s\.io/[a-z0-9-]+) v([^[:space:]]+)$#\1 \2 \3#p' "$K8S_MOD/go.mod" |
    awk -v v="$staging_version" '$1 != $2 || $3 != v { print $1 " => " $2 " v" $3 }' | paste -sd ',' | sed 's/,/, /g')
  [ -z "$bad" ] || die "$K8S_MOD/go.mod pins staging modules at another version than v$staging_version: $bad (make k8s-lock)"
  bad=$(sed -n -E 's#^[[:space:]]+(k8s\.io/[a-z0-9-]+) v0\.0\.0( .*)?$#\1#p' "$K8S_MOD/go.mod" | paste -sd ' ')
  [ -z "$bad" ] || die "$K8S_MOD/go.mod requires k8s.io modules at v0.0.0, which no proxy serves: $bad (make k8s-lock)"
  bad=$(sed -n -E 's#^[[:space:]]+(go\.etcd\.io/etcd/[^[:space:]]+)( => [^[:space:]]+)? v([^[:space:]]+).*#\1 v\3#p' "$ETCD_MOD/go.mod" |
    awk -v v="$want_etcd" '$2 != "v" v' | sort -u | paste -sd ',' | sed 's/,/, /g')
  [ -z "$bad" ] || die "$ETCD_MOD/go.mod has etcd modules at another version than v$want_etcd: $bad (make k8s-lock)"
}
[ "$update_lock" = yes ] || check_lock

command -v go >/dev/null || die "go not found (the control node needs Go $(sed -n 's/^go //p' "$K8S_MOD/go.mod" 2>/dev/null || echo 1.26))"
export CGO_ENABLED=0 GOOS=linux GOARCH=amd64
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=readonly -buildvcs=false"

# --update-lock: rewrite go.mod from the release's own go.mod (its go line, godebug and staging list), then go.sum
# with go mod tidy (the go command checks every hash against the checksum database)
lock_module() { # dir, header, go.mod body[, modules to require at the replaced version]; tidy in a scratch copy so
  # a failure leaves the committed lock alone
  local dir=$1 header=$2 body=$3 lift=${4:-} scratch m
  scratch=$(mktemp -d)
  printf '%s\n%s\n' "$header" "$body" > "$scratch/go.mod"
  (cd "$scratch" && GOFLAGS=-mod=mod go mod tidy) || { rm -rf "$scratch"; die "go mod tidy failed for $dir (above)"; }
  # tidy requires the staging modules at what k8s.io/kubernetes names, v0.0.0 for many (the replace makes it
  # v0.X.Y): require every one the build uses at v0.X.Y so that go.mod reads as what is built (not all of the
  # replaced ones are published: k8s.io/sample-cli-plugin is not, and no command uses it)
  for m in $lift; do
    if grep -q -P "^\t\Q$m\E v" "$scratch/go.mod"; then
      (cd "$scratch" && go mod edit -require="$m@v$staging_version")
    fi
  done
  [ -z "$lift" ] || (cd "$scratch" && GOFLAGS=-mod=mod go mod tidy) || { rm -rf "$scratch"; die "go mod tidy failed for $dir (above)"; }
  mkdir -p "$dir" && cp "$scratch/go.mod" "$scratch/go.sum" "$dir/" && rm -rf "$scratch"
  echo "    wrote $dir/go.mod and go.sum ($(grep -c . "$dir/go.sum") hashes)"
}
upstream_gomod() { # module@version -> path of its go.mod in the module cache, or a clear error
  local json
  json=$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$1" 2>&1) || true
  local path
  path=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -n "$path" ] && [ -f "$path" ] || die "the Go module proxy does not serve $1: $(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",*$/\1/p' | head -1)"
  printf '%s\n' "$path"
}
if [ "$update_lock" = yes ]; then
  echo "==> k8s-lock: Kubernetes $want_k8s (staging modules v$staging_version), etcd $want_etcd"
  up=$(upstream_gomod "k8s.io/kubernetes@v$want_k8s")
  staging=$(sed -n -E 's#^[[:space:]]+(k8s\.io/[a-z0-9-]+) => \./staging/.*#\1#p' "$up")
  [ -n "$staging" ] || die "k8s.io/kubernetes v$want_k8s's go.mod replaces no ./staging module: a layout this script does not know"
  lock_module "$K8S_MOD" "// The Kubernetes $want_k8s control-plane commands, built by scripts/build-k8s-binaries.sh from the Go module proxy.
// Written by make k8s-lock (scripts/build-k8s-binaries.sh --update-lock); go.sum is the supply-chain lock." "module votelab/packaging/kubernetes

$(grep -E '^go [0-9.]+$' "$up")
$(grep -E '^godebug ' "$up" || true)

tool (
$(printf '\tk8s.io/kubernetes/cmd/%s\n' "${K8S_COMMANDS[@]}")
)

require k8s.io/kubernetes v$want_k8s

// k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging, which a module of ours
// cannot use: each is pinned to the version it is published at for this release ($(printf '%s' "$staging" | grep -c .) modules, all v$staging_version).
replace (
$(printf '%s\n' "$staging" | while read -r m; do printf '\t%s => %s v%s\n' "$m" "$m" "$staging_version"; done)
)" "$staging"
  up=$(upstream_gomod "go.etcd.io/etcd/server/v3@v$want_etcd")
  lock_module "$ETCD_MOD" "// etcd $want_etcd (etcd and etcdctl), built by scripts/build-k8s-binaries.sh from the Go module proxy.
// Written by make k8s-lock (scripts/build-k8s-binaries.sh --update-lock); go.sum is the supply-chain lock." "module votelab/packaging/etcd

$(grep -E '^go [0-9.]+$' "$up")

tool (
$(printf '\t%s\n' "${ETCD_TOOLS[@]}")
)

require (
$(printf '\t%s v'"$want_etcd"'\n' "${ETCD_TOOLS[@]}")
)

// go.etcd.io/etcd's modules replace one another with ../ paths: every one is pinned to the release here
replace (
$(for m in api/v3 client/pkg/v3 client/v3 pkg/v3 server/v3 etcdctl/v3; do printf '\tgo.etcd.io/etcd/%s => go.etcd.io/etcd/%s v%s\n' "$m" "$m" "$want_etcd"; done)
)"
fi

check_lock
etcd_k8s=$(required_version "$K8S_MOD/go.mod" go.etcd.io/etcd/client/v3)
if [ "${etcd_k8s%.*}" != "${want_etcd%.*}" ]; then
  echo "    warning: Kubernetes $want_k8s is built against etcd client $etcd_k8s, the server built here is etcd $want_etcd" >&2
fi

go_version=$(go env GOVERSION)
name_k8s=kubernetes-server-$want_k8s-linux-amd64
name_etcd=etcd-$want_etcd-linux-amd64
mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] || die "cannot write the cache $CACHE (run as root, or set VOTELAB_K8S_CACHE)"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  echo "    waiting for another build of the control-plane binaries (lock $CACHE/.lock)"
  flock 9
fi

duration() { local s=$1; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# build_component NAME DIR-IN-TARBALL MODULE-DIR TAGS LDFLAGS PACKAGE...: go build into the cache unless the cache
# entry's inputs are these; then the tarball (reproducible: sorted, fixed owner and time, no gzip name) beside it
build_component() {
  local name=$1 top=$2 mod=$3 tags=$4 ldflags=$5
  shift 5
  local entry=$CACHE/$top key
  key=$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-64)
  key="$key $go_version tags=$tags ldflags=$ldflags"
  if [ -f "$entry/inputs" ] && [ "$(cat "$entry/inputs")" = "$key" ] && [ -f "$entry/$name.tgz.sha512" ]; then
    echo "    cached in $entry (built $(date -r "$entry/inputs" '+%F %T'), nothing to compile)"
    return
  fi
  echo "    compiling with $go_version (go build -p $JOBS; first build: tens of minutes on 2 cores)"
  local started
  work=$(mktemp -d "$CACHE/.work.XXXXXX") && chmod 0755 "$work"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/bin"
  started=$(date +%s)
  (cd "$mod" && go build -p "$JOBS" -trimpath -tags "$tags" -ldflags "$ldflags" -o "$work/bin/" "$@") ||
    { rm -rf "$work"; die "go build failed for $name (above)"; }
  # go build names a module-root main package after its path less the major version: go.etcd.io/etcd/server/v3
  # gives "server"; upstream ships it as etcd
  [ ! -f "$work/bin/server" ] || mv "$work/bin/server" "$work/bin/etcd"
  echo "    compiled in $(duration $(($(date +%s) - started)))"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --transform "s,^,$top/," -C "$work" -cf - bin |
    gzip -n > "$work/$name.tgz"
  (cd "$work" && sha512sum "$name.tgz" > "$name.tgz.sha512")
  printf '%s\n' "$key" > "$work/inputs"
  rm -rf "$entry" && mv "$work" "$entry"
  trap - EXIT
}

# install_component NAME DIR-IN-TARBALL OUT-DIR: the cached binaries into the clone and the tarball into build/release
install_component() {
  local name=$1 top=$2 out=$3 entry=$CACHE/$2
  mkdir -p "$BUILD/release" "$(dirname "$out")"
  rm -rf "$out.tmp" && mkdir -p "$out.tmp" && cp -a "$entry/bin" "$out.tmp/" && rm -rf "$out" && mv "$out.tmp" "$out"
  cp "$entry/$name.tgz" "$entry/$name.tgz.sha512" "$BUILD/release/"
  (cd "$BUILD/release" && sha512sum --quiet -c "$name.tgz.sha512") || die "$BUILD/release/$name.tgz does not match its .sha512"
  echo "==> $BUILD/release/$name.tgz ($(du -h "$BUILD/release/$name.tgz" | cut -f1)), sha512 $(cut -c1-16 "$BUILD/release/$name.tgz.sha512")..."
}

# version stamps as upstream's hack/lib/version.sh sets them; the build date is the release's publication time on
# the module proxy (reproducible: the same inputs and Go give the same bytes on every machine); the module proxy
# does not say which git commit a release is, so gitCommit is empty rather than the "$Format:%H$" placeholder
k8s_date=$(cd "$K8S_MOD" && go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes) ||
  die "cannot read k8s.io/kubernetes v$want_k8s from the Go module proxy (above)"
stamps=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamps+=" -X $pkg.gitVersion=v$want_k8s -X $pkg.gitMajor=1 -X $pkg.gitMinor=$k8s_minor"
  stamps+=" -X $pkg.gitTreeState=archive -X $pkg.buildDate=$k8s_date -X $pkg.gitCommit="
done
echo "==> k8s-binaries: Kubernetes $want_k8s (${K8S_COMMANDS[*]})"
build_component "$name_k8s" "kubernetes-$want_k8s" "$K8S_MOD" "$K8S_TAGS" "-s -w$stamps" \
  "${K8S_COMMANDS[@]/#/k8s.io/kubernetes/cmd/}"
install_component "$name_k8s" "kubernetes-$want_k8s" "$BUILD/k8s/$want_k8s"

echo "==> k8s-binaries: etcd $want_etcd (etcd, etcdctl)"
build_component "$name_etcd" "etcd-$want_etcd" "$ETCD_MOD" "" \
  "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=module-v$want_etcd" "${ETCD_TOOLS[@]}"
install_component "$name_etcd" "etcd-$want_etcd" "$BUILD/k8s/etcd-$want_etcd"

echo "==> versions"
for b in "${K8S_COMMANDS[@]}"; do
  printf '    %-24s %s\n' "$b" "$("$BUILD/k8s/$want_k8s/bin/$b" --version)"
done
printf '    %-24s %s\n' etcd "$("$BUILD/k8s/etcd-$want_etcd/bin/etcd" --version | paste -sd ';' | sed 's/;/; /g')"
printf '    %-24s %s\n' etcdctl "$("$BUILD/k8s/etcd-$want_etcd/bin/etcdctl" version | paste -sd ';' | sed 's/;/; /g')"
du -b "$BUILD/k8s/$want_k8s/bin/"* "$BUILD/k8s/etcd-$want_etcd/bin/"* | awk '{ printf "    %-60s %6.1f MB\n", $2, $1 / 1e6 }'
