#!/usr/bin/env bash
# Builds the Next.js front end and packages it for hosts that have only Node.js (20+).
#   build-frontend-release.sh build    npm ci (when the lock file changed) + next build + assemble build/frontend/app
#   build-frontend-release.sh release  the same, then build/release/votelab-frontend-<version>.tar.gz (the default)
# The assembled app is Next's standalone server with .next/static and public copied in, the edge-headers preload
# wired into server.js, and a VERSION file; run it with `node server.js` (PORT, HOSTNAME, VOTELAB_API_URL).
# A rebuild is skipped when the front end's sources and the version are unchanged since the last assembly.
set -euo pipefail
mode=${1:-release}
case "$mode" in build | release) ;; *) echo "usage: $0 [build|release]" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
frontend=$root/frontend
app=$root/build/frontend/app
version=$("$root/scripts/version.sh")
export NEXT_TELEMETRY_DISABLED=1

command -v node >/dev/null || { echo "build-frontend-release: node is not on PATH" >&2; exit 1; }

# 1. Dependencies exactly from the committed lock file; skipped when node_modules matches the lock already.
lock_sum=$(sha256sum "$frontend/package-lock.json" | cut -d' ' -f1)
stamp=$frontend/node_modules/.votelab-lock-sha256
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "==> frontend: npm ci"
  (cd "$frontend" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$stamp"
fi

# 2. next build + assemble, unless the sources and the version are what the assembled app was built from.
inputs_sum=$(
  cd "$frontend" &&
    find . -path ./node_modules -prune -o -path ./.next -prune -o -name '*.tsbuildinfo' -prune -o -type f -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
)
inputs_sum="$inputs_sum $version"
if [ "$(cat "$app/.build-inputs" 2>/dev/null)" = "$inputs_sum" ] && [ -f "$app/server.js" ]; then
  echo "==> frontend: build is up to date ($version)"
else
  echo "==> frontend: next build ($version)"
  (cd "$frontend" && npx --no-install next build)
  echo "==> frontend: assembling $app"
  rm -rf "$app"
  mkdir -p "$app"
  cp -a "$frontend/.next/standalone/." "$app/"
  mkdir -p "$app/.next"
  cp -a "$frontend/.next/static" "$app/.next/static"
  cp -a "$frontend/public" "$app/public"
  cp "$frontend/server/edge-headers.cjs" "$app/edge-headers.cjs"
  # Load the edge preload before Next.js creates its HTTP server.
  sed -i "1i require('./edge-headers.cjs');" "$app/server.js"
  echo "$version" > "$app/VERSION"
  echo "$inputs_sum" > "$app/.build-inputs"
fi

[ "$mode" = build ] && exit 0

# 3. The release tarball: one top-level directory named after the release.
name=votelab-frontend-$version
out=$root/build/release/$name.tar.gz
mkdir -p "$root/build/release"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -a "$app" "$tmp/$name"
rm -f "$tmp/$name/.build-inputs"
mtime=$(git -C "$root" log -1 --format=%cI 2>/dev/null || date -u +%FT%TZ)
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -czf "$out.part" "$name"
mv "$out.part" "$out"
echo "==> frontend: release $out ($(du -h "$out" | cut -f1))"
