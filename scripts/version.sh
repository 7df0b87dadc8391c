#!/usr/bin/env bash
# Prints the release version shared by the app and front-end bundles: VOTELAB_VERSION if set
# (the redeploy tests build a distinct release that way), else the base version plus the git commit.
set -euo pipefail
if [ -n "${VOTELAB_VERSION:-}" ]; then echo "$VOTELAB_VERSION"; exit 0; fi
base=0.1.0
cd "$(dirname "$0")/.."
sha=$(git rev-parse --short=10 HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo .dirty || true)
echo "${base}+g${sha}${dirty}"
