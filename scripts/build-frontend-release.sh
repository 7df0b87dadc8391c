#!/usr/bin/env bash
# Builds the Next.js front end and packages it for hosts that have only Node.js (20+).
#   build-frontend-release.sh deps     npm ci, only when package-lock.json changed since the last install
#   build-frontend-release.sh build    deps + next build + assemble build/frontend/app
#   build-frontend-release.sh release  the same, then build/release/votelab-frontend-<version>.tar.gz (the default)
# The assembled app is Next's standalone server with .next/static and public copied in, the systemd-socket and
# edge-headers preloads wired into server.js, and a VERSION file; run it with `node server.js` (PORT, HOSTNAME,
# VOTELAB_API_URL).
# A rebuild is skipped when the front end's sources and the version are unchanged since the last assembly.
# Concurrent runs (several make targets in one tree) wait for each other on a lock. build/frontend/app is a symlink
# switched atomically to build/frontend/builds/<version>; the previous builds stay, so a server started from one keeps
# its files while a newer build lands (only the newest three are kept).
set -euo pipefail
mode=${1:-release}
case "$mode" in deps | build | release) ;; *) echo "usage: $0 [deps|build|release]" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
frontend=$root/frontend
app=$root/build/frontend/app
builds=$root/build/frontend/builds
version=$("$root/scripts/version.sh")
export NEXT_TELEMETRY_DISABLED=1

mkdir -p "$root/build/frontend"
exec 9>"$root/build/frontend/.lock"
flock 9

command -v node >/dev/null || { echo "build-frontend-release: node is not on PATH" >&2; exit 1; }

# 1. Dependencies exactly from the committed lock file; skipped when node_modules matches the lock already.
lock_sum=$(sha256sum "$frontend/package-lock.json" | cut -d' ' -f1)
stamp=$frontend/node_modules/.votelab-lock-sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "==> frontend: npm ci"
  (cd "$frontend" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$stamp"
fi
[ "$mode" = deps ] && exit 0

# 2. next build + assemble, unless the sources and the version are what the assembled app was built from.
inputs_sum=$(
  cd "$frontend" &&
    find . -path ./node_modules -prune -o -path ./.next -prune -o -name '*.tsbuildinfo' -prune -o -type f -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
)
sources_sum=$inputs_sum
inputs_sum="$inputs_sum $version"
# next build's output does not depend on the version (the server reads VERSION at run time), so another version of
# the same sources (make test builds the lab's, Molecule's and the front-end stage's) reuses frontend/.next.
next_stamp=$frontend/.next/.votelab-sources-sha256
if [ "$(cat "$app/.build-inputs" 2>/dev/null)" = "$inputs_sum" ] && [ -f "$app/server.js" ]; then
  echo "==> frontend: build is up to date ($version)"
else
  if [ "$(cat "$next_stamp" 2>/dev/null)" = "$sources_sum" ] && [ -f "$frontend/.next/standalone/server.js" ]; then
    echo "==> frontend: next build is up to date for these sources; assembling $version"
  else
    echo "==> frontend: next build ($version)"
    rm -f "$next_stamp"
    (cd "$frontend" && npx --no-install next build)
    echo "$sources_sum" >"$next_stamp"
  fi
  target=$builds/$(echo "$version" | tr -c 'A-Za-z0-9._+\n-' '_')
  echo "==> frontend: assembling $target"
  rm -rf "$target.part"
  mkdir -p "$target.part/.next"
  cp -a "$frontend/.next/standalone/." "$target.part/"
  cp -a "$frontend/.next/static" "$target.part/.next/static"
  cp -a "$frontend/public" "$target.part/public"
  # Preloads that must run before Next.js creates its HTTP server: take a systemd-activated socket when given
  # one, and drop client-sent forwarding headers.
  cp "$frontend/server/systemd-socket.cjs" "$frontend/server/edge-headers.cjs" "$target.part/"
  sed -i "1i require('./systemd-socket.cjs');\nrequire('./edge-headers.cjs');" "$target.part/server.js"
  echo "$version" > "$target.part/VERSION"
  echo "$inputs_sum" > "$target.part/.build-inputs"
  rm -rf "$target"
  mv "$target.part" "$target"
  [ -L "$app" ] || rm -rf "$app"
  ln -sfn "$target" "$app.link" && mv -T "$app.link" "$app"
  # Keep the newest three builds (a running server may still use an older one).
  ls -1dt "$builds"/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
fi

[ "$mode" = build ] && exit 0

# 3. The release tarball: one top-level directory named after the release.
name=votelab-frontend-$version
out=$root/build/release/$name.tar.gz
mkdir -p "$root/build/release"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$(readlink -f "$app")" "$tmp/$name"
rm -f "$tmp/$name/.build-inputs"
mtime=$(git -C "$root" log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -czf "$out.part" "$name"
mv "$out.part" "$out"
echo "==> frontend: release $out ($(du -h "$out" | cut -f1))"
