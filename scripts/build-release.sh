#!/usr/bin/env bash
# Builds build/release/votelab-app-<version>.tar.gz: a wheelhouse with the votelab wheel (its version = the release
# version from scripts/version.sh) and every pinned runtime dependency from requirements.txt for CPython 3.11
# manylinux x86_64, plus VERSION. A Debian 12 host installs it offline:
#   python3 -m venv /opt/votelab && /opt/votelab/bin/pip install --no-index --find-links wheelhouse votelab==<version>
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
version=$(bash scripts/version.sh)
# pip normalizes local versions (0.1.0+gABC.dirty -> 0.1.0+gabc.dirty); the wheel and VERSION use that form
pep440=$("$PY" -c 'import sys; from packaging.version import Version; print(Version(sys.argv[1]))' "$version")
name=votelab-app-$version
work=$ROOT/build/release-work/$name
out=$ROOT/build/release
rm -rf "$work" && mkdir -p "$work/src" "$work/pkg/wheelhouse" "$out"

# a copy of the sources with the version stamped in, so the tree itself is never modified
cp -r app pyproject.toml requirements.txt "$work/src/"
mkdir -p "$work/src/docs" && cp docs/pipeline.md "$work/src/docs/pipeline.md" 2>/dev/null || echo "votelab" > "$work/src/docs/pipeline.md"
find "$work/src" -name __pycache__ -prune -exec rm -rf {} +
printf '"""Package version, stamped by scripts/build-release.sh."""\n\n__version__ = "%s"\n' "$pep440" > "$work/src/app/_version.py"

echo "==> release $version: app wheel"
"$PY" -m pip wheel -q --no-deps -w "$work/pkg/wheelhouse" "$work/src"
echo "==> release $version: pinned runtime dependencies (cp311 manylinux x86_64)"
"$PY" -m pip download -q -r requirements.txt -d "$work/pkg/wheelhouse" \
  --only-binary=:all: --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux_2_28_x86_64 --platform any --python-version 311 --implementation cp --abi cp311 --abi abi3 --abi none
echo "$pep440" > "$work/pkg/VERSION"
tar -C "$work/pkg" -czf "$out/$name.tar.gz" VERSION wheelhouse
# only this release's work directory: other releases may be building beside it (Molecule's, the lab's)
rm -rf "$work"
echo "==> $out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1), $(tar -tzf "$out/$name.tar.gz" | grep -c '\.whl$') wheels)"
